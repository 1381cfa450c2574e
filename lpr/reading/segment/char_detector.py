"""Learned segmentation: a character detector (`experiment=char_detector`) finds each character of a plate crop, in
place of thresholds and contours (`segment=detector`); or, trained with a class per character
(`experiment=char_reader`, CR-NET's shape), finds and reads them in one network (`DetectedText`).

Contours cap the seed method: a character touching the frame, broken by glare or merged with its neighbour is cut
wrong whatever the classifier. The detector is the plate detector's network trained on generated plates, whose
generator knows every character's box (and draws the state names, emblems and stickers that must not be found). Its
boxes are put in reading order (rows top first, each left to right; two small characters stacked at one end, top
first) and cut as contours' boxes are, so the 36-class CNN reads them unchanged.
"""
from collections.abc import Callable

import cv2
import numpy as np
from pydantic import Field, NonNegativeFloat, validate_call

from lpr.core.alphabet import ALPHABET
from lpr.core.centre_decode import Detections
from lpr.core.formats import PlateFormats
from lpr.reading.locate.plate_detector import PlateFinder, Probability
from lpr.reading.engines.base import Engine, PlateReading
from lpr.vision.blobs import EMPTY_BOXES
from lpr.vision.segment import Segmentation, cut_characters


def reading_order(boxes: np.ndarray, row_overlap: float = 0.5) -> np.ndarray:
    """Indices of x0, y0, x1, y1 boxes as a plate reads: a box joins a row its height overlaps by `row_overlap`, rows
    top first, each left to right; boxes one above the other (stacked characters) top first."""
    rows: list[list[int]] = []
    for index in np.argsort((boxes[:, 1] + boxes[:, 3]) / 2):
        top, bottom = boxes[index, 1], boxes[index, 3]
        for row in rows:
            row_top, row_bottom = boxes[row, 1].min(), boxes[row, 3].max()
            if min(bottom, row_bottom) - max(top, row_top) >= row_overlap * (bottom - top):
                row.append(index)
                break
        else:
            rows.append([index])
    order = []
    for row in sorted(rows, key=lambda row: boxes[row, 1].min()):
        row = sorted(row, key=lambda i: (boxes[i, 0] + boxes[i, 2]) / 2)
        for k in range(len(row) - 1):  # a stacked pair: nearly the same column, the upper one first
            a, b = row[k], row[k + 1]
            same_column = abs(boxes[a, 0] + boxes[a, 2] - boxes[b, 0] - boxes[b, 2]) / 2 < \
                0.5 * min(boxes[a, 2] - boxes[a, 0], boxes[b, 2] - boxes[b, 0])
            if same_column and boxes[b, 3] <= boxes[a, 1] + 0.25 * (boxes[a, 3] - boxes[a, 1]):
                row[k], row[k + 1] = b, a
        order += row
    return np.array(order, np.int64)


def dark_ink(gray: np.ndarray, boxes: np.ndarray) -> bool:
    """Whether the characters are darker than the plate: most boxes darker inside than the ring of plate around them
    (a box is mostly stroke-free plate, but less so than its surroundings)."""
    votes = []
    for x, y, w, h in boxes:
        pad = max(1, h // 4)
        ring = gray[max(0, y - pad):y + h + pad, max(0, x - pad):x + w + pad].astype(np.float64)
        inside = gray[y:y + h, x:x + w].astype(np.float64)
        if ring.size > inside.size:
            votes.append(inside.mean() < (ring.sum() - inside.sum()) / (ring.size - inside.size))
    return sum(votes) * 2 >= len(votes)


class DetectedChars:
    """`segmenter(plate_crop)` -> its characters as a Segmentation, found by a character detector (checkpoint or
    exported ONNX, as `lpr.export` writes it); `char_margin` and `crop_min_aspect` cut each as configs/segment/
    contours.yaml's do, so the character CNN sees the crops it trained on."""

    @validate_call
    def __init__(self, model: str, score_floor: Probability | None = None, max_boxes: int | None = None,
                 nms_iou: Probability | None = None, threads: int | None = None,
                 char_margin: NonNegativeFloat = 0.08, crop_min_aspect: float = Field(0.5, gt=0),
                 row_overlap: Probability = 0.5):
        self.finder = PlateFinder(model, score_floor, max_boxes, nms_iou, threads)
        self.char_margin, self.crop_min_aspect, self.row_overlap = char_margin, crop_min_aspect, row_overlap

    def __call__(self, plate: np.ndarray) -> Segmentation:
        gray = cv2.cvtColor(plate, cv2.COLOR_BGR2GRAY) if plate.ndim == 3 else plate
        if min(gray.shape) < 4:
            return Segmentation(EMPTY_BOXES, [])
        found = self.finder(cv2.cvtColor(gray, cv2.COLOR_GRAY2BGR)).boxes
        if not len(found):
            return Segmentation(EMPTY_BOXES, [])
        boxes = xywh_boxes(found[reading_order(found, self.row_overlap)])
        work = cv2.normalize(gray, None, 0, 255, cv2.NORM_MINMAX)
        dark = dark_ink(work, boxes)
        ink_bright = 255 - work if dark else work
        return Segmentation(boxes, cut_characters(ink_bright, boxes, self.char_margin, self.crop_min_aspect),
                            0.0, dark)


def xywh_boxes(found: np.ndarray) -> np.ndarray:
    """x0, y0, x1, y1 float boxes as whole-pixel (x, y, w, h) ones that cover them."""
    x0, y0 = np.floor(found[:, :2]).astype(int).clip(0).T
    x1, y1 = np.ceil(found[:, 2:]).astype(int).T
    return np.stack([x0, y0, np.maximum(x1 - x0, 1), np.maximum(y1 - y0, 1)], 1).reshape(-1, 4)


class DetectedText(Engine):
    """A plate reader of one network that finds and classifies each character (a detector of len(ALPHABET) classes,
    `experiment=char_reader`): its boxes in reading order, their classes joined; the confidence is the geometric mean
    of the boxes' scores, each character's its box's. `formats` is kept for the pipeline's plausibility ranking
    (locate=auto); the characters are read as the network classes them."""

    def __init__(self, finder: PlateFinder, formats: PlateFormats | None = None, row_overlap: float = 0.5):
        self.finder, self.formats, self.row_overlap = finder, formats or PlateFormats(), row_overlap

    def prepare(self, plate_crop: np.ndarray) -> np.ndarray:
        return plate_crop if plate_crop.ndim == 3 else cv2.cvtColor(plate_crop, cv2.COLOR_GRAY2BGR)

    def read_prepared(self, crops: list[np.ndarray]) -> list[PlateReading]:
        return [self.reading(found) for found in self.finder.find(crops)] if crops else []

    def reading(self, found: Detections) -> PlateReading:
        order = reading_order(found.boxes, self.row_overlap)
        scores = found.scores[order].astype(np.float64)
        confidence = float(np.exp(np.log(scores).mean())) if len(scores) else 0.0
        return PlateReading("".join(ALPHABET[c] for c in found.classes[order]), confidence,
                            Segmentation(xywh_boxes(found.boxes[order]), []),
                            tuple(round(p, 4) for p in scores.tolist()))

    def stages(self) -> list[tuple[str, Callable]]:
        return [("prepare", lambda crops: [self.prepare(crop) for crop in crops]), ("detect", self.finder.find)]
