"""`lpr data validate|stats`: every problem of a dataset one line, in any format lpr reads; its figures and PNG."""
import json
import subprocess
import sys
from pathlib import Path

import cv2
import numpy as np

from tests.conftest import clean_plate

LPR = str(Path(sys.executable).parent / "lpr")


def lpr_data(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([LPR, "data", *args], capture_output=True, text=True, timeout=300)


def plate_crops(folder: Path, rows: dict[str, str]) -> Path:
    folder.mkdir(parents=True)
    for index, name in enumerate(rows):
        cv2.imwrite(str(folder / name), clean_plate(f"{folder.name[:2].upper()}{index}", seed=index)[0])
    (folder / "labels.csv").write_text("image,text\n" + "".join(f"{n},{t}\n" for n, t in rows.items()))
    return folder


def test_validate_names_every_problem_of_a_plate_dataset_in_one_line(tmp_path):
    root = tmp_path / "plates"
    plate_crops(root / "train", {"a.png": "AB-123", "b.png": "ÄB123", "c.png": "", "d.png": "XY999"})
    plate_crops(root / "val", {"e.png": "AB123", "f.png": "QQ111"})
    (root / "val" / "f.png").write_bytes(b"not an image")
    (root / "val" / "g.png").write_bytes((root / "train" / "d.png").read_bytes())  # stored twice, across shares
    with (root / "val" / "labels.csv").open("a") as labels:
        labels.write("g.png,ZZ000\nmissing.png,AA111\n")
    done = lpr_data("validate", str(root))
    lines = done.stdout.splitlines()
    expected = ["train/labels.csv:3: text 'ÄB123' has characters outside 0-9, A-Z: Ä",
                "val/labels.csv:5: image 'missing.png' not found",
                "val/f.png: not a readable image",
                "train/c.png: empty text",
                "val/g.png: the same image as " + str(root / "train" / "d.png") + " in another share (train and val)",
                "plate AB123 is in train"]
    assert done.returncode == 1, done.stderr
    for text in expected:
        assert sum(text in line for line in lines) == 1, (text, lines)
    assert len(lines) == len(expected) + 1
    assert lines[-1] == f"{root}: plate crops (labels.csv), 6 images: 6 problems"


def test_validate_checks_boxes_and_class_folders_and_passes_a_clean_dataset(tmp_path):
    boxes = tmp_path / "boxes"
    boxes.mkdir()
    cv2.imwrite(str(boxes / "a.jpg"), np.zeros((40, 60, 3), np.uint8))
    (boxes / "boxes.csv").write_text("image,x,y,w,h\na.jpg,50,10,30,10\n")
    done = lpr_data("validate", str(boxes))
    assert done.returncode == 1 and "boxes.csv:2: box (50.0, 10.0, 30.0, 10.0) lies outside the 60x40 image" in \
        done.stdout
    chars = tmp_path / "chars"
    for index, char in enumerate("AB"):
        (chars / "train" / f"class_{char}").mkdir(parents=True)
        cv2.imwrite(str(chars / "train" / f"class_{char}" / "0.png"), np.full((28, 28), 40 * index, np.uint8))
    (chars / "train" / "class_?").mkdir()
    done = lpr_data("validate", str(chars))
    assert done.returncode == 1 and "class_?: class folder is not one of 0-9, A-Z" in done.stdout
    (chars / "train" / "class_?").rmdir()
    clean = lpr_data("validate", str(chars))
    assert clean.returncode == 0 and clean.stdout.strip() == f"{chars}: ImageFolder, 2 images: no problems"
    assert lpr_data("validate", str(tmp_path / "nowhere")).returncode == 2


def test_stats_counts_what_a_dataset_holds_and_draws_it(tmp_path):
    root = plate_crops(tmp_path / "plates", {"a.png": "AB123", "b.png": "XY9999", "c.png": "AA111"})
    done = lpr_data("stats", str(root), "--out", str(tmp_path / "out"))
    assert done.returncode == 0, done.stderr
    stats = json.loads((tmp_path / "out" / "plates-stats.json").read_text())
    assert stats["n_images"] == 3 and stats["length/5"] == 2 and stats["length/6"] == 1
    assert stats["char/A"] == 3 and stats["char/9"] == 4 and sum(v for k, v in stats.items() if k.startswith("share/")) == 3
    assert stats["height/min"] == stats["height/max"] == 64
    assert (tmp_path / "out" / "plates-stats.png").stat().st_size > 10_000
