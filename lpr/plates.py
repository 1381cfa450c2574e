"""Plate datasets and plate-level metrics.

A plate input is one image, a folder of images, a folder of plate crops with `labels.csv` (`image,text`),
or an OpenALPR-style folder (`NAME.jpg` beside `NAME.txt`: `NAME.jpg<TAB>x<TAB>y<TAB>w<TAB>h<TAB>PLATE`).
Loading never stops at a bad entry: each problem becomes one line, the rest is still read.
"""
import csv
import hashlib
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from lpr.errors import LprError
from lpr.images import is_image_file


@dataclass
class PlateSample:
    """One image to read; `text` and `box` (x, y, w, h in pixels) where the input labels them."""

    image_path: Path
    text: str | None = None
    box: tuple[int, int, int, int] | None = None

    @property
    def name(self) -> str:
        return self.image_path.name


def normalize_plate(text: str) -> str:
    """Plates compare as upper-case letters and digits only (`ab-12 3` == `AB123`)."""
    return re.sub(r"[^A-Z0-9]", "", text.upper())


def load_plate_samples(input_path: str | Path) -> tuple[list[PlateSample], list[str]]:
    """Samples and problem lines for any supported input; raises LprError only when the input itself is unusable."""
    path = Path(input_path)
    if path.is_file():
        return [PlateSample(path)], []
    if not path.is_dir():
        raise LprError(f"{path}: input not found (give an image, a folder of images, labels.csv or OpenALPR folder)")
    if (path / "labels.csv").is_file():
        samples, problems = labels_csv_samples(path / "labels.csv")
    elif any(path.glob("*.txt")):
        samples, problems = openalpr_samples(path)
    else:
        samples = [PlateSample(p) for p in sorted(path.iterdir()) if p.is_file() and is_image_file(p)]
        problems = []
    if not samples and not problems:
        raise LprError(f"{path}: no images in folder")
    return samples, problems


def labels_csv_samples(labels_file: Path) -> tuple[list[PlateSample], list[str]]:
    samples, problems = [], []
    with labels_file.open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    if rows and not {"image", "text"} <= set(rows[0]):
        raise LprError(f"{labels_file}: needs a header `image,text`")
    for line, row in enumerate(rows, start=2):
        image_path = labels_file.parent / (row["image"] or "")
        if not row["image"] or not image_path.is_file():
            problems.append(f"{labels_file}:{line}: image {row['image']!r} not found")
            continue
        samples.append(PlateSample(image_path, normalize_plate(row["text"] or "")))
    return samples, problems


def openalpr_samples(folder: Path) -> tuple[list[PlateSample], list[str]]:
    """One sample per NAME.txt; the line names its image, so `NAME.png` beside a `NAME.jpg` is no ambiguity."""
    samples, problems = [], []
    for label_file in sorted(folder.glob("*.txt")):
        fields = label_file.read_text().strip().split("\t")
        try:
            image_name, x, y, w, h, text = fields[0], *map(int, fields[1:5]), fields[5]
        except (ValueError, IndexError):
            problems.append(f"{label_file}: expected `NAME.jpg<TAB>x<TAB>y<TAB>w<TAB>h<TAB>PLATE`")
            continue
        image_path = folder / image_name
        if not image_path.is_file():
            problems.append(f"{label_file}: image {image_name} not found")
            continue
        samples.append(PlateSample(image_path, normalize_plate(text), (x, y, w, h)))
    return samples, problems


def in_holdout(name: str, salt: str, train_percent: int) -> bool:
    """Fixed split of photos by a hash of their file name: True for photos a plates checkpoint never trains on."""
    bucket = int(hashlib.sha1(f"{salt}:{name}".encode()).hexdigest(), 16) % 100
    return bucket >= train_percent


def hash_split(name: str, percent: dict[str, int], salt: str) -> str:
    """The split a file name falls in, by the same stable hash as `in_holdout`: test is the holdout."""
    train, val = percent.get("train", 0), percent.get("val", 0)
    if in_holdout(name, salt, train + val):
        return "test"
    return "val" if in_holdout(name, salt, train) else "train"


def box_iou(a: tuple[int, int, int, int], b: tuple[int, int, int, int]) -> float:
    """Intersection over union of two (x, y, w, h) boxes."""
    ix = max(0, min(a[0] + a[2], b[0] + b[2]) - max(a[0], b[0]))
    iy = max(0, min(a[1] + a[3], b[1] + b[3]) - max(a[1], b[1]))
    inter = ix * iy
    union = a[2] * a[3] + b[2] * b[3] - inter
    return inter / union if union > 0 else 0.0


def plate_metrics(predictions: list[str], truths: list[str]) -> dict:
    """Exact-match accuracy, character error rate (torchmetrics) and length accuracy over labelled plates.

    `plate/acc_o0` is exact match with O and 0 counted as one character: many national fonts draw them alike
    and real labels mix them (OpenALPR's eu5.txt says OYO9FEU of the UK plate OY09 FEU). It is a diagnostic
    beside `plate/acc`, which stays the figure of record.
    Without torchmetrics (the torch-free `reader` install) the character error rate is left out."""
    if not truths:
        return {"plate/n": 0}
    predictions = [normalize_plate(p) for p in predictions]
    pairs = list(zip(predictions, truths, strict=True))
    metrics = {"plate/acc": float(np.mean([p == t for p, t in pairs])),
               "plate/acc_o0": float(np.mean([p.replace("O", "0") == t.replace("O", "0") for p, t in pairs])),
               "plate/len_acc": float(np.mean([len(p) == len(t) for p, t in pairs])), "plate/n": len(truths)}
    try:
        from torchmetrics.text import CharErrorRate
    except ImportError:
        return metrics
    return {**metrics, "plate/cer": CharErrorRate()(predictions, truths).item()}
