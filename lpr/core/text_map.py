"""DB's probability map -> text boxes, as PaddleOCR's DB post-processing makes them: shared by the text finder that
reads with PP-OCR's detector (lpr.reading.locate.text_finder) and the fine-tune that trains it on plates.

A region of pixels above `pixel_floor` is a line, scored by the mean probability inside its rotated rectangle and
grown by `unclip` (DB's shrunk-region rule: area x unclip / perimeter each way); lpr keeps the upright box around it.
"""
import cv2
import numpy as np

from lpr.core.centre_decode import Detections


def text_lines(probability: np.ndarray, pixel_floor: float, score_floor: float, unclip: float) -> Detections:
    """The text lines of a (H, W) probability map scored `score_floor` or more, as upright boxes in its pixels,
    surest first."""
    text = cv2.dilate((probability > pixel_floor).astype(np.uint8), np.ones((2, 2), np.uint8))
    contours, _ = cv2.findContours(text, cv2.RETR_LIST, cv2.CHAIN_APPROX_SIMPLE)
    boxes, scores = [], []
    for contour in contours:
        (cx, cy), (w, h), angle = cv2.minAreaRect(contour)
        if min(w, h) < 3:
            continue
        corners = cv2.boxPoints(((cx, cy), (w, h), angle))
        x0, y0 = np.floor(corners.min(0)).clip(0).astype(int)
        x1, y1 = np.ceil(corners.max(0)).astype(int) + 1
        inside = np.zeros((y1 - y0, x1 - x0), np.uint8)
        cv2.fillPoly(inside, [np.round(corners - (x0, y0)).astype(np.int32)], 1)
        score = cv2.mean(probability[y0:y1, x0:x1], inside[:probability.shape[0] - y0, :probability.shape[1] - x0])[0]
        if score < score_floor:
            continue
        grow = w * h * unclip / (w + h)  # twice DB's offset: area x unclip / perimeter each side
        corners = cv2.boxPoints(((cx, cy), (w + grow, h + grow), angle))
        boxes.append([*corners.min(0), *corners.max(0)])
        scores.append(score)
    order = np.argsort(-np.asarray(scores), kind="stable")
    return Detections(np.asarray(boxes, np.float32).reshape(-1, 4)[order], np.asarray(scores, np.float32)[order],
                      np.zeros(len(scores), int))

