"""The one interface every plate reader implements, and the one reading it returns."""
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np

from lpr.core.formats import PlateFormats
from lpr.vision.segment import Segmentation


@dataclass
class PlateReading:
    text: str
    confidence: float  # in [0, 1]
    segmentation: Segmentation | None = None  # the classic engine's characters (failure grid, box tightening)
    char_confidences: tuple[float, ...] = ()  # each character's, in [0, 1]


class Engine(Protocol):
    """Reads plate crops (BGR or grey uint8, any size). `prepare` is the per-crop work before the model call, which
    the pipeline runs while its loader threads decode photos; `read_prepared` reads many prepared crops in one
    model call. `stages` names the steps of `read_crops` for timing them (lpr.bench)."""

    formats: PlateFormats  # the region's plate formats, a prior on each reading (lpr.core.formats)

    def prepare(self, plate_crop: np.ndarray) -> Any: ...

    def read_prepared(self, prepared: list) -> list[PlateReading]: ...

    def stages(self) -> list[tuple[str, Callable]]: ...

    def read_crops(self, plate_crops: list[np.ndarray]) -> list[PlateReading]:
        return self.read_prepared([self.prepare(crop) for crop in plate_crops])
