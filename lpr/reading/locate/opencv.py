"""Find plate candidates in a photo with OpenCV, and pick the one a reader reads best.

Candidates come from three detectors: rows of character-like blobs (top-hat + connected components,
grouped by a horizontal closing), dense vertical edges closed into plate-shaped blobs (Sobel + morphology
+ contours), and, where one is named and installed, an OpenCV Haar cascade. The reader then reads every
candidate; the most confident reading of a plausible length wins, and its box is tightened to the
segmented characters (the labelled boxes of lpr's data surround the characters).
"""
import logging
from functools import cached_property
from pathlib import Path

import cv2
import numpy as np
from pydantic.dataclasses import dataclass

from lpr.core.boxes import box_iou
from lpr.core.formats import PlateFormats

log = logging.getLogger(__name__)

CASCADE_DIRS = [Path(cv2.data.haarcascades), Path("/usr/share/opencv4/haarcascades"),
                Path("/usr/share/opencv/haarcascades")]



@dataclass
class PlateLocator:
    """Settings of plate finding; pixel sizes are at `max_width`, to which larger photos are scaled down."""

    max_width: int = 960  # wider photos are scaled down: faster, and (train share) more plates among the candidates
    crop_margin: tuple[float, float] = (0.06, 0.2)  # grown around a candidate before reading it
    max_candidates: int = 8
    duplicate_iou: float = 0.6  # a candidate overlapping a better one this much is dropped
    # rows of character-like blobs
    tophat_size: int = 17  # wider than a character's stroke
    min_contrast: int = 30  # grey levels a stroke must stand out by
    char_height: tuple[int, int] = (8, 90)
    char_aspect: tuple[float, float] = (0.1, 1.0)
    char_fill: tuple[float, float] = (0.15, 0.9)
    char_gap: float = 1.0  # neighbours at most this times the height apart are in one row
    height_tolerance: float = 0.3
    min_chars: int = 4
    max_chars: int = 9
    # plate-shaped blobs of vertical edges
    edge_kernel: tuple[int, int] = (19, 5)  # closing that joins a plate's character edges (width, height)
    plate_aspect: tuple[float, float] = (1.5, 7.0)
    plate_area: tuple[float, float] = (0.0005, 0.05)  # fraction of the photo
    # a Haar cascade's file name (None: none), used when the file is in OpenCV's or the system's haarcascades
    # folder (opencv-data) and this OpenCV still has CascadeClassifier (4.x; 5.x moved it out)
    cascade: str | None = None
    cascade_scale: float = 1.1
    cascade_neighbours: int = 3
    # ranking by the reader
    length_penalty: float = 0.3  # confidence factor of a reading shorter than min_chars or longer than max_chars
    tighten_iou: float = 0.4  # the segmented characters replace a candidate box only if they overlap it this much

    @cached_property
    def cascade_classifier(self):
        """OpenCV's CascadeClassifier of `cascade`, or None where the file or the class (OpenCV 5) is missing."""
        found = [d / self.cascade for d in CASCADE_DIRS if self.cascade and (d / self.cascade).is_file()]
        if found and hasattr(cv2, "CascadeClassifier"):
            return cv2.CascadeClassifier(str(found[0]))
        if self.cascade:
            log.info("Haar cascade %s unavailable (file or cv2.CascadeClassifier missing); using the other detectors",
                     self.cascade)
        return None

    def candidates(self, image: np.ndarray) -> list[tuple[int, int, int, int]]:
        """Up to max_candidates boxes (x, y, w, h) in the photo's pixels, most plate-like detectors first."""
        gray = cv2.cvtColor(image, cv2.COLOR_BGR2GRAY) if image.ndim == 3 else image
        scale = min(1.0, self.max_width / gray.shape[1])
        if scale < 1.0:
            gray = cv2.resize(gray, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
        found = self.char_rows(gray) + self.cascade_boxes(gray) + self.edge_blobs(gray)
        kept = []
        for box in found:
            if all(box_iou(box, other) < self.duplicate_iou for other in kept):
                kept.append(box)
        return [tuple(int(round(v / scale)) for v in box) for box in kept[:self.max_candidates]]

    def char_rows(self, gray: np.ndarray) -> list[tuple[int, int, int, int]]:
        """Rows of >= min_chars blobs of one height, both polarities, largest rows first."""
        kernel = np.ones((self.tophat_size, self.tophat_size), np.uint8)
        rows = []
        for ink_bright in (255 - gray, gray):
            strokes = cv2.morphologyEx(ink_bright, cv2.MORPH_TOPHAT, kernel)
            level, _ = cv2.threshold(strokes, 0, 255, cv2.THRESH_BINARY | cv2.THRESH_OTSU)
            _, binary = cv2.threshold(strokes, max(level, self.min_contrast), 255, cv2.THRESH_BINARY)
            _, _, stats, _ = cv2.connectedComponentsWithStats(binary, connectivity=8)
            boxes, areas = stats[1:, :4], stats[1:, 4]
            aspect = boxes[:, 2] / boxes[:, 3]
            fill = areas / (boxes[:, 2] * boxes[:, 3])
            char_like = ((boxes[:, 3] >= self.char_height[0]) & (boxes[:, 3] <= self.char_height[1])
                         & (aspect >= self.char_aspect[0]) & (aspect <= self.char_aspect[1])
                         & (fill >= self.char_fill[0]) & ((fill <= self.char_fill[1]) | (aspect < 0.35)))
            rows += self.group_rows(boxes[char_like])
        return [box for _, box in sorted(rows, key=lambda row: -row[0])]

    def group_rows(self, boxes: np.ndarray) -> list[tuple[int, tuple[int, int, int, int]]]:
        """(count, box) per row: each blob is a thin band (its middle quarter) widened by char_gap; bands that
        touch, directly or through others, make a row. Done on the boxes, not on an image: a photo has hundreds."""
        if len(boxes) < self.min_chars:
            return []
        x, y, w, h = boxes.T.astype(np.int64)
        reach, centre = (self.char_gap * h / 2).astype(np.int64), y + h // 2
        left, right, top, bottom = x - reach, x + w + reach, centre - h // 8, centre + h // 8
        touch = ((left[:, None] <= right[None] + 1) & (left[None] <= right[:, None] + 1)
                 & (top[:, None] <= bottom[None] + 1) & (top[None] <= bottom[:, None] + 1))
        row_of = np.arange(len(boxes))
        while True:  # every blob takes the smallest row number among the blobs it touches, until none changes
            joined = np.where(touch, row_of[None], len(boxes)).min(1)
            if np.array_equal(joined, row_of):
                break
            row_of = joined
        rows = []
        for row in np.unique(row_of):
            members = boxes[row_of == row]
            heights = members[:, 3]
            members = members[np.abs(heights - np.median(heights)) <= self.height_tolerance * np.median(heights)]
            if not self.min_chars <= len(members) <= 2 * self.max_chars:
                continue
            x0, y0 = members[:, 0].min(), members[:, 1].min()
            x1, y1 = (members[:, 0] + members[:, 2]).max(), (members[:, 1] + members[:, 3]).max()
            rows.append((len(members), (int(x0), int(y0), int(x1 - x0), int(y1 - y0))))
        return rows

    def edge_blobs(self, gray: np.ndarray) -> list[tuple[int, int, int, int]]:
        """Regions dense in vertical edges, closed into blobs of a plate's shape and size."""
        edges = cv2.convertScaleAbs(cv2.Sobel(cv2.GaussianBlur(gray, (3, 3), 0), cv2.CV_16S, 1, 0))
        _, binary = cv2.threshold(edges, 0, 255, cv2.THRESH_BINARY | cv2.THRESH_OTSU)
        binary = cv2.morphologyEx(binary, cv2.MORPH_CLOSE, cv2.getStructuringElement(cv2.MORPH_RECT,
                                                                                      tuple(self.edge_kernel)))
        binary = cv2.morphologyEx(binary, cv2.MORPH_OPEN, np.ones((3, 3), np.uint8))
        contours, _ = cv2.findContours(binary, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
        boxes = np.array([cv2.boundingRect(c) for c in contours], int).reshape(-1, 4)
        area = boxes[:, 2] * boxes[:, 3] / gray.size
        aspect = boxes[:, 2] / np.maximum(1, boxes[:, 3])
        keep = ((aspect >= self.plate_aspect[0]) & (aspect <= self.plate_aspect[1])
                & (area >= self.plate_area[0]) & (area <= self.plate_area[1]))
        boxes = boxes[keep]
        return [tuple(map(int, box)) for box in boxes[np.argsort(-boxes[:, 2] * boxes[:, 3])]]

    def cascade_boxes(self, gray: np.ndarray) -> list[tuple[int, int, int, int]]:
        if self.cascade_classifier is None:
            return []
        found = self.cascade_classifier.detectMultiScale(gray, scaleFactor=self.cascade_scale,
                                               minNeighbors=self.cascade_neighbours)
        return [tuple(map(int, box)) for box in found]

    def tighten(self, box, char_box):
        """The characters' box where it tightens the candidate; a far-off one means segmentation found another row."""
        return char_box if char_box is not None and box_iou(box, char_box) >= self.tighten_iou else box

    def plausibility(self, text: str, confidence: float, formats: PlateFormats | None = None) -> float:
        """How plate-like a reading is: its confidence, lowered when its length is no plate's (no format's,
        when the region's formats are known)."""
        plate_length = formats.has_length(len(text)) if formats else self.min_chars <= len(text) <= self.max_chars
        return confidence * (1.0 if plate_length else self.length_penalty)
