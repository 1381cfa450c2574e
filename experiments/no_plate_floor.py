"""How many plates lpr reads in photos without one, and the confidence floor (`locate.min_confidence`) that stops them.

    .venv/bin/python experiments/no_plate_floor.py --ckpt CKPT [--detector DETECTOR] [--out logs/bench/no_plate]
        [--regions us,eu,br] [--threads 2] [--results experiments/RESULTS.md | --no-results]

Photos without a plate come from the OpenALPR photos themselves: of each photo, the largest band above, below, left
or right of its plate box (with a margin of half the box) that is at least `--min-side` pixels a side. They hold
what a user's photos hold beside a plate: bodywork, grilles, lights, road, buildings, other text. Each band and each
photo is read once with `lpr.read locate=auto` (and `locate=detector` with `--detector`) at min_confidence 0, so
every candidate reading is kept with its confidence; each floor is then applied to those readings:
- false plates per 100 photos without a plate: bands with a reading at or above the floor;
- plate/acc of the photos: a reading below the floor is no plate (wrong); with the detector the reading on the
  labelled box (IoU >= 0.5) counts.
The floor is chosen on the photos outside the held-out share (the most plates right minus false plates, per photo);
the held-out share reports it. The reader should not have trained on the real photos (a zero-shot run), or its
own train share would look surer than a user's photos. Prints the table, writes OUT/metrics.json and appends to
experiments/RESULTS.md's benchmark runs.
"""
import argparse
import csv
import json
import subprocess
import sys
from pathlib import Path

import cv2
import numpy as np
from hydra import compose, initialize_config_dir

from lpr.cli.run_files import write_metrics
from lpr.core.boxes import box_iou
from lpr.core.config import PROJECT_DIR, instantiate, shared_data_dir
from lpr.core.images import read_image
from lpr.core.plate_metrics import normalize_plate
from lpr.data.samples import load_plate_samples

from results_md import append_run, output_arguments

FLOORS = [round(0.05 * step, 2) for step in range(20)]


def plate_free_band(image: np.ndarray, box: tuple[int, int, int, int], min_side: int) -> np.ndarray | None:
    """The largest band of the photo clear of its plate box grown by half its size, or None if none is large enough."""
    height, width = image.shape[:2]
    x, y, w, h = box
    x0, y0, x1, y1 = max(0, x - w // 2), max(0, y - h // 2), min(width, x + w + w // 2), min(height, y + h + h // 2)
    bands = [image[:y0], image[y1:], image[:, :x0], image[:, x1:]]
    bands = [band for band in bands if min(band.shape[:2]) >= min_side]
    return max(bands, key=lambda band: band.shape[0] * band.shape[1], default=None)


def read_all(args, folder: Path, locate: list[str], run_dir: Path) -> list[dict]:
    command = [sys.executable, "-m", "lpr.read", f"ckpt_path={args.ckpt}", f"input={folder}", *locate,
               "locate.min_confidence=0", f"threads={args.threads}", f"hydra.run.dir={run_dir}"]
    finished = subprocess.run(command, cwd=PROJECT_DIR, capture_output=True, text=True)
    if finished.returncode != 0:
        raise SystemExit(f"lpr.read failed on {folder}: {finished.stderr.strip().splitlines()[-1]}")
    with (run_dir / "predictions.csv").open(newline="") as handle:
        return list(csv.DictReader(handle))


def box_of(row: dict) -> tuple[int, int, int, int] | None:
    return tuple(int(row[key]) for key in "xywh") if row["x"] else None


def figures(bands: list[list[dict]], photos: list[tuple[str, tuple, list[dict]]], floor: float, mode: str) -> dict:
    """False plates per 100 plate-free bands and plate/acc of the photos, keeping readings at or above `floor`
    (locate=detector: the reading of the found box that overlaps the labelled one most, at IoU 0.5 or more)."""
    def kept(rows):
        return [row for row in rows if row["status"].startswith("read") and float(row["confidence"]) >= floor]

    false_plates = sum(bool(kept(rows)) for rows in bands)
    right = 0
    for text, box, rows in photos:
        candidates = kept(rows)
        if mode == "detector":
            overlaps = [(box_iou(box_of(row), box), row) for row in candidates]
            candidates = [max(overlaps, key=lambda pair: pair[0])[1]] if overlaps and max(
                overlap for overlap, _ in overlaps) >= 0.5 else []
        right += bool(candidates) and normalize_plate(candidates[0]["text"]) == text
    return {"false_per_100": 100 * false_plates / max(1, len(bands)), "plate_acc": right / max(1, len(photos))}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ckpt", required=True, help="a plate reader (best trained without the real photos)")
    parser.add_argument("--detector", help="a plate detector: measure locate=detector too")
    parser.add_argument("--regions", default="us,eu,br")
    parser.add_argument("--min-side", type=int, default=96)
    parser.add_argument("--threads", type=int, default=2)
    output_arguments(parser, "no_plate")
    args = parser.parse_args()
    with initialize_config_dir(config_dir=str(PROJECT_DIR / "configs"), version_base="1.3"):
        split = instantiate(compose("read", overrides=["ckpt_path=x", "input=x"]).split)
    modes = {"auto": ["locate=auto"]}
    if args.detector:
        modes["detector"] = ["locate=detector", f"locate.detector.model={args.detector}"]

    per_share = {mode: {"choose": ([], []), "holdout": ([], [])} for mode in modes}
    for region in args.regions.split(","):
        photos_dir = shared_data_dir() / "openalpr-endtoend" / region
        band_dir = args.out / "bands" / region
        band_dir.mkdir(parents=True, exist_ok=True)
        samples, _ = load_plate_samples(photos_dir)
        for sample in samples:
            band = plate_free_band(read_image(sample.image_path, color=True), sample.box, args.min_side)
            if band is not None:
                cv2.imwrite(str(band_dir / sample.name), band)
        for mode, locate in modes.items():
            band_rows = read_all(args, band_dir, locate, args.out / mode / f"bands-{region}")
            photo_rows = read_all(args, photos_dir, locate, args.out / mode / f"photos-{region}")
            for sample in samples:
                share = "holdout" if split.held_out(sample.name) else "choose"
                bands, photos = per_share[mode][share]
                mine = [row for row in band_rows if row["image"] == sample.name]
                if mine:
                    bands.append(mine)
                photos.append((sample.text, sample.box, [row for row in photo_rows if row["image"] == sample.name]))

    metrics, lines = {}, []
    for mode in modes:
        chosen_from = {floor: figures(*per_share[mode]["choose"], floor, mode) for floor in FLOORS}
        best = max(FLOORS, key=lambda f: chosen_from[f]["plate_acc"] - chosen_from[f]["false_per_100"] / 100)
        for floor in sorted({0.0, 0.5, best}):
            held = figures(*per_share[mode]["holdout"], floor, mode)
            chosen = chosen_from[floor]
            lines.append(f"| {mode} | {floor}{' (chosen)' if floor == best else ''} | "
                         f"{chosen['plate_acc']:.1%} / {chosen['false_per_100']:.1f} | "
                         f"{held['plate_acc']:.1%} / {held['false_per_100']:.1f} |")
            metrics.update({f"{mode}/floor_{floor}/holdout/plate_acc": held["plate_acc"],
                            f"{mode}/floor_{floor}/holdout/false_per_100": held["false_per_100"]})
        metrics[f"{mode}/chosen_floor"] = best
        metrics[f"{mode}/n_bands_holdout"] = len(per_share[mode]["holdout"][0])
        metrics[f"{mode}/n_photos_holdout"] = len(per_share[mode]["holdout"][1])
    table = ["| locate | min_confidence | outside the held-out share: plate/acc / false plates per 100 | held-out: "
             "plate/acc / false plates per 100 |", "|---|---|---|---|", *lines]
    print("\n".join(table))
    write_metrics(args.out, metrics)
    if args.results:
        append_run(args.results, f"Regions {args.regions}; bands at least {args.min_side} px a side.", table)
    print(json.dumps(metrics, indent=2))


if __name__ == "__main__":
    main()
