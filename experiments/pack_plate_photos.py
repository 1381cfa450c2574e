"""The train and val shares of OpenALPR folders, cut down to the plate and its surroundings, for a remote trainer.

    .venv/bin/python experiments/pack_plate_photos.py OUT [--split-percent 30 20] [--margin 0.5]

Real-photo training (`data.roots`) reads only the labelled box and the box-jitter room around it, so a copy of
each photo cut `margin` plate heights beyond its box, with the box moved to match, trains the same model from a
folder a tenth the size: what a GPU machine that cannot see ../shared is sent. File names are kept, so the hash
split is the same; test-share photos are left out, so train with `test=false`.
"""
import argparse
import sys
from pathlib import Path

import cv2

sys.path.insert(0, str(Path(__file__).resolve().parent))
from plates_benchmark import REGIONS  # noqa: E402

from lpr.config import shared_data_dir  # noqa: E402
from lpr.errors import exit_on_lpr_error  # noqa: E402
from lpr.images import read_image  # noqa: E402
from lpr.locate import crop_box  # noqa: E402
from lpr.plates import hash_split, openalpr_samples  # noqa: E402


@exit_on_lpr_error
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
            x, y, w, h = sample.box
            crop, (x0, y0, _, _) = crop_box(read_image(sample.image_path, color=True), sample.box,
                                            (args.margin * h / w, args.margin))
            cv2.imwrite(str(folder / sample.name), crop, [cv2.IMWRITE_JPEG_QUALITY, 100])
            (folder / f"{sample.image_path.stem}.txt").write_text(
                "\t".join(map(str, (sample.name, x - x0, y - y0, w, h, sample.text))) + "\n")
        print(f"{region}: {len(kept)} of {len(samples)} photos -> {folder}")


if __name__ == "__main__":
    main()
