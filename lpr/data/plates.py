"""Plate crops for the whole-plate recognizer: generated plates and real photos as one LightningDataModule.

A plate root is either a `labels.csv` folder (`image,text`, images beside it, as the plate generator writes)
or an OpenALPR folder (`NAME.jpg` + `NAME.txt`: `NAME.jpg<TAB>x<TAB>y<TAB>w<TAB>h<TAB>PLATE`), read in place.
A root with `train/ val/ test/` sub-folders keeps its own splits; any other root is split by the photo split
(`lpr.data.split`), so the photos a checkpoint trained on are fixed by the config and never reported on.
"""
import logging
from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path

import albumentations as A
import numpy as np
import torch
from pydantic import NonNegativeInt, PositiveInt, validate_call
from torch.utils.data import ConcatDataset

from lpr.core.errors import LprError
from lpr.data.datamodule import SplitDataModule
from lpr.data.plate_crops import PlateCrops
from lpr.data.reletter import ReletteredCrops
from lpr.data.samples import PlateSample, load_plate_samples
from lpr.data.split import PhotoSplit
from lpr.data.synth_plates import PlateSynth

log = logging.getLogger(__name__)


def read_plate_folder(folder: Path) -> list[PlateSample]:
    """Every labelled plate of a `labels.csv` or OpenALPR folder; any bad entry refuses the folder."""
    samples, problems = load_plate_samples(folder)
    problems += [f"{s.image_path}: no plate text" for s in samples if not s.text]
    if problems:
        raise LprError(f"{folder}: {len(problems)} bad entries, first: {problems[0]}")
    return samples


def plate_split(root: str | Path, share: str, split: PhotoSplit) -> list[PlateSample]:
    """The plates of one share (train, val, test) of a root: its `share/` folder, or its share of the photo split."""
    root = Path(root)
    if not root.is_dir():
        raise LprError(f"{root}: plate root does not exist or is not a folder")
    if (root / "train").is_dir():
        return read_plate_folder(root / share) if (root / share).is_dir() else []
    return [s for s in read_plate_folder(root) if split.of(s.name) == share]


def to_tensor(images: list[np.ndarray]) -> torch.Tensor:
    """uint8 (H, W) images -> float32 (N, 1, H, W) in [0, 1]."""
    return torch.from_numpy(np.stack(images)).float().div_(255.0).unsqueeze(1)


def collate_plates(batch: list[tuple[np.ndarray, str]]) -> tuple[torch.Tensor, list[str]]:
    images, texts = zip(*batch)
    return to_tensor(list(images)), list(texts)


class PlateDataModule(SplitDataModule):
    """Generated plates (`synth`) and/or real plate roots (`roots`), as train/val/test plate crops.

    Training uses the generated plates and each real root's train share repeated `real_repeat` times, and
    `reletter_repeat` times the train share re-lettered with generated strings (`reletter`, a partial
    `lpr.reletter.ReletteredCrops`; needs `synth`);
    validation and test use the real roots' shares where they have one, else the generated splits.
    """

    collate_fn = staticmethod(collate_plates)

    @validate_call(config={"arbitrary_types_allowed": True})  # refuse wrong types and values with their name
    def __init__(
        self,
        synth: PlateSynth | None = None,
        roots: list[str] | None = None,
        split: PhotoSplit | None = None,
        real_repeat: NonNegativeInt = 1,
        reletter_repeat: NonNegativeInt = 0,
        reletter: Callable[..., ReletteredCrops] = ReletteredCrops,
        box_jitter: tuple[float, float] = (-0.05, 0.2),
        augment: A.BaseCompose | A.BasicTransform | None = None,
        cache_dir: str = "data/cache",
        input_height: PositiveInt = 32,
        input_width: PositiveInt = 128,
        batch_size: PositiveInt = 64,
        num_workers: NonNegativeInt = 0,
        seed: int = 0,
    ):
        super().__init__()
        if synth is None and not roots:
            raise LprError("data: give `roots` (labels.csv or OpenALPR folders) or `synth` (use data=synth_plates)")
        if reletter_repeat and synth is None:
            raise LprError("data.reletter_repeat: re-lettering draws strings with `synth`; give data.synth too")
        if roots and split is None:
            raise LprError("data.split: real plate roots are split by the photo split (configs/split/); give one")
        self.save_hyperparameters(logger=False, ignore=["synth", "augment", "reletter", "split"])
        if split is not None:  # checkpoints keep the split as plain values: lpr.read subset=val reads them back
            self.hparams.update(split_percent=split.percent, split_salt=split.salt,
                                split_groups=[asdict(group) for group in split.groups])
        self.synth, self.augment, self.reletter, self.split = synth, augment, reletter, split
        self.train_kinds: dict[str, PlateCrops] = {}  # "generated", "real": the training plates of each kind

    def augmentations(self) -> list[A.BaseCompose]:
        return [self.augment] if self.augment is not None else []

    def prepare_data(self):
        if self.synth is not None:
            self.synth.ensure(self.hparams.cache_dir)

    def real_split(self, share: str) -> list[PlateSample]:
        return [sample for root in self.hparams.roots or [] for sample in plate_split(root, share, self.split)]

    def setup(self, stage: str | None = None):
        if self.datasets:
            return
        size = (self.hparams.input_height, self.hparams.input_width)
        synth_root = self.synth.ensure(self.hparams.cache_dir) if self.synth is not None else None
        train_parts = []
        if synth_root is not None:
            self.train_kinds["generated"] = PlateCrops(read_plate_folder(synth_root / "train"), *size, self.augment)
            train_parts.append(self.train_kinds["generated"])
        real_train = self.real_split("train")
        if real_train:
            real = PlateCrops(real_train, *size, self.augment, self.hparams.box_jitter, self.hparams.seed)
            self.train_kinds["real"] = real
            train_parts += [real] * self.hparams.real_repeat
            if self.hparams.reletter_repeat:
                relettered = self.reletter(real_train, *size, synth=self.synth, augment=self.augment,
                                           box_jitter=self.hparams.box_jitter, seed=self.hparams.seed,
                                           crops=real.crops)
                train_parts += [relettered] * self.hparams.reletter_repeat
        if not train_parts:
            raise LprError("data: no training plates (no synth, and no real root has a train share)")
        self.datasets["train"] = ConcatDataset(train_parts)
        for split in ("val", "test"):
            # The real share first; without one (a final fit on train + val: split.val_percent 0), generated plates.
            samples = self.real_split(split)
            if not samples and synth_root is not None and (synth_root / split).is_dir():
                samples = read_plate_folder(synth_root / split)
            if samples:
                self.datasets[split] = PlateCrops(samples, *size)
        if "val" not in self.datasets:
            raise LprError("data: no validation plates (give real roots a `val` share or synth a `val` count)")
        log.info("Plates: %s (real train %d)", {s: len(d) for s, d in self.datasets.items()}, len(real_train))

