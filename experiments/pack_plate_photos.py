"""The train and val shares of OpenALPR folders, cut down to the plate and its surroundings, for a remote trainer.

    .venv/bin/python experiments/pack_plate_photos.py OUT [--split-percent 30 20] [--margin 0.5]

Real-photo training (`data.roots`) reads only the labelled box and the box-jitter room around it, so a copy of
each photo cut `margin` plate heights beyond its box, with the box moved to match, trains the same model from a
folder a tenth the size: what a GPU machine that cannot see ../shared is sent. File names are kept, so the hash
split is the same; test-share photos are left out, so train with `test=false`.
"""
import argparse
from pathlib import Path

import cv2

from lpr.config import shared_data_dir
from lpr.plates import hash_split, openalpr_samples

REGIONS = ("us", "eu", "br")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path, help="gets OUT/{us,eu,br}/NAME.jpg + NAME.txt")
    parser.add_argument("--data", type=Path, default=shared_data_dir() / "openalpr-endtoend")
    parser.add_argument("--split-percent", type=int, nargs=2, default=[30, 20], metavar=("TRAIN", "VAL"))
    parser.add_argument("--salt", default="lpr-plates", help="configs/data/synth_plates.yaml's split_salt")
    parser.add_argument("--margin", type=float, default=0.5, help="plate heights kept beyond each side of the box")
    args = parser.parse_args()
    percent = dict(zip(("train", "val"), args.split_percent))
    for region in REGIONS:
        samples, _ = openalpr_samples(args.data / region)
        folder = args.out / region
        folder.mkdir(parents=True, exist_ok=True)
        kept = [s for s in samples if hash_split(s.name, percent, args.salt) != "test"]
        for sample in kept:
            image = cv2.imread(str(sample.image_path))
            x, y, w, h = sample.box
            room = round(args.margin * h)
            x0, y0 = max(0, x - room), max(0, y - room)
            x1, y1 = min(image.shape[1], x + w + room), min(image.shape[0], y + h + room)
            cv2.imwrite(str(folder / sample.name), image[y0:y1, x0:x1], [cv2.IMWRITE_JPEG_QUALITY, 100])
            (folder / f"{sample.image_path.stem}.txt").write_text(
                "\t".join(map(str, (sample.name, x - x0, y - y0, w, h, sample.text))) + "\n")
        print(f"{region}: {len(kept)} of {len(samples)} photos -> {folder}")


if __name__ == "__main__":
    main()
