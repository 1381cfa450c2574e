"""Photos with plate boxes for the plate detector: generated scenes and real photos as one LightningDataModule.

A detection folder is either `boxes.csv` (`image,x,y,w,h`, one row a plate, several rows per image allowed; a row
with x, y, w, h empty lists an image with no plate) or an OpenALPR folder (`NAME.jpg` + `NAME.txt`:
`NAME.jpg<TAB>x<TAB>y<TAB>w<TAB>h<TAB>PLATE`). A real root is split by explicit groups (`shares`) or by the photo
split (`lpr.data.split`) on the same key as the plate readers' roots, so a photo held out from the readers stays
held out from the detector.
"""
import csv
import logging
import re
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Literal, NamedTuple

import albumentations as A
import cv2
import numpy as np
import pydantic.dataclasses
import torch
from PIL import Image
from pydantic import NonNegativeInt, PositiveInt, field_validator, validate_call
from torch.utils.data import ConcatDataset, Dataset

from lpr.core.errors import LprError
from lpr.core.images import EXIF_ORIENTATION, read_image
from lpr.core.preprocess import letterbox
from lpr.data.datamodule import SplitDataModule
from lpr.data.samples import load_plate_samples
from lpr.data.split import PhotoSplit
from lpr.data.synth_scenes import SceneSynth

log = logging.getLogger(__name__)

EDGE_TOLERANCE = 1.0  # pixels a labelled box may reach past the image edge (annotation rounding); it is clipped
TRANSPOSED_ORIENTATIONS = (5, 6, 7, 8)  # EXIF orientations that swap width and height when applied


@dataclass
class BoxSample:
    """One photo and its plates' boxes (k, 4) float32 x0, y0, x1, y1 in photo pixels; k = 0: no plate in it, None:
    a photo without labels."""

    image_path: Path
    boxes: np.ndarray | None
    name: str


class BoxEntry(NamedTuple):
    """One listed plate (or, with no box, a photo listed as holding none), and where it is listed."""

    source: str  # the label file (and line) that lists it, for error lines
    image_path: Path
    box: tuple[float, float, float, float] | None  # x, y, w, h


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
            else:
                try:
                    entries.append(BoxEntry(source, boxes_file.parent / row["image"], tuple(map(float, values))))
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


def load_box_folder(folder: str | Path) -> list[BoxSample]:
    """Every photo of a `boxes.csv` or OpenALPR folder with its plates' boxes; any bad entry refuses the folder."""
    folder = Path(folder)
    if not folder.is_dir():
        raise LprError(f"{folder}: detection folder does not exist or is not a folder")
    if (folder / "boxes.csv").is_file():
        entries, problems = boxes_csv_entries(folder / "boxes.csv")
    elif any(folder.glob("*.txt")):
        entries, problems = openalpr_entries(folder)
    else:
        raise LprError(f"{folder}: no boxes.csv and no OpenALPR labels (NAME.jpg + NAME.txt)")
    sizes, boxes = {}, {}
    for source, image_path, box in entries:
        if image_path not in sizes:
            try:
                sizes[image_path] = image_size(image_path)
            except FileNotFoundError:
                problems.append(f"{source}: image {image_path.name} not found")
                continue
            except OSError:
                problems.append(f"{source}: {image_path}: not a readable image")
                continue
        photo_boxes = boxes.setdefault(image_path, [])
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
    if problems:
        raise LprError(f"{folder}: {len(problems)} bad entries, first: {problems[0]}")
    if not boxes:
        raise LprError(f"{folder}: lists no images")
    return [BoxSample(path, np.array(photo_boxes, np.float32).reshape(-1, 4), path.name)
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


class BoxPhotos(Dataset):
    """Photos as (letterboxed RGB uint8 input, its plates' boxes in input pixels); `augment` (training) comes first.

    Photos are decoded per item, not kept: whole photos of a few hundred real frames would fill memory.
    """

    def __init__(self, samples: list[BoxSample], input_size: int, augment: A.Compose | None = None):
        self.samples, self.input_size, self.augment = samples, input_size, augment

    def __len__(self):
        return len(self.samples)

    def __getitem__(self, index: int) -> tuple[np.ndarray, np.ndarray]:
        sample = self.samples[index]
        image = cv2.cvtColor(read_image(sample.image_path, color=True), cv2.COLOR_BGR2RGB)
        boxes = sample.boxes
        if self.augment is not None:
            augmented = self.augment(image=image, bboxes=boxes, labels=np.zeros(len(boxes), np.int64))
            image, boxes = augmented["image"], np.asarray(augmented["bboxes"], np.float32).reshape(-1, 4)
        image, scale = letterbox(image, self.input_size)
        return image, boxes * np.float32(scale)


def collate_photos(batch: list[tuple[np.ndarray, np.ndarray]]) -> tuple[torch.Tensor, list[dict[str, torch.Tensor]]]:
    """Images float32 (N, 3, S, S) RGB in [0, 1]; targets as torchvision's detectors and torchmetrics' mAP take
    them: per image `boxes` (k, 4) x0, y0, x1, y1 in input pixels and `labels` (k,), all 0 (plate)."""
    images, boxes = zip(*batch)
    tensor = torch.from_numpy(np.stack(images)).permute(0, 3, 1, 2).float().div_(255.0)
    targets = [{"boxes": torch.from_numpy(b), "labels": torch.zeros(len(b), dtype=torch.int64)} for b in boxes]
    return tensor, targets


class DetectionDataModule(SplitDataModule):
    """Generated scenes (`synth`) and/or real detection roots (`roots`), as train/val/test photos with plate boxes.

    Training uses the generated scenes' train split and each real root's train share repeated `real_repeat` times;
    validation and test use the real roots' shares where they have one, else the generated splits. Every photo ends
    letterboxed to `input_size` square (after `augment` in training), as the detector reads photos.
    """

    collate_fn = staticmethod(collate_photos)

    @validate_call(config={"arbitrary_types_allowed": True})  # refuse wrong types and values with their name
    def __init__(
        self,
        synth: SceneSynth | None = None,
        roots: list[DetectionRoot] | None = None,
        split: PhotoSplit | None = None,
        real_repeat: NonNegativeInt = 1,
        augment: A.Compose | None = None,
        cache_dir: str = "data/cache",
        input_size: PositiveInt = 384,
        batch_size: PositiveInt = 16,
        num_workers: NonNegativeInt = 0,
    ):
        super().__init__()
        if synth is None and not roots:
            raise LprError("data: give `roots` (boxes.csv or OpenALPR folders) or `synth` (generated scenes)")
        if split is None and any(root.shares is None for root in roots or []):
            raise LprError("data.split: roots without `shares` are split by the photo split (configs/split/); give one")
        if augment is not None and "bboxes" not in augment.processors:
            raise LprError("data.augment: boxes must move with the photo; give the Compose `bbox_params` "
                           "(format pascal_voc, label_fields [labels])")
        self.save_hyperparameters(logger=False, ignore=["synth", "roots", "augment", "split"])
        self.hparams.update(roots=[asdict(root) for root in roots or []])  # plain values, as checkpoints keep them
        if split is not None:
            self.hparams.update(split_percent=split.percent, split_salt=split.salt)
        self.synth, self.roots, self.augment, self.split = synth, roots or [], augment, split
        self.train_kinds: dict[str, BoxPhotos] = {}  # "generated", "real": the training photos of each kind

    def augmentations(self) -> list[A.BaseCompose]:
        return [self.augment] if self.augment is not None else []

    def prepare_data(self):
        if self.synth is not None:
            self.synth.ensure(self.hparams.cache_dir)

    def real_share(self, share: str) -> list[BoxSample]:
        return [sample for root in self.roots for sample in root.share(share, self.split)]

    def setup(self, stage: str | None = None):
        if self.datasets:
            return
        size = self.hparams.input_size
        synth_root = self.synth.ensure(self.hparams.cache_dir) if self.synth is not None else None
        train_parts = []
        if synth_root is not None:
            self.train_kinds["generated"] = BoxPhotos(load_box_folder(synth_root / "train"), size, self.augment)
            train_parts.append(self.train_kinds["generated"])
        real_train = self.real_share("train")
        if real_train:
            self.train_kinds["real"] = BoxPhotos(real_train, size, self.augment)
            train_parts += [self.train_kinds["real"]] * self.hparams.real_repeat
        if not train_parts:
            raise LprError("data: no training photos (no synth, and no real root has a train share)")
        self.datasets["train"] = ConcatDataset(train_parts)
        for share in ("val", "test"):
            samples = self.real_share(share)
            if not samples and synth_root is not None and self.synth.count.get(share):
                samples = load_box_folder(synth_root / share)
            if samples:
                self.datasets[share] = BoxPhotos(samples, size)
        if "val" not in self.datasets:
            raise LprError("data: no validation photos (give real roots a `val` share or synth a `val` count)")
        log.info("Detection photos: %s (real train %d)", {s: len(d) for s, d in self.datasets.items()},
                 len(real_train))
