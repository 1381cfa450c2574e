"""Read plates: `python -m lpr.read ckpt_path=CKPT input=PATH [locate=auto|box|none]`.

`ckpt_path=[CKPT_A,CKPT_B]` reads every crop with each checkpoint and keeps the reading most of them agree on.

PATH is an image, a folder of images, a folder of plate crops with labels.csv, or an OpenALPR folder.
`backend=onnx model_path=MODEL.onnx` reads with onnxruntime only (from `lpr.export`): no torch import on that path.
Prints `image<TAB>plate` per image; writes predictions.csv, metrics.json (where labels exist) and a grid
of the first failures (failures.png, also in TensorBoard) in the run dir. A bad file is one `error:`
line and the rest is still read; the exit code is non-zero only when nothing could be read.
"""
import csv
import logging
import sys
import time
from collections import Counter, defaultdict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import cv2
import hydra
import numpy as np
from omegaconf import DictConfig, ListConfig

from lpr.alphabet import ALPHABET
from lpr.config import instantiate, instantiate_group
from lpr.ctc import CtcReader
from lpr.errors import LprError, exit_on_lpr_error
from lpr.formats import PlateFormats
from lpr.images import read_image
from lpr.locate import char_extent, crop_box
from lpr.plates import PlateSample, box_iou, hash_split, in_holdout, load_plate_samples, normalize_plate, plate_metrics
from lpr.preprocess import chars_to_batch
from lpr.run_files import write_metrics, write_provenance
from lpr.segment import CharSegmenter, Segmentation

if TYPE_CHECKING:  # torch only where a torch engine runs
    import torch

log = logging.getLogger(__name__)


@dataclass
class PlateReading:
    text: str
    confidence: float
    segmentation: Segmentation | None = None  # the classic engine's characters, for the failure grid


class ClassicEngine:
    """segment -> classify -> join: the characters of all plates of a call go through the character CNN together,
    in slices of batch_chars (a slice's activations stay in the CPU's cache: twice as fast as one large batch)."""

    formats = PlateFormats()  # the region's plate formats, when the reader is told them (lpr.formats)

    def __init__(self, classifier: "torch.nn.Module", segmenter: CharSegmenter, input_size: int,
                 batch_chars: int = 128):
        self.classifier = classifier
        self.segmenter = segmenter
        self.input_size = input_size
        self.batch_chars = batch_chars

    def classify(self, batch: np.ndarray) -> np.ndarray:
        """float32 (N, 1, S, S) in [0, 1] -> class probabilities (N, len(ALPHABET)); the one model call."""
        import torch  # torch only where a torch engine runs: backend=onnx needs no torch installed

        with torch.inference_mode():
            return torch.softmax(self.classifier(torch.from_numpy(batch)), dim=1).numpy()

    def prepare(self, plate_crop: np.ndarray) -> Segmentation:
        """The per-crop work before the model call (lpr.read does it while its loader threads decode photos)."""
        return self.segmenter(plate_crop)

    def read_prepared(self, segmentations: list[Segmentation]) -> list[PlateReading]:
        batch = chars_to_batch([char for seg in segmentations for char in seg.char_crops], self.input_size)
        probabilities = np.zeros((0, len(ALPHABET)), np.float32)
        if len(batch):
            probabilities = np.concatenate([self.classify(batch[start:start + self.batch_chars])
                                            for start in range(0, len(batch), self.batch_chars)])
        starts = np.cumsum([0] + [len(seg) for seg in segmentations])
        readings = []
        for seg, start, end in zip(segmentations, starts[:-1], starts[1:]):
            plate = probabilities[start:end]
            classes = self.formats.fit(plate) if self.formats else None
            classes = plate.argmax(axis=1) if classes is None else classes
            chosen = plate[np.arange(len(classes)), classes]
            # the geometric mean keeps long and short plates comparable; no characters, no confidence
            confidence = float(np.exp(np.log(chosen).mean())) if len(chosen) else 0.0
            readings.append(PlateReading("".join(ALPHABET[c] for c in classes), confidence, seg))
        return readings

    def read_crops(self, plate_crops: list[np.ndarray]) -> list[tuple[str, float]]:
        """BGR plate crops -> (text, confidence in [0, 1]) each."""
        return [(r.text, r.confidence) for r in self.read_prepared([self.prepare(crop) for crop in plate_crops])]


def as_list(paths) -> list[str]:
    """`ckpt_path` / `model_path` as a list of paths: one path, or a list of them (an ensemble)."""
    return [str(path) for path in paths] if isinstance(paths, (list, tuple, ListConfig)) else [str(paths)]


def plain(paths):
    """A config value as JSON can hold it: a list of paths (an ensemble) becomes a Python list."""
    return as_list(paths) if isinstance(paths, ListConfig) else paths


def load_engines(cfg: DictConfig) -> list:
    """One engine per checkpoint (torch) or exported model (onnx), each told the region's plate formats (and a
    whole-plate one how sure a character at a reading's end must be)."""
    if cfg.backend not in ("torch", "onnx"):
        raise LprError(f"backend: must be torch or onnx, got {cfg.backend!r}")
    if not isinstance(cfg.edge_min_prob, (int, float)) or not 0.0 <= cfg.edge_min_prob < 1.0:
        raise LprError(f"edge_min_prob: must be in [0, 1), got {cfg.edge_min_prob!r}")
    key = "ckpt_path" if cfg.backend == "torch" else "model_path"
    paths = as_list(cfg[key])
    if not paths:
        raise LprError(f"{key}: an empty list names no model to read with")
    if cfg.backend == "onnx":
        from lpr.onnx_backend import load_onnx_engine

        engines = [load_onnx_engine(path, instantiate(cfg.segment), cfg.threads) for path in paths]
    else:
        if cfg.threads:
            import torch

            torch.set_num_threads(cfg.threads)
        engines = [load_engine(path, cfg) for path in paths]
    for engine in engines:
        engine.formats = PlateFormats(cfg.formats.patterns)
        if isinstance(engine, CtcReader):
            engine.edge_min_prob = cfg.edge_min_prob
    return engines


def load_engine(ckpt_path: str | Path, cfg: DictConfig):
    """The reader a checkpoint asks for: the CRNN's own engine, or segmentation + this character classifier."""
    from lpr.checkpoint import load_checkpoint, load_classifier

    if load_checkpoint(ckpt_path).get("hyper_parameters", {}).get("engine") == "crnn":
        from lpr.plate_module import CrnnEngine

        return CrnnEngine.from_checkpoint(ckpt_path)
    classifier = load_classifier(ckpt_path)
    return ClassicEngine(classifier, instantiate(cfg.segment), classifier.input_size)


def engine_read(engine, plate_crops: list[np.ndarray]) -> list[PlateReading]:
    """Readings of any engine; the classic one also returns its segmented characters."""
    return engine_read_prepared(engine, [engine.prepare(crop) for crop in plate_crops])


def engine_read_prepared(engine, prepared: list) -> list[PlateReading]:
    """Readings of any engine from crops its `prepare` made (a classic reading also holds its characters)."""
    readings = engine.read_prepared(prepared)
    return [PlateReading(*r) if isinstance(r, tuple) else r for r in readings]  # a CTC reader's (text, confidence)


@dataclass
class PlateResult:
    sample: PlateSample
    text: str
    confidence: float
    box: tuple[int, int, int, int] | None  # where the plate was read, in the photo
    crop: np.ndarray
    segmentation: Segmentation | None


class PlateReader:
    """Runs one locate mode over samples: loads photos in threads, reads plate crops in large batches. With several
    engines (an ensemble) every crop is read by each, and all the readings of a photo vote together."""

    def __init__(self, engines: list, locate_cfg: DictConfig, segmenter: CharSegmenter, threads: int):
        self.engines = engines
        self.mode = locate_cfg.mode
        # locate=box reads its box at each margin and keeps the reading most of them agree on
        self.margins = [tuple(margin) for margin in [locate_cfg.get("crop_margin", (0.0, 0.0)),
                                                     *locate_cfg.get("vote_margins", [])]]
        if not all(len(margin) == 2 and all(isinstance(m, (int, float)) for m in margin) for margin in self.margins):
            raise LprError(f"locate.crop_margin, locate.vote_margins: each margin must be [width, height] fractions, "
                           f"got {self.margins}")
        self.locator = instantiate(locate_cfg.locator) if self.mode == "auto" else None
        # crops of a photo read at once: locate=box its first majority of margins, the others only where they disagree
        self.first_round = len(self.margins) // 2 + 1 if self.mode == "box" else sys.maxsize
        self.segmenter = segmenter
        self.threads = threads

    def plate_crops(self, sample: PlateSample) -> tuple[list[np.ndarray], list[tuple]]:
        """The crops to read from one photo, each with (plate box, crop box) in photo pixels; LprError for a bad
        file or box."""
        image = read_image(sample.image_path, color=True)
        if self.mode == "none":
            return [image], [(None, None)]
        if self.mode == "box":
            if sample.box is None:
                raise LprError(f"{sample.image_path}: locate=box but the input labels no box for it")
            x, y, w, h = sample.box
            if w <= 0 or h <= 0 or x >= image.shape[1] or y >= image.shape[0] or x + w <= 0 or y + h <= 0:
                raise LprError(f"{sample.image_path}: box {sample.box} lies outside the {image.shape[1]}x"
                               f"{image.shape[0]} image")
            crops = [crop_box(image, sample.box, margin) for margin in self.margins]
            return [crop for crop, _ in crops], [(origin, origin) for _, origin in crops]
        crops, places = [], []
        for box in self.locator.candidates(image):
            crop, origin = crop_box(image, box, self.locator.crop_margin)
            if crop.size:
                crops.append(crop)
                places.append((box, origin))
        return crops, places

    def read(self, samples: list[PlateSample], batch_plates: int, problems: list[str]) -> list[PlateResult]:
        opencv_threads = cv2.getNumThreads()
        cv2.setNumThreads(1)  # the loader threads are the parallelism: OpenCV's own pool would only compete with them
        try:
            return self.read_chunks(samples, batch_plates, problems)
        finally:
            cv2.setNumThreads(opencv_threads)

    def read_chunks(self, samples: list[PlateSample], batch_plates: int, problems: list[str]) -> list[PlateResult]:
        results = []
        with ThreadPoolExecutor(self.threads) as pool:
            for start in range(0, len(samples), batch_plates):
                chunk = samples[start:start + batch_plates]
                loaded, crops, owners, boxes, readers, prepared = [], [], [], [], [], []
                # the engine's per-crop work (segmentation) runs here while the loader threads decode the next photos
                for index, item in enumerate(pool.map(self.try_plate_crops, chunk)):
                    loaded.append(item)
                    if isinstance(item, str):
                        problems.append(item)
                        continue
                    for reader, engine in enumerate(self.engines):
                        crops += item[0]
                        boxes += item[1]
                        owners += [index] * len(item[0])
                        readers += [reader] * len(item[0])
                        prepared += [engine.prepare(crop) if rank < self.first_round else None
                                     for rank, crop in enumerate(item[0])]
                readings = self.read_prepared(crops, owners, readers, prepared)
                results += self.pick(chunk, crops, boxes, owners, readings, loaded)
        return results

    def read_prepared(self, crops: list[np.ndarray], owners: list[int], readers: list[int],
                      prepared: list) -> list[PlateReading | None]:
        """The readings of the prepared crops, then of the others where a photo's prepared crops disagree: a box's
        first margins that all agree outnumber the rest and have won the vote already (None: a crop left unread).
        Each crop is read by its engine, `self.engines[readers[position]]`."""
        readings: list[PlateReading | None] = [None] * len(crops)
        first = [position for position, item in enumerate(prepared) if item is not None]
        self.read_into(readings, first, readers, lambda engine, positions: engine_read_prepared(
            engine, [prepared[position] for position in positions]))
        texts = defaultdict(set)
        for position in first:
            texts[owners[position]].add(readings[position].text)
        rest = [position for position, item in enumerate(prepared) if item is None and len(texts[owners[position]]) > 1]
        self.read_into(readings, rest, readers, lambda engine, positions: engine_read(
            engine, [crops[position] for position in positions]))
        return readings

    def read_into(self, readings: list, positions: list[int], readers: list[int], read_with) -> None:
        """readings[position] = read_with(engine, its positions), one call per engine."""
        for reader, engine in enumerate(self.engines):
            mine = [position for position in positions if readers[position] == reader]
            for position, reading in zip(mine, read_with(engine, mine) if mine else []):
                readings[position] = reading

    def try_plate_crops(self, sample: PlateSample):
        try:
            return self.plate_crops(sample)
        except LprError as error:
            return str(error)

    def pick(self, chunk, crops, boxes, owners, readings, loaded) -> list[PlateResult]:
        """One result per readable photo: the reading most of its crops agree on (locate=box, none), or
        (locate=auto) its most plate-like candidate."""
        if self.locator is not None:
            scores = [self.locator.plausibility(r.text, r.confidence, self.engines[0].formats) for r in readings]
        positions: dict[int, list[int]] = {}
        for position, owner in enumerate(owners):
            if readings[position] is not None:
                positions.setdefault(owner, []).append(position)
        results = []
        for index, sample in enumerate(chunk):
            if isinstance(loaded[index], str):
                continue
            if index not in positions:  # no candidate at all: an empty reading, still counted
                results.append(PlateResult(sample, "", 0.0, None, np.zeros((8, 8, 3), np.uint8), None))
                continue
            if self.locator is None:
                position, confidence = majority_reading(readings, positions[index])
            else:
                position = max(positions[index], key=lambda candidate: scores[candidate])
                confidence = readings[position].confidence
            reading, (box, origin) = readings[position], boxes[position]
            if self.locator is not None:
                segmentation = reading.segmentation or self.segmenter(crops[position])
                box = self.locator.tighten(box, char_extent(origin, segmentation, self.locator.min_chars))
            results.append(PlateResult(sample, reading.text, confidence, box, crops[position], reading.segmentation))
        return results


def majority_reading(readings: list[PlateReading], positions: list[int]) -> tuple[int, float]:
    """The reading most of a plate's crops agree on (ties: the larger summed confidence): the position of its most
    confident crop, and its confidence summed over the crops that read it and divided by all read, so that a
    reading only some crops agree on is less sure. One crop: that crop and its own confidence."""
    votes, support = Counter(), defaultdict(float)
    for position in positions:
        votes[readings[position].text] += 1
        support[readings[position].text] += readings[position].confidence
    winner = max(votes, key=lambda text: (votes[text], support[text]))
    position = max((p for p in positions if readings[p].text == winner), key=lambda p: readings[p].confidence)
    return position, support[winner] / len(positions)


def failure_grid(results: list[PlateResult], count: int, tile_height: int = 64) -> np.ndarray | None:
    """Rows of: photo with the read box, plate crop with its segmented characters, prediction vs truth."""
    failures = [r for r in results if r.sample.text is not None and normalize_plate(r.text) != r.sample.text]
    rows = []
    for result in failures[:count]:
        photo = read_image(result.sample.image_path, color=True)
        for box, colour in ((result.sample.box, (0, 255, 0)), (result.box, (0, 0, 255))):
            if box is not None:
                x, y, w, h = box
                cv2.rectangle(photo, (x, y), (x + w, y + h), colour, max(2, photo.shape[1] // 300))
        photo = cv2.resize(photo, (round(photo.shape[1] * 2 * tile_height / photo.shape[0]), 2 * tile_height))
        crop = result.crop.copy()
        if result.segmentation is not None and not result.segmentation.angle:
            for x, y, w, h in result.segmentation.char_boxes:
                cv2.rectangle(crop, (int(x), int(y)), (int(x + w), int(y + h)), (0, 0, 255), 1)
        crop = cv2.resize(crop, (4 * tile_height, 2 * tile_height), interpolation=cv2.INTER_NEAREST)
        text = np.zeros((2 * tile_height, 4 * tile_height, 3), np.uint8)
        cv2.putText(text, f"read  {result.text or '-'}", (6, tile_height - 12), cv2.FONT_HERSHEY_SIMPLEX, 0.8,
                    (80, 80, 255), 2)
        cv2.putText(text, f"truth {result.sample.text}", (6, 2 * tile_height - 16), cv2.FONT_HERSHEY_SIMPLEX, 0.8,
                    (80, 255, 80), 2)
        rows.append(np.hstack([photo[:, :6 * tile_height], crop, text]))
    if not rows:
        return None
    width = max(row.shape[1] for row in rows)
    return np.vstack([cv2.copyMakeBorder(r, 0, 2, 0, width - r.shape[1], cv2.BORDER_CONSTANT) for r in rows])


def select_samples(cfg: DictConfig) -> tuple[list[PlateSample], list[str]]:
    samples, problems = load_plate_samples(cfg.input)
    if cfg.subset == "holdout":
        samples = [s for s in samples if in_holdout(s.name, cfg.holdout.salt, cfg.holdout.train_percent)]
    elif cfg.subset in ("train", "val"):
        percent, salt = checkpoint_split(cfg)
        samples = [s for s in samples if hash_split(s.name, percent, salt) == cfg.subset]
    elif cfg.subset != "all":
        raise LprError(f"subset: must be all, holdout, train or val, got {cfg.subset!r}")
    return samples, problems


def checkpoint_split(cfg: DictConfig) -> tuple[dict, str]:
    """The real-photo split a whole-plate checkpoint trained with, so that runs can be compared on their val share;
    an ensemble's checkpoints must all have trained with the same one."""
    if cfg.backend != "torch":
        raise LprError(f"subset={cfg.subset}: the photo split is kept in the checkpoint; read with ckpt_path")
    from lpr.checkpoint import load_checkpoint

    splits = {}
    for ckpt_path in as_list(cfg.ckpt_path):
        data = load_checkpoint(ckpt_path).get("datamodule_hyper_parameters", {})
        if not data.get("roots") or "split_percent" not in data:
            raise LprError(f"{ckpt_path}: subset={cfg.subset}: the checkpoint trained on no split real photos")
        percent = dict(data["split_percent"])
        if not percent.get(cfg.subset):
            raise LprError(f"{ckpt_path}: subset={cfg.subset}: the checkpoint's real photos have no {cfg.subset} "
                           f"share (data.split_percent {percent})")
        splits[ckpt_path] = (percent, data["split_salt"])
    first, *others = splits
    for ckpt_path in others:
        if splits[ckpt_path] != splits[first]:
            raise LprError(f"{ckpt_path}: subset={cfg.subset}: its photo split {splits[ckpt_path]} differs from "
                           f"{first}'s {splits[first]}")
    return splits[first]


def read(cfg: DictConfig) -> dict:
    run_dir = Path(cfg.paths.output_dir)
    if cfg.locate.mode not in ("auto", "box", "none"):
        raise LprError(f"locate: must be auto, box or none, got {cfg.locate.mode!r}")
    engines = load_engines(cfg)
    samples, problems = select_samples(cfg)
    write_provenance(run_dir, cfg)
    reader = PlateReader(engines, cfg.locate, instantiate(cfg.segment), cfg.threads or 2)
    started = time.perf_counter()
    results = reader.read(samples, cfg.batch_plates, problems)
    elapsed = time.perf_counter() - started
    for problem in problems:
        print(f"error: {problem}", file=sys.stderr)

    with (run_dir / "predictions.csv").open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["image", "text", "confidence"])
        for result in results:
            writer.writerow([result.sample.name, result.text, f"{result.confidence:.4f}"])
            print(f"{result.sample.name}\t{result.text}")
    if not results:
        raise LprError(f"{cfg.input}: nothing could be read ({len(problems)} problem(s) above)")

    metrics = {"n_read": len(results), "n_problems": len(problems), "plates_per_s": round(len(results) / elapsed, 2),
               "locate": cfg.locate.mode, "input": str(cfg.input), "backend": cfg.backend,
               "ckpt_path": plain(cfg.get("ckpt_path")), "model_path": plain(cfg.get("model_path"))}
    labelled = [r for r in results if r.sample.text is not None]
    if labelled:
        metrics.update(plate_metrics([r.text for r in labelled], [r.sample.text for r in labelled]))
        boxed = [r for r in labelled if r.sample.box is not None]
        if cfg.locate.mode == "auto" and boxed:
            metrics["locate/recall"] = float(np.mean([r.box is not None and box_iou(r.box, r.sample.box) >= 0.5
                                                      for r in boxed]))
        log_failures(run_dir, results, cfg)
    write_metrics(run_dir, metrics)
    summary = {k: v for k, v in metrics.items() if "/" in k or k == "plates_per_s"}
    print(f"{summary}\nRun: {run_dir}  (predictions.csv, metrics.json)", file=sys.stderr)
    return metrics


def log_failures(run_dir: Path, results: list[PlateResult], cfg: DictConfig) -> None:
    grid = failure_grid(results, cfg.failures)
    if grid is None:
        return
    cv2.imwrite(str(run_dir / "failures.png"), grid)
    if cfg.backend == "onnx":  # TensorBoard's logger is lightning's: the torch-free reader writes failures.png only
        return
    from lightning.pytorch.loggers import TensorBoardLogger

    for logger in instantiate_group(cfg.get("logger")):
        if isinstance(logger, TensorBoardLogger):
            logger.experiment.add_image("read/failures", grid[:, :, ::-1].copy(), dataformats="HWC")
            logger.experiment.flush()


@hydra.main(version_base="1.3", config_path="../configs", config_name="read")
@exit_on_lpr_error
def main(cfg: DictConfig) -> float | None:
    return read(cfg).get("plate/acc")


if __name__ == "__main__":
    main()
