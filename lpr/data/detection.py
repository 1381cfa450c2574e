"""Images with boxes for the detectors, as one LightningDataModule: photos with plate boxes for the plate detector
(generated scenes and real photos), plate crops with character boxes for the character detector (generated plates,
whose generator knows where every character is, and real crops).

A real root is a detection folder (lpr.data.box_folders), split by explicit groups (`shares`) or by the photo split
(`lpr.data.split`) on the same key as the plate readers' roots, so a photo held out from the readers stays held out
from the detector.
"""
import logging
from dataclasses import asdict

import albumentations as A
import cv2
import numpy as np
import torch
from pydantic import NonNegativeInt, PositiveInt, validate_call
from torch.utils.data import ConcatDataset, Dataset

from lpr.core.alphabet import CHAR_TO_INDEX
from lpr.core.errors import LprError
from lpr.core.images import read_image
from lpr.core.preprocess import letterbox
from lpr.data.box_folders import BoxSample, DetectionRoot, load_box_folder
from lpr.data.datamodule import SplitDataModule
from lpr.data.split import PhotoSplit
from lpr.data.synth_plates import PlateSynth
from lpr.data.synth_scenes import SceneSynth

log = logging.getLogger(__name__)


class BoxPhotos(Dataset):
    """Photos as (letterboxed RGB uint8 input, its boxes in input pixels, their classes); `augment` (training) comes
    first. Classes are 0 (a plate, a character) unless `char_classes`: each character box its character's class
    (CHAR_TO_INDEX), for a detector that reads as it finds.

    Photos are decoded per item, not kept: whole photos of a few hundred real frames would fill memory.
    """

    def __init__(self, samples: list[BoxSample], input_size: int, augment: A.Compose | None = None,
                 char_classes: bool = False):
        self.samples, self.input_size, self.augment = samples, input_size, augment
        self.labels = [np.array([CHAR_TO_INDEX[c] for c in s.chars] if char_classes else [0] * len(s.boxes),
                                np.int64) for s in samples]

    def __len__(self):
        return len(self.samples)

    def __getitem__(self, index: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        sample, labels = self.samples[index], self.labels[index]
        image = cv2.cvtColor(read_image(sample.image_path, color=True), cv2.COLOR_BGR2RGB)
        boxes = sample.boxes
        if self.augment is not None:
            augmented = self.augment(image=image, bboxes=boxes, labels=labels)
            image, boxes = augmented["image"], np.asarray(augmented["bboxes"], np.float32).reshape(-1, 4)
            labels = np.asarray(augmented["labels"], np.int64)
        image, scale = letterbox(image, self.input_size)
        return image, boxes * np.float32(scale), labels


def collate_photos(batch: list[tuple[np.ndarray, np.ndarray, np.ndarray]]
                   ) -> tuple[torch.Tensor, list[dict[str, torch.Tensor]]]:
    """Images float32 (N, 3, S, S) RGB in [0, 1]; targets as torchvision's detectors and torchmetrics' mAP take
    them: per image `boxes` (k, 4) x0, y0, x1, y1 in input pixels and `labels` (k,)."""
    images, boxes, labels = zip(*batch)
    tensor = torch.from_numpy(np.stack(images)).permute(0, 3, 1, 2).float().div_(255.0)
    targets = [{"boxes": torch.from_numpy(b), "labels": torch.from_numpy(k)} for b, k in zip(boxes, labels)]
    return tensor, targets


class DetectionDataModule(SplitDataModule):
    """Generated images (`synth`: scenes with their plates' boxes, or plates with their characters') and/or real
    detection roots (`roots`), as train/val/test images with boxes.

    Training uses the generated scenes' train split and each real root's train share repeated `real_repeat` times;
    validation and test use the real roots' shares where they have one, else the generated splits. Every photo ends
    letterboxed to `input_size` square (after `augment` in training), as the detector reads photos.
    """

    collate_fn = staticmethod(collate_photos)

    @validate_call(config={"arbitrary_types_allowed": True})  # refuse wrong types and values with their name
    def __init__(
        self,
        synth: SceneSynth | PlateSynth | None = None,
        roots: list[DetectionRoot] | None = None,
        split: PhotoSplit | None = None,
        real_repeat: NonNegativeInt = 1,
        augment: A.Compose | None = None,
        cache_dir: str = "data/cache",
        input_size: PositiveInt = 384,
        batch_size: PositiveInt = 16,
        num_workers: NonNegativeInt = 0,
        char_classes: bool = False,
    ):
        super().__init__()
        if synth is None and not roots:
            raise LprError("data: give `roots` (boxes.csv, chars.csv or OpenALPR folders) or `synth` (a generator)")
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

    def box_photos(self, samples: list[BoxSample], augment: A.Compose | None = None) -> BoxPhotos:
        """Samples as a dataset; with `char_classes`, every box must name its character (a chars.csv folder)."""
        unnamed = [s.image_path for s in samples if s.chars is None and len(s.boxes)]
        if self.hparams.char_classes and unnamed:
            raise LprError(f"{unnamed[0].parent}: data.char_classes needs each box's character (a chars.csv folder)")
        return BoxPhotos(samples, self.hparams.input_size, augment, self.hparams.char_classes)

    def real_share(self, share: str) -> list[BoxSample]:
        return [sample for root in self.roots for sample in root.share(share, self.split)]

    def setup(self, stage: str | None = None):
        if self.datasets:
            return
        synth_root = self.synth.ensure(self.hparams.cache_dir) if self.synth is not None else None
        train_parts = []
        if synth_root is not None:
            self.train_kinds["generated"] = self.box_photos(load_box_folder(synth_root / "train"), self.augment)
            train_parts.append(self.train_kinds["generated"])
        real_train = self.real_share("train")
        if real_train:
            self.train_kinds["real"] = self.box_photos(real_train, self.augment)
            train_parts += [self.train_kinds["real"]] * self.hparams.real_repeat
        if not train_parts:
            raise LprError("data: no training photos (no synth, and no real root has a train share)")
        self.datasets["train"] = ConcatDataset(train_parts)
        for share in ("val", "test"):
            samples = self.real_share(share)
            if not samples and synth_root is not None and self.synth.count.get(share):
                samples = load_box_folder(synth_root / share)
            if samples:
                self.datasets[share] = self.box_photos(samples)
        if "val" not in self.datasets:
            raise LprError("data: no validation photos (give real roots a `val` share or synth a `val` count)")
        log.info("Detection photos: %s (real train %d)", {s: len(d) for s, d in self.datasets.items()},
                 len(real_train))
