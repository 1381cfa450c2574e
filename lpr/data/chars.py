"""Character data: ImageFolder trees (`train/ val/ [test/]`, one folder per class) as a LightningDataModule."""
import logging
import os
from pathlib import Path
from typing import Annotated

import albumentations as A
import cv2
import numpy as np
import torch
from pydantic import Field, NonNegativeInt, PositiveInt, validate_call
from torchvision.datasets import ImageFolder

from lpr.core.alphabet import CHAR_TO_INDEX, folder_to_char, holds_class_folders
from lpr.core.config import PositiveRange
from lpr.core.errors import LprError
from lpr.core.images import is_image_file, read_image
from lpr.core.preprocess import format_char
from lpr.data.datamodule import SplitDataModule
from lpr.data.synth_chars import CharSynth

log = logging.getLogger(__name__)


class CharTransform:
    """Crop -> model input: the shared formatting, then (training only) albumentations augmentation."""

    def __init__(self, size: int, augment: A.BasicTransform | None = None):
        self.size = size
        self.augment = augment

    def __call__(self, gray: np.ndarray) -> torch.Tensor:
        image = format_char(gray, self.size)
        if self.augment is not None:
            image = self.augment(image=image)["image"]
        return torch.from_numpy(image).float().div_(255.0).unsqueeze(0)


class AlphabetImageFolder(ImageFolder):
    """ImageFolder whose labels are positions in the fixed alphabet, whatever subset of classes is present."""

    def __init__(self, root: str | Path, transform=None, check_images: bool = True):
        super().__init__(str(root), transform=transform, loader=read_image, is_valid_file=is_image_file)
        if check_images:  # refuse a broken file now, not an hour into training
            for path, _ in self.samples:
                read_image(path)

    def find_classes(self, directory: str) -> tuple[list[str], dict[str, int]]:
        folders = sorted(entry.name for entry in os.scandir(directory) if entry.is_dir())
        if not folders:
            raise LprError(f"{directory}: no class folders (expected class_0 ... class_Z or 0 ... Z)")
        class_to_idx = {name: CHAR_TO_INDEX[folder_to_char(Path(directory) / name)] for name in folders}
        for name in folders:
            if not any(is_image_file(entry.name) for entry in os.scandir(Path(directory) / name)):
                raise LprError(f"{Path(directory) / name}: empty class folder (no images)")
        return folders, class_to_idx


def split_dir(root: str | Path, split: str) -> Path:
    """The folder of one split under an ImageFolder root, or the root itself when it holds class folders."""
    root = Path(root)
    if not root.is_dir():
        raise LprError(f"{root}: data root does not exist or is not a folder")
    if (root / split).is_dir():
        return root / split
    if holds_class_folders(root):
        return root
    raise LprError(f"{root}: no `{split}/` split (expected {root}/{split}/class_X/*.jpg)")


class CharDataModule(SplitDataModule):
    """Characters from an ImageFolder root, or from the generator when `synth` is given."""

    @validate_call(config={"arbitrary_types_allowed": True})  # refuse wrong types and values with their name
    def __init__(
        self,
        root: str | None = None,
        synth: CharSynth | None = None,
        cache_dir: str = "data/cache",
        image_size: PositiveInt = 28,
        batch_size: PositiveInt = 64,
        num_workers: NonNegativeInt = 0,
        shift: Annotated[float, Field(ge=0, lt=0.5)] = 0.1,
        scale: PositiveRange = (0.9, 1.1),
        rotate: Annotated[float, Field(ge=0, le=180)] = 0.0,
        check_images: bool = True,
        seed: int | None = None,
    ):
        super().__init__()
        if root is None and synth is None:
            raise LprError("data.root: set it to an ImageFolder root (train/ val/ [test/]) or use data=synth")
        self.save_hyperparameters(logger=False, ignore=["synth"])
        if hasattr(synth, "split"):  # real photos' characters: keep their split, as PlateDataModule does
            self.hparams.update(roots=synth.photo_dirs, split_percent=synth.split.percent, split_salt=synth.split.salt)
        self.root = Path(root) if root is not None else None
        self.synth = synth

    def prepare_data(self):
        if self.synth is not None:
            self.synth.ensure(self.hparams.cache_dir)

    def train_augment(self) -> A.Compose:
        """Shifts and rescales as in the original recipe; background after formatting is 0."""
        return A.Compose([A.Affine(translate_percent=(-self.hparams.shift, self.hparams.shift),
                                   scale=tuple(self.hparams.scale), rotate=(-self.hparams.rotate, self.hparams.rotate),
                                   border_mode=cv2.BORDER_CONSTANT, fill=0, p=1.0)],
                         seed=self.hparams.seed)  # albumentations keeps its own generator: seed it for repeatable runs

    def augmentations(self) -> list[A.BaseCompose]:
        return [self.datasets["train"].transform.augment] if "train" in self.datasets else []

    def setup(self, stage: str | None = None):
        if self.synth is not None:
            self.root = self.synth.ensure(self.hparams.cache_dir)
        if not self.root.is_dir():
            raise LprError(f"{self.root}: data root does not exist or is not a folder")
        for split in ("train", "val"):
            if not (self.root / split).is_dir():
                raise LprError(f"{self.root}: missing `{split}/` split (expected train/, val/ and optional test/)")
        for split in ("train", "val", "test"):
            if split not in self.datasets and (self.root / split).is_dir():
                augment = self.train_augment() if split == "train" else None
                self.datasets[split] = AlphabetImageFolder(self.root / split, CharTransform(
                    self.hparams.image_size, augment), self.hparams.check_images)
        log.info("Data %s: %s", self.root, {split: len(ds) for split, ds in self.datasets.items()})

