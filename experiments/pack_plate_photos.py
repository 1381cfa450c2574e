"""The train and val shares of OpenALPR folders, cut down to the plate and its surroundings, for a remote trainer.

    .venv/bin/python experiments/pack_plate_photos.py OUT [--split-percent TRAIN VAL] [--salt SALT] [--margin 0.5]

Real-photo training (`data.roots`) reads only the labelled box and the box-jitter room around it, so a copy of
each photo cut `margin` plate heights beyond its box, with the box moved to match, trains the same model from a
folder a tenth the size: what a GPU machine that cannot see ../shared is sent. File names are kept, so the hash
split is the same; held-out photos are left out, so train with `test=false`. The split defaults to
configs/split/default.yaml's.
"""
import argparse
from pathlib import Path

import cv2

from lpr.core.boxes import crop_box
from lpr.core.config import shared_data_dir
from lpr.core.errors import exit_on_lpr_error
from lpr.core.images import read_image
from lpr.data.samples import openalpr_samples
from lpr.data.split import PhotoSplit

from plates_benchmark import REGIONS, read_defaults


@exit_on_lpr_error
def main():
    split, _ = read_defaults()
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path, help="gets OUT/{us,eu,br}/NAME.jpg + NAME.txt")
    parser.add_argument("--data", type=Path, default=shared_data_dir() / "openalpr-endtoend")
    parser.add_argument("--split-percent", type=int, nargs=2, default=list(split.percent.values()),
                        metavar=("TRAIN", "VAL"), help="default: %(default)s, the photo split's")
    parser.add_argument("--salt", default=split.salt, help="default: %(default)s, the photo split's")
    parser.add_argument("--margin", type=float, default=0.5, help="plate heights kept beyond each side of the box")
    args = parser.parse_args()
    split = PhotoSplit.from_percent(dict(zip(("train", "val"), args.split_percent)), args.salt)
    for region in REGIONS:
        samples, _ = openalpr_samples(args.data / region)
        folder = args.out / region
        folder.mkdir(parents=True, exist_ok=True)
        kept = [s for s in samples if not split.held_out(s.name)]
        for sample in kept:
            x, y, w, h = sample.box
            crop, (x0, y0, _, _) = crop_box(read_image(sample.image_path, color=True), sample.box,
                                            (args.margin * h / w, args.margin))
            cv2.imwrite(str(folder / sample.name), crop, [cv2.IMWRITE_JPEG_QUALITY, 100])
            (folder / f"{sample.image_path.stem}.txt").write_text(
                "\t".join(map(str, (sample.name, x - x0, y - y0, w, h, sample.text))) + "\n")
        print(f"{region}: {len(kept)} of {len(samples)} photos -> {folder}")


if __name__ == "__main__":
    main()
