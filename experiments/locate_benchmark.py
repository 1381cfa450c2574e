"""Plate candidates alone: how often `locate=auto`'s candidates hold the labelled box, and how long finding them takes.

    .venv/bin/python experiments/locate_benchmark.py [--share train|holdout|all] [OVERRIDE ...]

OVERRIDEs are Hydra overrides of configs/read.yaml, e.g. `locate.locator.max_width=1280`. For each region of
the OpenALPR photos: the share of photos with a candidate at IoU >= 0.5 with the labelled box (the reader can
only read a plate it is offered) and milliseconds per photo on one thread (photos decoded beforehand). Tune on
`--share train` (the photos experiment=plates and experiment=crnn_plates train on) and report on `holdout`.
"""
import argparse
import time
from pathlib import Path

import cv2
from hydra import compose, initialize_config_dir

from lpr.core.boxes import box_iou
from lpr.core.config import instantiate, shared_data_dir
from lpr.core.images import read_image
from lpr.data.samples import load_plate_samples

REPO = Path(__file__).resolve().parents[1]
REGIONS = ("us", "eu", "br")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--share", choices=("train", "holdout", "all"), default="train")
    parser.add_argument("--data", default=str(shared_data_dir() / "openalpr-endtoend"))
    parser.add_argument("overrides", nargs="*")
    args = parser.parse_args()
    with initialize_config_dir(config_dir=str(REPO / "configs"), version_base="1.3"):
        cfg = compose("read", overrides=["ckpt_path=none", "input=none", *args.overrides])
    locator, split = instantiate(cfg.locate.locator), instantiate(cfg.split)
    cv2.setNumThreads(1)
    print(f"locate: {dict(cfg.locate.locator)}\nshare: {args.share}")
    for region in REGIONS:
        samples = [s for s in load_plate_samples(Path(args.data) / region)[0] if s.box is not None and (
            args.share == "all" or split.held_out(s.name) == (args.share == "holdout"))]
        photos = [read_image(s.image_path, color=True) for s in samples]
        started = time.perf_counter()
        candidates = [locator.candidates(photo) for photo in photos]
        ms_per_photo = 1000 * (time.perf_counter() - started) / len(photos)
        found = sum(any(box_iou(box, s.box) >= 0.5 for box in boxes) for s, boxes in zip(samples, candidates))
        mean_candidates = sum(map(len, candidates)) / len(photos)
        print(f"{region}: box among candidates {found}/{len(samples)} ({100 * found / len(samples):.1f} %), "
              f"{mean_candidates:.1f} candidates, {ms_per_photo:.1f} ms/photo")


if __name__ == "__main__":
    main()
