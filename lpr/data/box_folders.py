"""Detection folders, the format users already have: `boxes.csv` (`image,x,y,w,h`, one row a plate, several rows per
image allowed; a row with x, y, w, h empty lists an image with no plate) or an OpenALPR folder (`NAME.jpg` +
`NAME.txt`: `NAME.jpg<TAB>x<TAB>y<TAB>w<TAB>h<TAB>PLATE`), checked entry by entry, and how a real root splits.
Plate crops with `chars.csv` (`image,char,x,y,w,h`, one row a character, as lpr's plate generator writes them) are
the character detector's folders.

No torch here: `lpr.detect` lists and scores a folder before any model library is imported.
"""
import csv
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Literal, NamedTuple

import numpy as np
import pydantic.dataclasses
from PIL import Image
from pydantic import field_validator

from lpr.core.alphabet import CHAR_TO_INDEX
from lpr.core.errors import LprError
from lpr.core.images import EXIF_ORIENTATION
from lpr.data.samples import load_plate_samples
from lpr.data.split import PhotoSplit

BOX_FILES = ("boxes.csv", "chars.csv")  # a folder's boxes: plates in photos, characters in plate crops
EDGE_TOLERANCE = 1.0  # pixels a labelled box may reach past the image edge (annotation rounding); it is clipped
TRANSPOSED_ORIENTATIONS = (5, 6, 7, 8)  # EXIF orientations that swap width and height when applied


@dataclass
class BoxSample:
    """One photo and its plates' boxes (k, 4) float32 x0, y0, x1, y1 in photo pixels; k = 0: no plate in it, None:
    a photo without labels. `chars`: each box's character, where the folder names them (chars.csv)."""

    image_path: Path
    boxes: np.ndarray | None
    name: str
    chars: str | None = None


class BoxEntry(NamedTuple):
    """One listed plate (or, with no box, a photo listed as holding none), and where it is listed."""

    source: str  # the label file (and line) that lists it, for error lines
    image_path: Path
    box: tuple[float, float, float, float] | None  # x, y, w, h
    char: str | None = None  # the character it holds, in a chars.csv


def boxes_csv_entries(boxes_file: Path) -> tuple[list[BoxEntry], list[str]]:
    """One entry per row of boxes.csv, and a problem line for each malformed row."""
    entries, problems = [], []
    with boxes_file.open(newline="") as handle:
        reader = csv.DictReader(handle)
        if not {"image", "x", "y", "w", "h"} <= set(reader.fieldnames or []):
            raise LprError(f"{boxes_file}: needs a header `image,x,y,w,h`")
        for line, row in enumerate(reader, start=2):
            source = f"{boxes_file}:{line}"
            values = [(row[k] or "").strip() for k in "xywh"]
            if not row["image"]:
                problems.append(f"{source}: no image name")
            elif not any(values):
                entries.append(BoxEntry(source, boxes_file.parent / row["image"], None))
            elif "char" in row and row["char"] not in CHAR_TO_INDEX:
                problems.append(f"{source}: character {row['char']!r} is not one of 0-9, A-Z")
            else:
                try:
                    entries.append(BoxEntry(source, boxes_file.parent / row["image"], tuple(map(float, values)),
                                            row.get("char")))
                except ValueError:
                    problems.append(f"{source}: expected numbers x,y,w,h (or all four empty), got {values}")
    return entries, problems


def openalpr_entries(folder: Path) -> tuple[list[BoxEntry], list[str]]:
    """The boxes of an OpenALPR folder, read as the plate readers read it; a listed image without a box is refused."""
    samples, problems = load_plate_samples(folder)
    entries = [BoxEntry(str(s.image_path.with_suffix(".txt")), s.image_path, s.box) for s in samples if s.box]
    problems += [f"{s.image_path}: no plate box (a detection folder holds boxes.csv or NAME.txt labels)"
                 for s in samples if not s.box]
    return entries, problems


def image_size(image_path: Path) -> tuple[int, int]:
    """(width, height) as lpr's image loader will decode it, from the header alone."""
    with Image.open(image_path) as image:
        width, height = image.size
        transposed = image.getexif().get(EXIF_ORIENTATION, 1) in TRANSPOSED_ORIENTATIONS
    return (height, width) if transposed else (width, height)


def holds_boxes(folder: Path) -> bool:
    """Whether a folder labels boxes: boxes.csv, chars.csv or OpenALPR NAME.txt files."""
    return any((folder / name).is_file() for name in BOX_FILES) or any(folder.glob("*.txt"))


def load_box_folder(folder: str | Path) -> list[BoxSample]:
    """Every photo of a `boxes.csv`, `chars.csv` or OpenALPR folder with its boxes; any bad entry refuses the folder."""
    folder = Path(folder)
    if not folder.is_dir():
        raise LprError(f"{folder}: detection folder does not exist or is not a folder")
    listed = next((folder / name for name in BOX_FILES if (folder / name).is_file()), None)
    if listed is not None:
        entries, problems = boxes_csv_entries(listed)
    elif any(folder.glob("*.txt")):
        entries, problems = openalpr_entries(folder)
    else:
        raise LprError(f"{folder}: no boxes.csv, no chars.csv and no OpenALPR labels (NAME.jpg + NAME.txt)")
    sizes, boxes, chars = {}, {}, {}
    for source, image_path, box, char in entries:
        if image_path not in sizes:
            try:
                sizes[image_path] = image_size(image_path)
            except FileNotFoundError:
                problems.append(f"{source}: image {image_path.name} not found")
                continue
            except OSError:
                problems.append(f"{source}: {image_path}: not a readable image")
                continue
        photo_boxes, photo_chars = boxes.setdefault(image_path, []), chars.setdefault(image_path, [])
        if box is None:
            continue
        x, y, w, h = box
        width, height = sizes[image_path]
        edges, limits = np.array([x, y, x + w, y + h]), np.array([width, height, width, height])
        if w <= 0 or h <= 0:
            problems.append(f"{source}: box {box} has no area (w and h must be > 0)")
        elif (edges < -EDGE_TOLERANCE).any() or (edges > limits + EDGE_TOLERANCE).any():
            problems.append(f"{source}: box {box} lies outside the {width}x{height} image {image_path.name}")
        else:
            photo_boxes.append(edges.clip(0, limits))
            photo_chars.append(char)
    if problems:
        raise LprError(f"{folder}: {len(problems)} bad entries, first: {problems[0]}")
    if not boxes:
        raise LprError(f"{folder}: lists no images")
    return [BoxSample(path, np.array(photo_boxes, np.float32).reshape(-1, 4), path.name,
                      "".join(chars[path]) if None not in chars[path] else None)
            for path, photo_boxes in boxes.items()]


@pydantic.dataclasses.dataclass(frozen=True)
class DetectionRoot:
    """A real detection folder and how it splits: photos of one `group` key stay in one share.

    `group` is a regex whose first group, matched at the file name's start, is the key (None: the file name).
    `shares` lists the keys of `val` and `test`, the rest trains; without it the photo split draws each key's share.
    """

    path: str
    group: str | None = None
    shares: dict[Literal["val", "test"], list[str]] | None = None

    @field_validator("group")
    @classmethod
    def has_a_group(cls, group: str | None) -> str | None:
        if group is not None and re.compile(group).groups < 1:
            raise ValueError("needs a (group) that captures the key photos are kept together by")
        return group

    def key(self, name: str) -> str:
        if self.group is None:
            return name
        match = re.match(self.group, name)
        if match is None:
            raise LprError(f"{Path(self.path) / name}: file name does not match the root's group {self.group!r}")
        return match.group(1)

    def share_of(self, name: str, split: PhotoSplit | None) -> str:
        """The share (train, val or test) of a file name."""
        key = self.key(name)
        if self.shares is not None:
            return next((share for share, keys in self.shares.items() if key in keys), "train")
        if split is None:
            raise LprError(f"{self.path}: a root without `shares` is split by the photo split; give data.split")
        return split.of(key)

    def share(self, name: str, split: PhotoSplit | None) -> list[BoxSample]:
        """The photos of share `name` (train, val, test); a key in `shares` that no photo has is refused (a typo
        would leave a share empty)."""
        samples = load_box_folder(self.path)
        keys = {self.key(s.name) for s in samples}
        unknown = [key for listed in (self.shares or {}).values() for key in listed if key not in keys]
        if unknown:
            raise LprError(f"{self.path}: `shares` lists {unknown}, the key of no photo here (group {self.group!r})")
        return [s for s in samples if self.share_of(s.name, split) == name]
