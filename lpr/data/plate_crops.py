"""Plate crops as a Dataset: real photos cut at their labelled box (jittered for training) or whole crops.

Shared by the whole-plate recognizer's data module and the re-lettered real plates (`lpr.reletter`).
"""
import albumentations as A
import numpy as np
from torch.utils.data import Dataset

from lpr.core.errors import LprError
from lpr.core.images import read_image
from lpr.data.samples import PlateSample
from lpr.core.preprocess import plate_input


class PlateCrops(Dataset):
    """Plate crops as (uint8 model input, text); photos are decoded once and kept as crops with a margin.

    `box_jitter` (training) moves each side of a real plate box by a random fraction of its height, so the
    model sees the loose and tight boxes a plate locator gives; without it the box is used as annotated.
    `crops` takes the crops another PlateCrops of the same samples and `box_jitter` has loaded, instead of
    decoding the photos again.
    """

    def __init__(self, samples: list[PlateSample], height: int, width: int, augment: A.BasicTransform | None = None,
                 box_jitter: tuple[float, float] | None = None, seed: int = 0,
                 crops: list[tuple[np.ndarray, tuple[int, int, int, int]]] | None = None):
        self.samples, self.height, self.width = samples, height, width
        self.augment, self.box_jitter = augment, box_jitter
        self.rng = np.random.default_rng(seed)
        if crops is None and any(s.box for s in samples):
            crops = [self.load(sample) for sample in samples]
        self.crops = crops

    def load(self, sample: PlateSample) -> tuple[np.ndarray, tuple[int, int, int, int]]:
        """The grey crop with room for jitter, and the plate box inside it."""
        image = read_image(sample.image_path)
        if sample.box is None:
            return image, (0, 0, image.shape[1], image.shape[0])
        x, y, w, h = sample.box
        room = round(h * (self.box_jitter[1] if self.box_jitter else 0.0)) + 1
        x0, y0 = max(0, x - room), max(0, y - room)
        x1, y1 = min(image.shape[1], x + w + room), min(image.shape[0], y + h + room)
        if x1 - x0 < 2 or y1 - y0 < 2:
            raise LprError(f"{sample.image_path}: plate box {sample.box} lies outside the image")
        return image[y0:y1, x0:x1], (x - x0, y - y0, w, h)

    def crop(self, index: int) -> np.ndarray:
        if self.crops is None:
            return read_image(self.samples[index].image_path)
        return self.cut(*self.crops[index])

    def cut(self, image: np.ndarray, box: tuple[int, int, int, int]) -> np.ndarray:
        """The plate `box` of a loaded crop, each side moved by `box_jitter` where training."""
        x, y, w, h = box
        if self.box_jitter:
            dx0, dy0, dx1, dy1 = (self.rng.uniform(*self.box_jitter, 4) * h).round().astype(int)
            x, y, w, h = x - dx0, y - dy0, w + dx0 + dx1, h + dy0 + dy1
        x0, y0 = max(0, x), max(0, y)
        return image[y0:max(y0 + 2, y + h), x0:max(x0 + 2, x + w)]

    def __len__(self):
        return len(self.samples)

    def example(self, index: int) -> tuple[np.ndarray, str]:
        """The grey crop of plate `index` and its text, before it becomes model input."""
        return self.crop(index), self.samples[index].text

    def __getitem__(self, index: int) -> tuple[np.ndarray, str]:
        crop, text = self.example(index)
        image = plate_input(crop, self.height, self.width)
        if self.augment is not None:
            image = plate_input(self.augment(image=image)["image"], self.height, self.width)
        return image, text
