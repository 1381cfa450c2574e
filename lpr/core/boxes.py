"""Plate boxes (x, y, w, h) in photo pixels: overlap, cutting them out of a photo with a margin, and a found
(x0, y0, x1, y1) box in whole pixels."""
import numpy as np

Box = tuple[int, int, int, int]


def intersection(a: Box, b: Box) -> int:
    """The area two (x, y, w, h) boxes share."""
    ix = max(0, min(a[0] + a[2], b[0] + b[2]) - max(a[0], b[0]))
    iy = max(0, min(a[1] + a[3], b[1] + b[3]) - max(a[1], b[1]))
    return ix * iy


def box_iou(a: Box, b: Box) -> float:
    """Intersection over union of two (x, y, w, h) boxes."""
    inter = intersection(a, b)
    union = a[2] * a[3] + b[2] * b[3] - inter
    return inter / union if union > 0 else 0.0


def box_overlap(a: Box, b: Box) -> float:
    """The share of the smaller of two (x, y, w, h) boxes that lies in the other: 1 for a box inside another."""
    smaller = min(a[2] * a[3], b[2] * b[3])
    return intersection(a, b) / smaller if smaller > 0 else 0.0


def crop_box(image: np.ndarray, box: Box, margin: tuple[float, float]) -> tuple[np.ndarray, Box]:
    """The image inside (x, y, w, h) grown by margin (fractions of w and h), clipped; and the clipped box."""
    x, y, w, h = box
    dx, dy = round(margin[0] * w), round(margin[1] * h)
    x0, y0 = max(0, x - dx), max(0, y - dy)
    x1, y1 = min(image.shape[1], x + w + dx), min(image.shape[0], y + h + dy)
    return image[y0:y1, x0:x1], (x0, y0, x1 - x0, y1 - y0)


def xywh(box) -> Box:
    """A float (x0, y0, x1, y1) box as whole-pixel (x, y, w, h), at least one pixel each way."""
    x0, y0, x1, y1 = (round(float(v)) for v in box)
    return x0, y0, max(1, x1 - x0), max(1, y1 - y0)


def scaled(box, scale: float) -> tuple[int, int, int, int]:
    """An (x, y, w, h) box in the pixels of the image scaled by `scale`."""
    return tuple(round(value * scale) for value in box)
