"""Pseudo-labels: `python -m lpr.label ckpt_path=TEACHER input=PHOTOS locate.detector.model=DETECTOR`
(`input=[A,B]`: several folders into one set).

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
from lpr.cli.run_files import atomic_open, write_metrics, write_provenance
from lpr.core.boxes import box_iou
from lpr.core.config import instantiate
from lpr.core.errors import LprError
from lpr.data.samples import load_plate_samples
from lpr.reading.assemble import as_list, build_reader, model_paths
from lpr.reading.pipeline import PlateResult
from lpr.reading.runtime import checkpoints
from lpr.reading.subset import select_samples


CHECKED_FLOORS = (0.5, 0.7, 0.8, 0.9, 0.95)


@validate_call
def label_floor(min_confidence: confloat(ge=0, le=1)) -> float:
    return min_confidence


def label(cfg: DictConfig) -> dict:
    run_dir = Path(cfg.paths.output_dir)
    floor = label_floor(min_confidence=cfg.min_confidence)
    paths = model_paths(cfg)
    photos, problems, split = [], [], instantiate(cfg.split)
    for folder in as_list(cfg.input):  # one folder or a list of them
        found, trouble = select_samples(folder, subset=cfg.subset, split=split, unlabelled=True,
                                        ckpt_paths=checkpoints(paths))
        photos, problems = photos + found, problems + trouble
    reader = build_reader(cfg, paths)
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
               "seconds": round(time.perf_counter() - started, 1), "input": " ".join(as_list(cfg.input)),
               "labels": str(out / "labels.csv"), **label_checks(as_list(cfg.input), found)}
    write_metrics(run_dir, metrics)
    print(f"{len(sure)} of {len(found)} plates found in {len(reader.photos)} photos kept as labels\n"
          f"Labels: {out}  (labels.csv: a plate root, data.roots=[{run_dir}])", file=sys.stderr)
    return metrics


def label_checks(folders: list[str], found: list[PlateResult]) -> dict:
    """Where the input folders label some plates (text and box), how right the teacher's readings of them are at a few
    vote floors: how many found plates overlap a labelled box (IoU >= 0.5) and read at the floor or surer, and the
    share of those read exactly. What `min_confidence` is chosen on."""
    truth: dict[Path, list] = {}
    for folder in filter(lambda folder: Path(folder).is_dir(), folders):
        for sample in load_plate_samples(folder)[0]:
            if sample.text and sample.box:
                truth.setdefault(sample.image_path, []).append(sample)
    matched = []
    for result in found:
        overlaps = [(box_iou(result.box, s.box), s.text) for s in truth.get(result.sample.image_path, [])]
        iou, text = max(overlaps, default=(0.0, None))
        if iou >= 0.5:
            matched.append((result.confidence, result.text == text))
    checks = {}
    for floor in CHECKED_FLOORS:
        kept = [right for confidence, right in matched if confidence >= floor]
        checks[f"check/n@{floor}"] = len(kept)
        checks[f"check/precision@{floor}"] = round(sum(kept) / len(kept), 4) if kept else None
    return checks


main = command(label, "label")
