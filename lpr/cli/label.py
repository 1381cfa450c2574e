"""Pseudo-labels: `python -m lpr.label model_path=TEACHER input=PHOTOS locate.detector.model=DETECTOR`.

A teacher reads every plate the detector finds in photos nobody labelled (lpr.read's pipeline: each plate cut at
several margins, the crops voting); the readings sure enough (`min_confidence` on the vote) are written as plate
crops with `train/labels.csv` (`image,text`) in the run dir: a plate root whose crops only train. Writes
metrics.json (photos, plates found, labels kept).
"""
import csv
import sys
import time
from pathlib import Path

import cv2
from omegaconf import DictConfig
from pydantic import confloat, validate_call

from lpr.cli.command import command
from lpr.cli.read import as_list, model_paths, plate_reader
from lpr.cli.run_files import atomic_open, write_metrics, write_provenance
from lpr.core.config import instantiate
from lpr.core.errors import LprError
from lpr.reading.subset import select_samples


@validate_call
def label_floor(min_confidence: confloat(ge=0, le=1)) -> float:
    return min_confidence


def label(cfg: DictConfig) -> dict:
    run_dir = Path(cfg.paths.output_dir)
    floor = label_floor(min_confidence=cfg.min_confidence)
    paths = model_paths(cfg)
    photos, problems = select_samples(cfg.input, subset=cfg.subset, split=instantiate(cfg.split),
                                      ckpt_paths=as_list(cfg.ckpt_path) if cfg.backend == "torch" else None,
                                      unlabelled=True)
    reader = plate_reader(cfg, paths, cfg.backend)
    write_provenance(run_dir, cfg)
    started = time.perf_counter()
    results = reader.read(photos, batch_plates=cfg.batch_plates, problems=problems)
    for problem in problems:
        print(f"error: {problem}", file=sys.stderr)
    if not reader.photos:
        raise LprError(f"{cfg.input}: nothing could be read ({len(problems)} problem(s) above)")
    found = [result for result in results if result.found]
    sure = [result for result in found if result.confidence >= floor and result.text]
    out = run_dir / "train"
    out.mkdir(parents=True, exist_ok=True)
    with atomic_open(out / "labels.csv", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["image", "text"])
        for index, result in enumerate(sure):
            name = f"{Path(result.sample.name).stem}-{index:05d}.png"
            cv2.imwrite(str(out / name), result.crop)
            writer.writerow([name, result.text])
    metrics = {"n_photos": len(reader.photos), "n_plates_found": len(found), "n_labels": len(sure),
               "labels_per_plate": round(len(sure) / max(1, len(found)), 4), "min_confidence": floor,
               "seconds": round(time.perf_counter() - started, 1), "input": str(cfg.input),
               "labels": str(out / "labels.csv")}
    write_metrics(run_dir, metrics)
    print(f"{len(sure)} of {len(found)} plates found in {len(reader.photos)} photos kept as labels\n"
          f"Labels: {out}  (labels.csv: a plate root, data.roots=[{run_dir}])", file=sys.stderr)
    return metrics


main = command(label, "label")
