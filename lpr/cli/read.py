"""Read plates: `python -m lpr.read ckpt_path=CKPT input=PATH [locate=auto|box|none]`.

`ckpt_path=[CKPT_A,CKPT_B]` reads every crop with each checkpoint and keeps the reading most of them agree on.

PATH is an image, a folder of images, a folder of plate crops with labels.csv, or an OpenALPR folder.
`backend=onnx model_path=MODEL.onnx` reads with onnxruntime only (from `lpr.export`): no torch import on that path.
Prints `image<TAB>plate` per image; writes predictions.csv, metrics.json (where labels exist) and a grid
of the first failures (failures.png, also in TensorBoard) in the run dir. A bad file is one `error:`
line and the rest is still read; the exit code is non-zero only when nothing could be read.
"""
import csv
import sys
import time
from pathlib import Path

import cv2
import numpy as np
from omegaconf import DictConfig, ListConfig

from lpr.cli.command import command
from lpr.cli.run_files import write_metrics, write_provenance
from lpr.core.boxes import box_iou
from lpr.core.config import instantiate, instantiate_group
from lpr.core.errors import LprError
from lpr.core.formats import PlateFormats
from lpr.core.plate_metrics import plate_metrics
from lpr.reading.failures import failure_grid
from lpr.reading.load import load_engines
from lpr.reading.pipeline import PlateReader, PlateResult
from lpr.reading.subset import select_samples


def as_list(paths) -> list[str]:
    """`ckpt_path` / `model_path` as a list of paths: one path, or a list of them (an ensemble)."""
    return [str(path) for path in paths] if isinstance(paths, (list, tuple, ListConfig)) else [str(paths)]


def plain(paths):
    """A config value as JSON can hold it: a list of paths (an ensemble) becomes a Python list."""
    return as_list(paths) if isinstance(paths, ListConfig) else paths


def model_paths(cfg: DictConfig) -> list[str]:
    """The checkpoints (torch) or exported models (onnx) to read with: one, or several as an ensemble."""
    key = "ckpt_path" if cfg.backend == "torch" else "model_path"
    paths = as_list(cfg[key])
    if not paths:
        raise LprError(f"{key}: an empty list names no model to read with")
    return paths


def plate_reader(cfg: DictConfig, paths: list[str], backend: str) -> PlateReader:
    """A reader of these models (several: an ensemble) with the config's locate, segment, formats and threads."""
    locate = instantiate(cfg.locate)
    segmenter = instantiate(cfg.segment)
    engines = load_engines(paths, backend=backend, segmenter=segmenter, formats=PlateFormats(cfg.formats.patterns),
                           edge_min_prob=cfg.edge_min_prob, threads=cfg.threads)
    return PlateReader(engines, locate, segmenter, cfg.threads or 2)


def read(cfg: DictConfig) -> dict:
    run_dir = Path(cfg.paths.output_dir)
    reader = plate_reader(cfg, model_paths(cfg), cfg.backend)
    samples, problems = select_samples(cfg.input, subset=cfg.subset, split=instantiate(cfg.split),
                                       ckpt_paths=as_list(cfg.ckpt_path) if cfg.backend == "torch" else None)
    write_provenance(run_dir, cfg)
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
               "locate": reader.mode, "input": str(cfg.input), "backend": cfg.backend,
               "ckpt_path": plain(cfg.get("ckpt_path")), "model_path": plain(cfg.get("model_path"))}
    labelled = [r for r in results if r.sample.text is not None]
    if labelled:
        metrics.update(plate_metrics([r.text for r in labelled], [r.sample.text for r in labelled]))
        boxed = [r for r in labelled if r.sample.box is not None]
        if reader.mode == "auto" and boxed:
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


def read_task(cfg: DictConfig) -> float | None:
    return read(cfg).get("plate/acc")


main = command(read_task, "read")
