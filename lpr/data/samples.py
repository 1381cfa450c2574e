"""Plate inputs as samples: what every plate stage (training, reading, detection) reads.

A plate input is one image, a folder of images, a folder of plate crops with `labels.csv` (`image,text`),
a folder of photos with `boxes.csv` (`image,x,y,w,h,text`: one row a plate, the plates with text labelled), an
OpenALPR-style folder (`NAME.jpg` beside `NAME.txt`: `NAME.jpg<TAB>x<TAB>y<TAB>w<TAB>h<TAB>PLATE`), or a CSV
file of plate crops as fast-plate-ocr writes it (`image_path,plate_text[,plate_region]`, paths relative to it).
Loading never stops at a bad entry: each problem becomes one line, the rest is still read.
"""
import csv
from dataclasses import dataclass
from pathlib import Path

from lpr.core.errors import LprError
from lpr.core.images import is_image_file
from lpr.core.plate_metrics import normalize_plate, unknown_characters


@dataclass
class PlateSample:
    """One image to read; `text` and `box` (x, y, w, h in pixels) where the input labels them."""

    image_path: Path
    text: str | None = None
    box: tuple[int, int, int, int] | None = None

    @property
    def name(self) -> str:
        return self.image_path.name



def load_plate_samples(input_path: str | Path) -> tuple[list[PlateSample], list[str]]:
    """Samples and problem lines for any supported input; raises LprError only when the input itself is unusable."""
    path = Path(input_path)
    if path.is_file() and path.suffix.lower() == ".csv":
        samples, problems = labels_csv_samples(path, columns=("image_path", "plate_text"))
        if not samples and not problems:
            raise LprError(f"{path}: lists no images")
        return samples, problems
    if path.is_file():
        return [PlateSample(path)], []
    if not path.is_dir():
        raise LprError(f"{path}: input not found (give an image, a folder of images, labels.csv, an OpenALPR folder "
                       "or a fast-plate-ocr CSV)")
    if (path / "labels.csv").is_file():
        samples, problems = labels_csv_samples(path / "labels.csv")
    elif has_text_column(path / "boxes.csv"):
        samples, problems = boxes_csv_samples(path / "boxes.csv")
    elif any(path.glob("*.txt")):
        samples, problems = openalpr_samples(path)
    else:
        samples, problems = folder_photos(path), []
    if not samples and not problems:
        raise LprError(f"{path}: no images in folder")
    return samples, problems


def folder_photos(folder: Path) -> list[PlateSample]:
    """Every image in a folder, unlabelled, in name order."""
    return [PlateSample(p) for p in sorted(folder.iterdir()) if p.is_file() and is_image_file(p)]


def labels_csv_samples(labels_file: Path, columns: tuple[str, str] = ("image", "text")
                       ) -> tuple[list[PlateSample], list[str]]:
    """The rows of a CSV of plate crops: `columns` names its image column (a path relative to the CSV) and its
    text column."""
    image, text = columns
    samples, problems = [], []
    with labels_file.open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    if rows and not {image, text} <= set(rows[0]):
        raise LprError(f"{labels_file}: needs a header `{image},{text}`")
    for line, row in enumerate(rows, start=2):
        image_path = labels_file.parent / (row[image] or "")
        if not row[image] or not image_path.is_file():
            problems.append(f"{labels_file}:{line}: image {row[image]!r} not found")
        elif unknown := unknown_characters(row[text] or ""):
            problems.append(f"{labels_file}:{line}: text {row[text]!r} has characters outside 0-9, A-Z: {unknown}")
        else:
            samples.append(PlateSample(image_path, normalize_plate(row[text] or "")))
    return samples, problems


def has_text_column(boxes_file: Path) -> bool:
    if not boxes_file.is_file():
        return False
    with boxes_file.open(newline="") as handle:
        return "text" in (csv.DictReader(handle).fieldnames or [])


def boxes_csv_samples(boxes_file: Path) -> tuple[list[PlateSample], list[str]]:
    """One sample per plate of boxes.csv that has text (a plate left without it could not be read for certain: it
    is no label); its box as x, y, w, h."""
    samples, problems = [], []
    with boxes_file.open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    for line, row in enumerate(rows, start=2):
        text = (row.get("text") or "").strip()
        if not text:
            continue
        image_path = boxes_file.parent / (row.get("image") or "")
        try:
            box = tuple(round(float(row[k])) for k in "xywh")
        except (TypeError, ValueError):
            problems.append(f"{boxes_file}:{line}: expected numbers x,y,w,h for a plate with text")
            continue
        if not row.get("image") or not image_path.is_file():
            problems.append(f"{boxes_file}:{line}: image {row.get('image')!r} not found")
        elif unknown := unknown_characters(text):
            problems.append(f"{boxes_file}:{line}: text {text!r} has characters outside 0-9, A-Z: {unknown}")
        else:
            samples.append(PlateSample(image_path, normalize_plate(text), box))
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
        elif unknown := unknown_characters(text):
            problems.append(f"{label_file}: text {text!r} has characters outside 0-9, A-Z: {unknown}")
        else:
            samples.append(PlateSample(image_path, normalize_plate(text), (x, y, w, h)))
    return samples, problems

