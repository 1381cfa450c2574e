"""PP-OCR's text detector as a finder of plate candidates: every line of text in a photo, as a box.

A plate is a line of text, and PaddleOCR's DB detector (PP-OCRv6 small, as RapidOCR ships it; Apache-2.0, shipped as
lpr/pretrained/text_detector.onnx) learnt text from real photos of everywhere: it finds small, far and foreign plates
that lpr's plate detector, trained on a few thousand plates, misses. It finds every other line of text too, so the
reader verifies what it finds (lpr.reading.pipeline: a line that does not read as a plate is dropped).

The net gives each pixel a probability of being text, made into lines by lpr.core.text_map as PaddleOCR's DB
post-processing does.
"""
from pathlib import Path

import cv2
import numpy as np
from pydantic import Field, PositiveFloat, PositiveInt, validate_call

from lpr.core.centre_decode import Detections
from lpr.core.pretrained import SHIPPED, TEXT_DETECTOR, shipped_or
from lpr.core.text_map import text_lines
from lpr.reading.locate.plate_detector import Probability
from lpr.reading.engines.onnx_model import OnnxModel

STRIDE = 32  # the net's input sides are multiples of this


class TextFinder:
    """`finder(photo)` -> every text line of a BGR photo as Detections in photo pixels, surest first.

    `side`: the photo's shorter side is scaled to this (PP-OCR reads at 736); `pixel_floor`: a pixel this likely text
    is part of a line; `score_floor`: a line's mean probability must reach this; `min_height`: lines lower than this
    many photo pixels are too small to read; `max_boxes`: the surest lines kept."""

    @validate_call
    def __init__(self, model: str = SHIPPED, side: PositiveInt = 736, pixel_floor: Probability = 0.3,
                 score_floor: Probability = 0.5, unclip: PositiveFloat = 1.6, min_height: int = Field(6, ge=1),
                 max_boxes: PositiveInt = 30, threads: int | None = None):
        self.net = OnnxModel(Path(shipped_or(model, TEXT_DETECTOR)), threads)
        self.side, self.pixel_floor, self.score_floor = side, pixel_floor, score_floor
        self.unclip, self.min_height, self.max_boxes = unclip, min_height, max_boxes

    def batch(self, photo: np.ndarray) -> tuple[np.ndarray, tuple[float, float]]:
        """A BGR photo -> float32 (1, 3, H, W) in [-1, 1] at `side`, both sides multiples of 32; and the x, y scales
        (net pixels per photo pixel)."""
        height, width = photo.shape[:2]
        ratio = self.side / min(height, width)
        size = tuple(max(STRIDE, round(side * ratio / STRIDE) * STRIDE) for side in (width, height))
        image = cv2.resize(photo, size, interpolation=cv2.INTER_AREA if ratio < 1 else cv2.INTER_LINEAR)
        return (image.astype(np.float32).transpose(2, 0, 1)[None] / 127.5 - 1), (size[0] / width, size[1] / height)

    def find(self, photos: list[np.ndarray], score_floor: float | None = None, max_boxes: int | None = None
             ) -> list[Detections]:
        """Each photo's text lines, clipped to the photo; `score_floor` and `max_boxes` override the finder's."""
        found = []
        for photo in photos:
            image, (sx, sy) = self.batch(photo)
            lines = text_lines(self.net(image)[0, 0], self.pixel_floor,
                               self.score_floor if score_floor is None else score_floor, self.unclip)
            boxes = np.clip(lines.boxes / (sx, sy, sx, sy), 0, (photo.shape[1], photo.shape[0]) * 2)
            keep = np.flatnonzero(boxes[:, 3] - boxes[:, 1] >= self.min_height)[:max_boxes or self.max_boxes]
            found.append(Detections(boxes[keep], lines.scores[keep], lines.classes[keep]))
        return found

    def __call__(self, photo: np.ndarray) -> Detections:
        return self.find([photo])[0]
