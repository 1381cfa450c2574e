"""Read plates: `lpr read PHOTO_OR_FOLDER` (the shipped detector, text finder and reader, on onnxruntime), or with
your models: `lpr read ckpt_path=CKPT_OR_ONNX input=PATH [locate=auto|box|none|detector]` (`python -m lpr.read` takes
the same overrides).

`locate=detector locate.detector.model=DETECTOR` reads every plate a trained detector (checkpoint or ONNX) finds:
one row a plate, none for a photo without one; labelled photos are scored by the found plate on their box.

`ckpt_path=[CKPT_A,CKPT_B]` reads every crop with each model and keeps the reading most of them agree on.

PATH is an image, a folder of images, a folder of plate crops with labels.csv, or an OpenALPR folder.
`ckpt_path=MODEL.onnx` (from `lpr.export`; `shipped`, `fast`, `ppocr`) reads with onnxruntime only: no torch import.
Prints `image<TAB>plate` per plate read, and `image<TAB><TAB>status (detail)` for a photo that gives none (no plate
found, none reads as one, every reading below the locate mode's min_confidence, the image too small); writes
predictions.csv (each plate's box, status, detail and its characters' confidences), metrics.json (counts of each
status, and the plate metrics where labels exist: lpr.reading.metrics) and a grid of the first failures
(failures.png, also in TensorBoard) in the run dir. A bad file is one `error:` line and the rest is still read; the
exit code is non-zero only when nothing could be read.
"""
import csv
import json
import sys
import time
from pathlib import Path

import cv2
from omegaconf import DictConfig, ListConfig

from lpr.cli.command import command
from lpr.cli.run_files import atomic_open, write_metrics, write_provenance
from lpr.core.config import instantiate, instantiate_group
from lpr.core.errors import LprError
from lpr.data.samples import PlateSample
from lpr.reading.assemble import as_list, build_reader, model_paths
from lpr.reading.failures import failure_grid
from lpr.reading.runtime import checkpoints
from lpr.reading.metrics import read_metrics, status_counts
from lpr.reading.pipeline import PlateResult
from lpr.reading.subset import select_samples


def plain(paths):
    """A config value as JSON can hold it: a list of paths (an ensemble) becomes a Python list."""
    return as_list(paths) if isinstance(paths, ListConfig) else paths


def read(cfg: DictConfig) -> dict:
    run_dir = Path(cfg.paths.output_dir)
    paths = model_paths(cfg)
    torch_models = checkpoints(paths)
    samples, problems = select_samples(cfg.input, subset=cfg.subset, split=instantiate(cfg.split),
                                       ckpt_paths=torch_models)
    reader = build_reader(cfg, paths)
    write_provenance(run_dir, cfg)
    started = time.perf_counter()
    to_read = one_per_photo(samples) if reader.mode == "detector" else samples
    results = reader.read(to_read, batch_plates=cfg.batch_plates, problems=problems)
    elapsed = time.perf_counter() - started
    if not reader.photos and len(problems) == 1:  # the one photo given could not be read: that is the one line
        raise LprError(problems[0])
    for problem in problems:
        print(f"error: {problem}", file=sys.stderr)

    with atomic_open(run_dir / "predictions.csv", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["image", "text", "confidence", "x", "y", "w", "h", "status", "detail", "char_confidences"])
        for result in results:
            writer.writerow([result.sample.name, result.text, f"{result.confidence:.4f}", *(result.box or [""] * 4),
                             result.status.value, result.detail,
                             " ".join(f"{c:.3f}" for c in result.char_confidences)])
            print(f"{result.sample.name}\t{result.text}" + ("" if result.found else f"\t{why_none(result)}"))
    if not reader.photos:
        raise LprError(f"{cfg.input}: nothing could be read ({len(problems)} problem(s) above)")

    plates = [result for result in results if result.found]
    metrics = {"n_read": len(plates), "n_problems": len(problems), "plates_per_s": round(len(plates) / elapsed, 2),
               "photos_per_s": round(len(reader.photos) / elapsed, 2), **status_counts(results),
               "locate": reader.mode, "input": str(cfg.input), "ckpt_path": plain(cfg.ckpt_path),
               "backend": "torch" if torch_models else "onnx"}
    metrics.update(read_metrics(reader.mode, reader.photos, samples, results))
    labelled = [result for result in results if result.sample.text is not None]
    if labelled:
        log_failures(run_dir, labelled, cfg, tensorboard=torch_models is not None)
    write_metrics(run_dir, metrics)
    summary = {k: v for k, v in metrics.items() if "/" in k or k == "plates_per_s"}
    print(f"{json.dumps(summary, default=float)}\nRun: {run_dir}  (predictions.csv, metrics.json)", file=sys.stderr)
    return metrics


def why_none(result: PlateResult) -> str:
    """A photo without a plate, as its output line says it: the status and its detail."""
    return f"{result.status.value} ({result.detail})" if result.detail else result.status.value


def one_per_photo(samples: list[PlateSample]) -> list[PlateSample]:
    """Each photo once, as a detector reads it: a photo listed once per labelled plate (boxes.csv) unlabelled."""
    listed: dict[Path, list[PlateSample]] = {}
    for sample in samples:
        listed.setdefault(sample.image_path, []).append(sample)
    return [plates[0] if len(plates) == 1 else PlateSample(path) for path, plates in listed.items()]


def log_failures(run_dir: Path, results: list[PlateResult], cfg: DictConfig, tensorboard: bool) -> None:
    """failures.png; in TensorBoard too where torch reads (its logger is lightning's: no torch import otherwise)."""
    grid = failure_grid(results, cfg.failures)
    if grid is None:
        return
    cv2.imwrite(str(run_dir / "failures.png"), grid)
    if not tensorboard:
        return
    from lightning.pytorch.loggers import TensorBoardLogger

    for logger in instantiate_group(cfg.get("logger")):
        if isinstance(logger, TensorBoardLogger):
            logger.experiment.add_image("read/failures", grid[:, :, ::-1].copy(), dataformats="HWC")
            logger.experiment.flush()


def read_task(cfg: DictConfig) -> float | None:
    return read(cfg).get("plate/acc")


main = command(read_task, "read")
