"""ONNX export of lpr's models and its check: each kind exported as `lpr.read ckpt_path=MODEL.onnx` reads it, then
both runtimes read the same real inputs (character crops, plate boxes of real photos, or whole photos) and report how
far they agree. lpr.cli.export is the command; this holds the model libraries it needs.
"""
import dataclasses
from collections.abc import Callable
from pathlib import Path

import numpy as np
import torch
from omegaconf import DictConfig

from lpr.core.boxes import crop_box
from lpr.core.config import instantiate
from lpr.core.centre_decode import heat_probabilities, matched, pairwise_iou
from lpr.core.ctc_decode import ctc_greedy_decode
from lpr.core.errors import LprError
from lpr.core.images import read_image
from lpr.core.preprocess import chars_to_batch, plates_to_batch
from lpr.core.text_map import text_lines
from lpr.data.chars import AlphabetImageFolder, split_dir
from lpr.data.box_folders import load_box_folder
from lpr.data.samples import load_plate_samples
from lpr.models.centernet import PackedOutputs
from lpr.reading.locate.plate_detector import PlateFinder
from lpr.reading.engines.onnx_model import OnnxModel
from lpr.reading.locate.text_finder import TextFinder
from lpr.reading.engines.torch_model import TorchModel
from lpr.training.checkpoint import load_trained


def export_onnx(model: torch.nn.Module, input_shape: tuple[int, ...], names: tuple[str, str], onnx_path: Path,
                opset: int, any_size: bool = False) -> None:
    """`model` as ONNX with a dynamic batch axis on its one input and output (`any_size`: its height and width too),
    weights inside the file."""
    input_name, output_name = names
    axes = {0: "batch", 2: "height", 3: "width"} if any_size else {0: "batch"}
    # The TorchScript exporter: the torch.export-based one (dynamo=True) needs onnxscript, which lpr does not ship.
    torch.onnx.export(model.eval(), (torch.zeros(2, *input_shape),), str(onnx_path), dynamo=False,
                      input_names=[input_name], output_names=[output_name], opset_version=opset,
                      dynamic_axes={input_name: axes, output_name: axes})


def agreement(torch_out: np.ndarray, onnx_out: np.ndarray, torch_pred: list, onnx_pred: list, truth: list) -> dict:
    """Both runtimes' outputs and predictions on the same real inputs: max |difference|, agreement, accuracy."""
    return {"verify/n": len(truth), "verify/max_abs_diff": float(np.abs(torch_out - onnx_out).max()),
            "verify/argmax_agree": float(np.mean([a == b for a, b in zip(torch_pred, onnx_pred)])),
            "verify/torch_acc": float(np.mean([a == b for a, b in zip(torch_pred, truth)])),
            "verify/onnx_acc": float(np.mean([a == b for a, b in zip(onnx_pred, truth)]))}


def real_char_batch(data_dir: str, size: int, max_images: int) -> tuple[np.ndarray, np.ndarray]:
    """Up to max_images character crops spread over all classes of an ImageFolder split, and their labels."""
    samples = AlphabetImageFolder(split_dir(data_dir, "val"), check_images=False).samples
    picked = [samples[i] for i in np.unique(np.linspace(0, len(samples) - 1, max_images).astype(int))]
    batch = chars_to_batch([read_image(path) for path, _ in picked], size)
    return batch, np.array([label for _, label in picked])


def export_classifier(cfg: DictConfig, onnx_path: Path, write_info: Callable[[dict], None]) -> dict:
    """The character classifier plus softmax; checked on real character crops.
    -> verify metrics; the reader info goes to `write_info` first."""
    segmenter = instantiate(cfg.segment)
    if not dataclasses.is_dataclass(segmenter):  # segment=detector: a model of its own, exported on its own
        raise LprError("segment: the classifier's MODEL.json records contour settings (segment=contours); export a "
                       "character detector on its own (lpr.export ckpt_path=<its checkpoint>) and read with "
                       "segment=detector segment.model=<its .onnx>")
    classifier = load_trained(cfg.ckpt_path, kind="classifier")
    size = classifier.input_size
    export_onnx(torch.nn.Sequential(classifier, torch.nn.Softmax(dim=1)), (1, size, size), ("chars", "probabilities"),
                onnx_path, cfg.opset)
    info = {"engine": "classic", "input_size": size, "input_name": "chars", "output_name": "probabilities",
            "preprocessing": {"function": "lpr.core.preprocess.chars_to_batch",
                              "input": "float32 (N, 1, S, S) in [0, 1], ink bright (1.0) on dark background (0.0)",
                              "char_crop": "grey uint8 from lpr.vision.segment, resized to S x S, min-max stretched"},
            "segment": dataclasses.asdict(segmenter)}
    write_info(info)
    batch, labels = real_char_batch(cfg.verify.data_dir, size, cfg.verify.max_images)
    torch_out = TorchModel(classifier, "softmax")(batch)
    onnx_out = OnnxModel(onnx_path)(batch)
    return agreement(torch_out, onnx_out, list(torch_out.argmax(1)), list(onnx_out.argmax(1)), list(labels))


def real_plate_batch(plates_dir: str, height: int, width: int, margin, max_plates: int) -> tuple[np.ndarray, list]:
    """Up to max_plates labelled plate boxes of real photos (grown by margin) as a recognizer batch, and their texts."""
    samples = [s for s in load_plate_samples(plates_dir)[0] if s.box is not None and s.text][:max_plates]
    if not samples:
        raise LprError(f"verify.plates_dir: no labelled plate boxes in {plates_dir}")
    crops = [crop_box(read_image(s.image_path, color=True), s.box, tuple(margin))[0] for s in samples]
    return plates_to_batch(crops, height, width), [s.text for s in samples]


def export_crnn(cfg: DictConfig, onnx_path: Path, write_info: Callable[[dict], None]) -> dict:
    """The whole-plate recognizer with its log-softmax; checked on real plate boxes.
    -> verify metrics; the reader info goes to `write_info` first."""
    recognizer = load_trained(cfg.ckpt_path, kind="crnn")
    height, width = recognizer.input_size
    export_onnx(recognizer, (1, height, width), ("plates", "log_probs"), onnx_path, cfg.opset)
    info = {"engine": "crnn", "input_height": height, "input_width": width, "input_name": "plates",
            "output_name": "log_probs", "blank": 0,
            "preprocessing": {"function": "lpr.core.preprocess.plates_to_batch",
                              "input": "float32 (N, 1, H, W) in [0, 1], grey plate crop resized, min-max stretched"},
            "decoding": "lpr.core.ctc_decode.ctc_greedy_decode: class 0 is the blank, class i + 1 is alphabet[i]"}
    write_info(info)
    batch, texts = real_plate_batch(cfg.verify.plates_dir, height, width, cfg.verify.plate_margin,
                                    cfg.verify.max_plates)
    torch_out = TorchModel(recognizer)(batch)
    onnx_out = OnnxModel(onnx_path)(batch)
    decoded = [[d.text for d in ctc_greedy_decode(out)] for out in (torch_out, onnx_out)]
    # compared as probabilities, like the classifier's: log-probabilities of ~0 events differ wildly and mean nothing
    return agreement(np.exp(torch_out), np.exp(onnx_out), *decoded, texts)


def export_detector(cfg: DictConfig, onnx_path: Path, write_info: Callable[[dict], None]) -> dict:
    """The plate detector's three maps packed as one; checked on real photos: both runtimes must find the same
    boxes (IoU 0.99 or more), and their recall of the labelled boxes is reported.
    -> verify metrics; the reader info goes to `write_info` first."""
    detector = load_trained(cfg.ckpt_path, kind="detector")
    size, net = detector.input_size, detector.net
    export_onnx(PackedOutputs(net), (3, size, size), ("photos", "maps"), onnx_path, cfg.opset)
    info = {"engine": "detector", "input_size": size, "stride": net.stride, "num_classes": net.num_classes,
            "input_name": "photos", "output_name": "maps",
            **{key: detector.hparams[key] for key in ("score_floor", "max_boxes", "nms_iou")},
            "preprocessing": {"function": "lpr.core.preprocess.letterbox",
                              "input": "float32 (N, 3, S, S) RGB in [0, 1]: the photo's longer side resized to S, "
                                       "padded right and bottom with 0"},
            "decoding": "lpr.core.centre_decode.decode_centres on channels [0, C) heatmap logits, [C, C + 2) "
                        "log(w, h) in input pixels, [C + 2, C + 4) centre offsets, at the stride"}
    write_info(info)
    samples = load_box_folder(cfg.verify.plates_dir)[:cfg.verify.max_photos]
    finders = [PlateFinder(str(cfg.ckpt_path)), PlateFinder(str(onnx_path))]
    photos = [read_image(s.image_path, color=True) for s in samples]
    batch, _ = finders[0].batch(photos)
    outputs = [finder.net(batch) for finder in finders]
    found = [[finder(photo) for photo in photos] for finder in finders]
    same = [len(a) == len(b) and (not len(a) or all(pairwise_iou(a.boxes, b.boxes).max(1) >= 0.99))
            for a, b in zip(*found)]
    true = sum(len(s.boxes) for s in samples)
    recall = [sum(matched(d.boxes, s.boxes) for d, s in zip(runtime, samples)) / max(true, 1) for runtime in found]
    probabilities = [heat_probabilities(out[:, :net.num_classes]) for out in outputs]
    return {"verify/n": len(samples), "verify/max_abs_diff": float(np.abs(np.subtract(*probabilities)).max()),
            "verify/argmax_agree": float(np.mean(same)), "verify/torch_acc": float(recall[0]),
            "verify/onnx_acc": float(recall[1])}


def export_text_detector(cfg: DictConfig, onnx_path: Path, write_info: Callable[[dict], None]) -> dict:
    """A fine-tuned PP-OCR text detector as PP-OCR ships detectors (its input, the probability map out, any size in
    multiples of 32), so lpr.reading.locate.text_finder reads it: `locate.text_finder.model=MODEL.onnx`. Checked on real
    photos: both runtimes must find the same boxes (IoU 0.99 or more); their recall is reported."""
    detector = load_trained(cfg.ckpt_path, kind="text_detector")
    net = detector.net.probability_net().eval()
    export_onnx(net, (3, 64, 64), ("x", "maps"), onnx_path, cfg.opset, any_size=True)
    write_info({"engine": "text_detector", "input_name": "x", "output_name": "maps",
                "preprocessing": "lpr.reading.locate.text_finder.TextFinder.batch: BGR scaled to [-1, 1], sides multiples "
                                 "of 32", "decoding": "lpr.core.text_map.text_lines"})
    samples = load_box_folder(cfg.verify.plates_dir)[:cfg.verify.max_photos]
    finder = TextFinder(str(onnx_path), min_height=1)
    differences, same, hits = [], [], [0, 0]
    for sample in samples:
        batch, (sx, sy) = finder.batch(read_image(sample.image_path, color=True))
        with torch.no_grad():
            maps = [net(torch.from_numpy(batch)).numpy()[0, 0], finder.net(batch)[0, 0]]
        differences.append(float(np.abs(maps[0] - maps[1]).max()))
        found = [text_lines(m, finder.pixel_floor, finder.score_floor, finder.unclip) for m in maps]
        same.append(len(found[0]) == len(found[1]) and (not len(found[0]) or all(
            pairwise_iou(found[0].boxes, found[1].boxes).max(1) >= 0.99)))
        for runtime, lines in enumerate(found):
            hits[runtime] += matched(lines.boxes / (sx, sy, sx, sy), sample.boxes)
    true = max(1, sum(len(s.boxes) for s in samples))
    return {"verify/n": len(samples), "verify/max_abs_diff": max(differences, default=0.0),
            "verify/argmax_agree": float(np.mean(same)), "verify/torch_acc": hits[0] / true,
            "verify/onnx_acc": hits[1] / true}


EXPORTS = {"classifier": (export_classifier, "char_classifier.onnx"), "crnn": (export_crnn, "plate_recognizer.onnx"),
           "detector": (export_detector, "plate_detector.onnx"),
           "text_detector": (export_text_detector, "plate_text_detector.onnx")}
