"""Finding plates in photos, per real source: each finder alone, and lpr read's finding (both finders, the reader
verifying), against every labelled plate box.

    .venv/bin/python experiments/plate_finding.py [--subset holdout|development] [--threads 2] [--every 1]
        [--text-finder NAME=MODEL.onnx ...] [--side N] [--plate-detector NAME=MODEL ...] [--finders-only]
        [--set OVERRIDE ...] [--out ...]
        [--results experiments/RESULTS.md | --no-results]

Rows, on every photo of `subset` (the photo split's; ro-dashcam by drive) of each source, scored at IoU 0.5 against
all its plate boxes (open-images and ro-dashcam label boxes without text too):
- `plate detector`: lpr/pretrained/plate_detector.onnx alone, at its score floor (mAP50 over every peak);
- `text detector`: PP-OCR's text detector alone (lpr/pretrained/text_detector.onnx, RapidOCR's own detector: the
  peer), every text line it finds, as locate=detector's text_finder config has it; each `--text-finder` (a PP-OCR
  detector fine-tuned on plates, `experiment=plate_text_detector` exported) the same way, at `--side` if given;
  each `--plate-detector` (a CenterNet checkpoint or ONNX) as the plate detector;
- `lpr read`: the shipped `lpr read PHOTO` (both finders, every candidate read by the shipped reader, kept when it
  reads as a plate, one row a plate; `--set` adds read overrides): recall, precision and mAP50 of its rows ranked by
  their confidence, the labelled plates with text read exactly from the photo, photos/s end to end; and the same
  with the plate detector alone (`locate.text_finder=null`).
Prints the table, writes OUT/metrics.json and appends it to RESULTS.md.
"""
import argparse
import time

import numpy as np
import torch
from hydra import compose, initialize_config_dir

from lpr.cli.run_files import write_metrics
from lpr.core.centre_decode import Detections
from lpr.core.config import CONFIG_DIR, instantiate, shared_data_dir
from lpr.core.images import load_photo
from lpr.data.box_folders import load_box_folder
from lpr.data.samples import PlateSample, load_plate_samples
from lpr.reading.assemble import build_reader, model_paths
from lpr.reading.locate.plate_detector import PlateFinder
from lpr.reading.metrics import labelled_plate
from lpr.core.pretrained import DETECTOR, READER
from lpr.training.detect_module import DetectionScores

from recognizer_table import SOURCES
from results_md import append_run, output_arguments


def scores(photos, ranked: list[Detections], kept: list[Detections]) -> dict:
    metrics = DetectionScores()
    metrics.update(ranked, kept, [{"boxes": torch.from_numpy(p.boxes), "labels": torch.zeros(len(p.boxes), dtype=int)}
                                  for p in photos])
    return {name: float(value) for name, value in metrics.compute().items()}


def finder_row(finder, photos, images) -> dict:
    """A finder alone: every peak ranked for mAP50, its own floor for recall and precision."""
    ranked = [finder.find([image], score_floor=0.01, max_boxes=100)[0] for image in images]
    kept = [found.kept(finder.score_floor, finder.max_boxes) for found in ranked]
    return scores(photos, ranked, kept)


def read_row(reader, photos, plates) -> dict:
    """lpr read's plates: boxes ranked by their reading's confidence; the labelled plates with text read exactly."""
    started = time.perf_counter()
    results = reader.read([PlateSample(p.image_path) for p in photos], batch_plates=64, problems=[])
    elapsed = time.perf_counter() - started
    found = {}
    for result in results:
        if result.found:
            found.setdefault(result.sample.image_path, []).append(result)
    detections = []
    for photo in photos:
        mine = found.get(photo.image_path, [])
        boxes = np.array([[x, y, x + w, y + h] for x, y, w, h in (r.box for r in mine)], np.float32).reshape(-1, 4)
        detections.append(Detections(boxes, np.array([r.confidence for r in mine], np.float32),
                                     np.zeros(len(mine), int)))
    right = [(chosen.text if (chosen := labelled_plate(plate, found.get(plate.image_path, []))) else "") == plate.text
             for plate in plates]
    return scores(photos, detections, detections) | {"exact": float(np.mean(right)) if right else float("nan"),
                                                     "photos_per_s": len(photos) / elapsed}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--subset", choices=("holdout", "development"), default="holdout")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--every", type=int, default=1, help="every Nth photo of each source (a quicker look)")
    parser.add_argument("--set", nargs="*", default=[], help="lpr read overrides for the `lpr read` row")
    parser.add_argument("--text-finder", nargs="*", default=[], help="NAME=MODEL.onnx: more text detectors, alone")
    parser.add_argument("--side", type=int, help="the --text-finder rows' side (default: the text finder's)")
    parser.add_argument("--plate-detector", nargs="*", default=[], help="NAME=MODEL: more plate detectors, alone")
    parser.add_argument("--finders-only", action="store_true", help="no lpr read rows (a quicker choice of finder)")
    output_arguments(parser, "plate_finding")
    args = parser.parse_args()
    overrides = [f"ckpt_path={READER}", "locate=detector", f"locate.detector.model={DETECTOR}",
                 "input=x", f"threads={args.threads}", *args.set]
    with initialize_config_dir(config_dir=str(CONFIG_DIR), version_base="1.3"):
        cfg = compose("read", overrides=overrides)
        text_finder = compose("read", overrides=["locate=detector", "input=x", f"threads={args.threads}"]
                              ).locate.text_finder  # as lpr read has it, whatever --set changes
        alone = compose("read", overrides=[*overrides, "locate.text_finder=null"])
    split, reader = instantiate(cfg.split), build_reader(cfg, model_paths(cfg))
    readers = {} if args.finders_only else {
        "lpr read, plate detector only": build_reader(alone, model_paths(alone)), "lpr read": reader}
    finders = {"plate detector": reader.finders[0], "text detector": instantiate(text_finder)}
    for named in args.text_finder:
        name, model = named.split("=", 1)
        finders[name] = instantiate(text_finder, model=model, **({"side": args.side} if args.side else {}))
    for named in args.plate_detector:
        name, model = named.split("=", 1)
        finders[name] = PlateFinder(model, threads=args.threads)
    metrics, rows = {}, {}
    for source, folder in SOURCES.items():
        photos = [p for p in load_box_folder(shared_data_dir() / folder)
                  if split.held_out(p.name) == (args.subset == "holdout")][::args.every]
        names = {p.image_path for p in photos}
        plates = [s for s in load_plate_samples(shared_data_dir() / folder)[0] if s.image_path in names]
        images = [load_photo(p.image_path, reader.limits)[0] for p in photos]
        for name, finder in finders.items():
            rows.setdefault(name, {})[source] = finder_row(finder, photos, images)
        for name, plate_finding in readers.items():
            rows.setdefault(name, {})[source] = read_row(plate_finding, photos, plates)
        metrics[f"{source}/n_photos"], metrics[f"{source}/n_boxes"] = len(photos), sum(len(p.boxes) for p in photos)
        metrics[f"{source}/n_plates_with_text"] = len(plates)
        print(source, {name: {k: round(v, 3) for k, v in row[source].items()} for name, row in rows.items()},
              flush=True)
    for name, row in rows.items():
        for source, values in row.items():
            metrics.update({f"{name.replace(' ', '_')}/{source}/{key}": value for key, value in values.items()})
    lines = ["| finder | " + " | ".join(f"{s} ({metrics[f'{s}/n_photos']} photos, {metrics[f'{s}/n_boxes']} plates)"
                                        for s in SOURCES) + " |", "|---" * (len(SOURCES) + 1) + "|"]
    for name, row in rows.items():
        lines.append(f"| {name} | " + " | ".join(cell(row[s]) for s in SOURCES) + " |")
    print("\n".join(lines))
    args.out.mkdir(parents=True, exist_ok=True)
    write_metrics(args.out, metrics)
    if args.results:
        append_run(args.results, f"{args.subset} share{f', every {args.every}th photo' if args.every > 1 else ''}; "
                   "R / P / mAP50 at IoU 0.5 against every labelled box; lpr read: + exact plates read from the "
                   "photo (of those with text) and photos/s end to end (2 threads)." +
                   (f" Overrides: {' '.join(args.set)}." if args.set else "") +
                   "".join(f" {named}." for named in args.text_finder + args.plate_detector), lines)


def cell(values: dict) -> str:
    text = (f"{100 * values['recall_50']:.1f} / {100 * values['precision_50']:.1f} / "
            f"{values['map_50']:.3f}")
    if "exact" in values:
        text += f"; read {100 * values['exact']:.1f} %, {values['photos_per_s']:.1f} photos/s"
    return text


if __name__ == "__main__":
    main()
