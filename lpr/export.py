"""Export a character checkpoint for deployment: `python -m lpr.export ckpt_path=CKPT [output=PATH.onnx]`.

Writes MODEL.onnx (torch.onnx, dynamic batch, softmax inside: probabilities out) and MODEL.json beside it
(alphabet, input size, preprocessing, segmentation: all `lpr.read backend=onnx` needs besides the weights),
then classifies real character crops with both PyTorch and onnxruntime and refuses the export when they
disagree. The whole-plate CRNN is not exported (its decoding is torch code); metrics.json in the run dir.
"""
import dataclasses
import logging
import sys
from pathlib import Path

import hydra
import numpy as np
import torch
from omegaconf import DictConfig

from lpr.alphabet import ALPHABET
from lpr.checkpoint import load_checkpoint, load_classifier
from lpr.config import instantiate
from lpr.data import AlphabetImageFolder, split_dir
from lpr.errors import LprError, exit_on_lpr_error
from lpr.images import read_image
from lpr.onnx_backend import OnnxClassifier, reader_info_path
from lpr.preprocess import chars_to_batch
from lpr.read import ClassicEngine
from lpr.run_files import write_json_atomic, write_metrics, write_provenance

log = logging.getLogger(__name__)

INPUT_NAME, OUTPUT_NAME = "chars", "probabilities"


def export_onnx(classifier: torch.nn.Module, onnx_path: Path, opset: int) -> None:
    """The classifier plus softmax as ONNX with a dynamic batch axis, weights inside the file."""
    size = classifier.input_size
    with_softmax = torch.nn.Sequential(classifier, torch.nn.Softmax(dim=1)).eval()
    # The TorchScript exporter: the torch.export-based one (dynamo=True) needs onnxscript, which lpr does not ship.
    torch.onnx.export(with_softmax, (torch.zeros(2, 1, size, size),), str(onnx_path), dynamo=False,
                      input_names=[INPUT_NAME], output_names=[OUTPUT_NAME], opset_version=opset,
                      dynamic_axes={INPUT_NAME: {0: "batch"}, OUTPUT_NAME: {0: "batch"}})


def reader_info(classifier: torch.nn.Module, cfg: DictConfig, onnx_path: Path) -> dict:
    """What `lpr.read backend=onnx` needs besides the weights (written as MODEL.json)."""
    return {"model": onnx_path.name, "alphabet": ALPHABET, "input_size": classifier.input_size,
            "input_name": INPUT_NAME, "output_name": OUTPUT_NAME,
            "preprocessing": {"function": "lpr.preprocess.chars_to_batch",
                              "input": "float32 (N, 1, S, S) in [0, 1], ink bright (1.0) on dark background (0.0)",
                              "char_crop": "grey uint8 from lpr.segment, resized to S x S, min-max stretched"},
            "segment": dataclasses.asdict(instantiate(cfg.segment)),
            "ckpt_path": str(cfg.ckpt_path), "opset": cfg.opset, "torch": torch.__version__}


def real_char_batch(data_dir: str, size: int, max_images: int) -> tuple[np.ndarray, np.ndarray]:
    """Up to max_images character crops spread over all classes of an ImageFolder split, and their labels."""
    samples = AlphabetImageFolder(split_dir(data_dir, "val"), check_images=False).samples
    picked = [samples[i] for i in np.unique(np.linspace(0, len(samples) - 1, max_images).astype(int))]
    batch = chars_to_batch([read_image(path) for path, _ in picked], size)
    return batch, np.array([label for _, label in picked])


def verify(classifier: torch.nn.Module, onnx_path: Path, cfg: DictConfig) -> dict:
    """PyTorch vs onnxruntime on real crops: max |difference| of probabilities, argmax agreement, accuracy."""
    batch, labels = real_char_batch(cfg.verify.data_dir, classifier.input_size, cfg.verify.max_images)
    torch_probabilities = ClassicEngine(classifier, None, classifier.input_size).classify(batch)
    onnx_probabilities = OnnxClassifier(onnx_path)(batch)
    torch_best, onnx_best = torch_probabilities.argmax(1), onnx_probabilities.argmax(1)
    return {"verify/n": len(batch),
            "verify/max_abs_diff": float(np.abs(torch_probabilities - onnx_probabilities).max()),
            "verify/argmax_agree": float(np.mean(torch_best == onnx_best)),
            "verify/torch_acc": float(np.mean(torch_best == labels)),
            "verify/onnx_acc": float(np.mean(onnx_best == labels))}


def export(cfg: DictConfig) -> dict:
    run_dir = Path(cfg.paths.output_dir)
    if load_checkpoint(cfg.ckpt_path).get("hyper_parameters", {}).get("engine") == "crnn":
        raise LprError(f"{cfg.ckpt_path}: a whole-plate (crnn) checkpoint; lpr.export exports character "
                       "classifiers only")
    classifier = load_classifier(cfg.ckpt_path)
    onnx_path = Path(cfg.output) if cfg.output else run_dir / "char_classifier.onnx"
    if onnx_path.suffix != ".onnx":
        raise LprError(f"output: {onnx_path} must end in .onnx (MODEL.json is written beside it)")
    onnx_path.parent.mkdir(parents=True, exist_ok=True)
    write_provenance(run_dir, cfg)
    export_onnx(classifier, onnx_path, cfg.opset)
    write_json_atomic(reader_info_path(onnx_path), reader_info(classifier, cfg, onnx_path))
    metrics = {**verify(classifier, onnx_path, cfg), "model_path": str(onnx_path), "ckpt_path": str(cfg.ckpt_path),
               "onnx_bytes": onnx_path.stat().st_size}
    write_metrics(run_dir, metrics)
    if metrics["verify/max_abs_diff"] > cfg.verify.tolerance or metrics["verify/argmax_agree"] < 1.0:
        raise LprError(f"{onnx_path}: onnxruntime disagrees with PyTorch on real crops (max |diff| "
                       f"{metrics['verify/max_abs_diff']:.2e}, argmax agreement {metrics['verify/argmax_agree']:.4f})")
    print(f"{onnx_path}\n{reader_info_path(onnx_path)}\n"
          f"{ {k: v for k, v in metrics.items() if k.startswith('verify/')} }\nRun: {run_dir}", file=sys.stderr)
    return metrics


@hydra.main(version_base="1.3", config_path="../configs", config_name="export")
@exit_on_lpr_error
def main(cfg: DictConfig) -> None:
    export(cfg)


if __name__ == "__main__":
    main()
