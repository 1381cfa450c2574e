"""Cut a plate crop into character crops: the original's threshold + contour segmentation, made robust.

The plate is scaled to a fixed working height, thresholded (adaptive or Otsu) for dark-on-light and
light-on-dark ink, and its connected components (the bulk form of `cv2.findContours` + `boundingRect`)
are filtered by size relative to the plate. The characters are the largest row of blobs of one height
and baseline, which drops borders, bolts, state names, slogans and stickers; fragments stacked in one
column are merged and blobs as wide as two characters are split at the thinnest column. Blobs of another colour
than the row's ink (emblems, country shields, stickers) and thin bars at the crop's sides (frame edges) are
dropped. A tilted row is straightened once and segmented again, and kept if it scores no worse. The polarity
that yields the better row wins; light ink is not tried where dark ink's row already scores beyond its reach.
"""
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

import cv2
import numpy as np
import pydantic.dataclasses

from lpr.core.preprocess import pad_to_aspect
from lpr.vision.blobs import EMPTY_BOXES, drop_outliers_by_gap, lab_chroma, merge_columns, rotate


@dataclass
class Segmentation:
    """Characters of one plate, left to right: boxes (x, y, w, h) in the input crop's pixels, grey crops ink-bright."""

    char_boxes: np.ndarray  # (N, 4) int
    char_crops: list[np.ndarray]
    angle: float = 0.0  # degrees the plate was rotated by before cutting (boxes are in the rotated crop)
    dark_ink: bool = True  # the characters are darker than the plate (the polarity whose row won)

    def __len__(self) -> int:
        return len(self.char_crops)

    def extent(self, crop_origin: tuple[int, int, int, int], min_chars: int) -> tuple[int, int, int, int] | None:
        """Bounding box of the characters in the photo, for a crop cut at `crop_origin` (undoing any deskew), or
        None with fewer than min_chars."""
        boxes = self.char_boxes
        if len(boxes) < min_chars:
            return None
        x0, y0, x1, y1 = boxes[:, 0], boxes[:, 1], boxes[:, 0] + boxes[:, 2], boxes[:, 1] + boxes[:, 3]
        corners = np.stack([np.r_[x0, x1, x0, x1], np.r_[y0, y0, y1, y1]], axis=1).astype(np.float64)
        if self.angle:  # boxes are in the straightened crop: turn them back
            centre = (crop_origin[2] / 2, crop_origin[3] / 2)
            unrotate = cv2.invertAffineTransform(cv2.getRotationMatrix2D(centre, self.angle, 1.0))
            corners = corners @ unrotate[:, :2].T + unrotate[:, 2]
        (left, top), (right, bottom) = corners.min(0), corners.max(0)
        return (int(crop_origin[0] + left), int(crop_origin[1] + top), int(right - left), int(bottom - top))



# What the classic reader segments with: a plate crop -> its characters. CharSegmenter cuts them by contours;
# lpr.reading.segment.char_detector.DetectedChars by a trained character detector (segment=detector).
Segmenter = Callable[[np.ndarray], Segmentation]


@pydantic.dataclasses.dataclass  # refuses a wrong setting with its name
class CharSegmenter:
    """Settings of the segmentation; sizes are fractions of the working plate height unless named otherwise."""

    height: int = 64  # working height in pixels the plate crop is scaled to
    threshold: Literal["tophat", "adaptive", "otsu"] = "tophat"  # tophat: Otsu on the white top-hat (thin strokes)
    tophat_size: float = 0.3  # structuring element of the top-hat, wider than a stroke
    adaptive_block: float = 0.75  # neighbourhood of the adaptive threshold
    adaptive_offset: float = 8.0  # grey levels ink must stand above its neighbourhood mean
    polarity: Literal["both", "dark", "light"] = "both"  # both: the better row wins; dark: dark ink on a light plate
    dark_prior: float = 3.0  # row score light ink must beat dark ink by: most plates print dark on light
    open_size: int = 1  # pixels of erode-then-dilate that cut hair-thin links to borders (0: none)
    min_height: float = 0.25
    max_height: float = 0.95
    min_aspect: float = 0.08  # width / height of one character
    max_aspect: float = 1.0
    min_fill: float = 0.12  # ink pixels / box area: below are frames and lines
    max_fill: float = 0.85  # above are solid stickers and bolts (unless narrow, as a `1` or `I` is)
    narrow_aspect: float = 0.35  # below this width / height a solid blob may be a `1`
    height_tolerance: float = 0.2  # relative height difference still in the same row
    baseline_tolerance: float = 0.25  # vertical centre offset, as a fraction of the row height
    merge_overlap: float = 0.5  # horizontal overlap (of the narrower) that merges two stacked fragments
    split_aspect: float = 0.95  # a blob wider than this times the row height holds touching characters
    char_aspect: float = 0.55  # typical width / height, how many characters a wide blob holds
    max_gap: float = 1.6  # a character further than this times the row height from the row is not in it
    min_chars: int = 3
    max_chars: int = 9
    deskew_angle: float = 2.0  # degrees of row tilt above which the plate is straightened and cut again
    max_chroma_excess: float | None = 6.0  # Lab chroma above the row's median that marks an emblem (None: keep all)
    edge_bars: bool = True  # drop blobs narrower than narrow_aspect that touch the crop's left or right side
    char_margin: float = 0.08  # margin around each character crop
    crop_min_aspect: float = 0.5  # narrow characters are padded to this width / height, as in training

    def __call__(self, plate: np.ndarray) -> Segmentation:
        """Segment a BGR or grey plate crop."""
        gray = cv2.cvtColor(plate, cv2.COLOR_BGR2GRAY) if plate.ndim == 3 else plate
        if min(gray.shape) < 4:
            return Segmentation(EMPTY_BOXES, [])
        scale = self.height / gray.shape[0]
        work = cv2.resize(gray, (max(8, round(gray.shape[1] * scale)), self.height), interpolation=cv2.INTER_AREA
                          if scale < 1 else cv2.INTER_LINEAR)
        work = cv2.normalize(work, None, 0, 255, cv2.NORM_MINMAX)  # dim and washed-out plates alike
        # colour only where the emblem rule uses it: a grey crop, or the rule off, costs no Lab conversion
        use_colour = plate.ndim == 3 and self.max_chroma_excess is not None
        chroma = cv2.resize(lab_chroma(plate), work.shape[::-1]) if use_colour else None
        polarities = {"both": (True, False), "dark": (True,), "light": (False,)}[self.polarity]
        best = None
        for dark_ink in polarities:
            if best is not None and best[0] >= self.max_chars:  # no row scores above max_chars: light cannot win
                break
            ink_bright = 255 - work if dark_ink else work
            boxes, score = self.char_row(ink_bright, chroma)
            tilt, angle = self.row_angle(boxes), 0.0
            if abs(tilt) > self.deskew_angle:  # straightened, unless a tilt misjudged from a stray box loses the row
                rotation = cv2.getRotationMatrix2D((work.shape[1] / 2, work.shape[0] / 2), tilt, 1.0)
                straightened = rotate(ink_bright, rotation)
                straight_boxes, straight_score = self.char_row(straightened,
                                                               None if chroma is None else rotate(chroma, rotation))
                if straight_score >= score:
                    boxes, score, ink_bright, angle = straight_boxes, straight_score, straightened, tilt
            score += self.dark_prior if dark_ink else 0.0
            if best is None or score > best[0]:
                best = (score, boxes, ink_bright, angle, dark_ink)
        _, boxes, ink_bright, angle, dark_ink = best
        crops = cut_characters(ink_bright, boxes, self.char_margin, self.crop_min_aspect)
        original_boxes = np.round(boxes / scale).astype(int) if len(boxes) else EMPTY_BOXES
        return Segmentation(original_boxes, crops, angle, dark_ink)

    def binarize(self, ink_bright: np.ndarray) -> np.ndarray:
        if self.threshold in ("otsu", "tophat"):
            if self.threshold == "tophat":  # ink strokes stand out from any background, even a dark surrounding
                size = max(3, int(self.tophat_size * self.height))
                ink_bright = cv2.morphologyEx(ink_bright, cv2.MORPH_TOPHAT, np.ones((size, size), np.uint8))
            # Otsu's level from the plate's middle, so a dark frame around the crop does not decide it
            rows, cols = ink_bright.shape
            middle = ink_bright[rows // 5:rows - rows // 5, cols // 20:cols - cols // 20]
            level, _ = cv2.threshold(middle, 0, 255, cv2.THRESH_BINARY | cv2.THRESH_OTSU)
            _, binary = cv2.threshold(ink_bright, level, 255, cv2.THRESH_BINARY)
        else:
            block = int(self.adaptive_block * self.height) | 1
            binary = cv2.adaptiveThreshold(ink_bright, 255, cv2.ADAPTIVE_THRESH_MEAN_C, cv2.THRESH_BINARY, block,
                                           -self.adaptive_offset)
        if self.open_size > 0:
            kernel = np.ones((self.open_size + 1, self.open_size + 1), np.uint8)
            binary = cv2.morphologyEx(binary, cv2.MORPH_OPEN, kernel)
        return binary

    def char_row(self, ink_bright: np.ndarray, chroma: np.ndarray | None) -> tuple[np.ndarray, float]:
        """Boxes (x, y, w, h) of the characters in the working image, left to right, and how plate-like they are.

        `chroma` is the working image's Lab chroma (None: a grey input, or the emblem rule off)."""
        binary = self.binarize(ink_bright)
        _, labels, stats, _ = cv2.connectedComponentsWithStats(binary, connectivity=8)
        boxes, areas = stats[1:, :4], stats[1:, 4]
        h = self.height
        keep = (boxes[:, 3] >= 0.1 * h) & (areas >= 4)
        boxes, areas = boxes[keep], areas[keep]
        fill = areas / np.maximum(1, boxes[:, 2] * boxes[:, 3])
        aspect = boxes[:, 2] / boxes[:, 3]
        solid = (fill > self.max_fill) & (aspect > self.narrow_aspect)
        char_like = ((boxes[:, 3] >= self.min_height * h) & (boxes[:, 3] <= self.max_height * h)
                     & (aspect >= self.min_aspect) & (fill >= self.min_fill) & ~solid
                     & (boxes[:, 2] <= self.max_chars * self.char_aspect * boxes[:, 3]))
        if not char_like.any():
            return EMPTY_BOXES, 0.0
        row = self.dominant_row(boxes[char_like])
        row_top, row_bottom = row[:, 1].min(), (row[:, 1] + row[:, 3]).max()
        row_height = np.median(row[:, 3])
        # Fragments of broken characters lie inside the row band; stack them with the row's blobs.
        centre_y = boxes[:, 1] + boxes[:, 3] / 2
        in_band = (centre_y > row_top) & (centre_y < row_bottom) & (boxes[:, 3] <= row_bottom - row_top + 2) & ~solid
        merged = merge_columns(boxes[in_band], self.merge_overlap, self.max_aspect * row_height)
        heights_ok = np.abs(merged[:, 3] - row_height) <= self.height_tolerance * row_height
        merged = merged[heights_ok & (merged[:, 2] >= self.min_aspect * row_height)]
        merged = self.split_wide(merged, binary, row_height)
        merged = self.drop_non_characters(merged, binary, chroma)
        merged = drop_outliers_by_gap(merged[np.argsort(merged[:, 0])], self.max_gap * row_height)
        merged = merged[(merged[:, 2] <= self.max_aspect * row_height)]
        return merged, self.row_score(merged, binary)

    def dominant_row(self, boxes: np.ndarray) -> np.ndarray:
        """The largest set of blobs sharing one height and one vertical centre (pairwise, in bulk)."""
        heights = boxes[:, 3].astype(float)
        centres = boxes[:, 1] + heights / 2
        same_height = np.abs(heights[:, None] - heights[None, :]) <= self.height_tolerance * heights[:, None]
        same_line = np.abs(centres[:, None] - centres[None, :]) <= self.baseline_tolerance * heights[:, None]
        members = same_height & same_line
        counts = members.sum(1) + heights / (heights.max() + 1)  # ties go to the taller row
        return boxes[members[np.argmax(counts)]]

    def split_wide(self, boxes: np.ndarray, binary: np.ndarray, row_height: float) -> np.ndarray:
        """Cut blobs of touching characters at the columns with the least ink near the even cuts."""
        wide = boxes[:, 2] > self.split_aspect * row_height
        if not wide.any():
            return boxes
        pieces = [boxes[~wide]]
        for x, y, w, h in boxes[wide]:
            count = max(2, round(w / (self.char_aspect * row_height)))
            column_ink = binary[y:y + h, x:x + w].sum(0).astype(float)
            window = max(1, w // (3 * count))
            cuts = [0]
            for k in range(1, count):
                centre = k * w // count
                lo, hi = max(1, centre - window), min(w - 1, centre + window)
                cuts.append(lo + int(np.argmin(column_ink[lo:hi])) if hi > lo else centre)
            cuts.append(w)
            pieces.append(np.array([[x + a, y, b - a, h] for a, b in zip(cuts[:-1], cuts[1:]) if b - a > 1], int)
                          .reshape(-1, 4))
        return np.concatenate(pieces)

    def drop_non_characters(self, boxes: np.ndarray, binary: np.ndarray, chroma: np.ndarray | None) -> np.ndarray:
        """Drop blobs whose ink is more colourful than the row's (a shield or sticker among black characters) and
        thin bars touching the crop's sides (the plate frame where the crop cuts it)."""
        keep = np.ones(len(boxes), bool)
        if chroma is not None and len(boxes) > 2:
            ink = [chroma[y:y + h, x:x + w][binary[y:y + h, x:x + w] > 0] for x, y, w, h in boxes]
            ink_chroma = np.array([pixels.mean() if pixels.size else 0.0 for pixels in ink])
            keep &= ink_chroma <= np.median(ink_chroma) + self.max_chroma_excess
        if self.edge_bars:
            touches_side = (boxes[:, 0] <= 0) | (boxes[:, 0] + boxes[:, 2] >= binary.shape[1])
            keep &= ~(touches_side & (boxes[:, 2] < self.narrow_aspect * boxes[:, 3]))
        return boxes[keep]

    def row_score(self, boxes: np.ndarray, binary: np.ndarray) -> float:
        """More characters (up to max_chars) of one height score higher; a crowded row, or one of many solid bars
        (the gaps between characters, seen in the wrong polarity), scores lower."""
        n = len(boxes)
        if n == 0:
            return 0.0
        spread = np.std(boxes[:, 3]) / max(1.0, np.mean(boxes[:, 3]))
        excess = max(0, n - self.max_chars)
        ink = cv2.integral(binary // 255)
        x0, y0, x1, y1 = boxes[:, 0], boxes[:, 1], boxes[:, 0] + boxes[:, 2], boxes[:, 1] + boxes[:, 3]
        fill = (ink[y1, x1] - ink[y0, x1] - ink[y1, x0] + ink[y0, x0]) / (boxes[:, 2] * boxes[:, 3])
        solid_bars = max(0, int(np.count_nonzero(fill > self.max_fill)) - 2)
        return min(n, self.max_chars) - 2 * excess - spread - solid_bars

    def row_angle(self, boxes: np.ndarray) -> float:
        """Tilt in degrees of the line through the characters' bottoms (0 with fewer than min_chars)."""
        if len(boxes) < self.min_chars:
            return 0.0
        slope = np.polyfit(boxes[:, 0] + boxes[:, 2] / 2, boxes[:, 1] + boxes[:, 3], 1)[0]
        return float(np.degrees(np.arctan(slope)))



def cut_characters(ink_bright: np.ndarray, boxes: np.ndarray, char_margin: float, min_aspect: float) -> list[np.ndarray]:
    """Grey crops of (x, y, w, h) boxes with a margin (a fraction of each height), narrow ones padded with background
    to `min_aspect` width / height: character crops as the character CNN trained on them."""
    crops = []
    for x, y, w, h in boxes:
        margin = max(1, round(char_margin * h))
        crop = ink_bright[max(0, y - margin):y + h + margin, max(0, x - margin):x + w + margin]
        background = int(np.median(np.concatenate([crop[0], crop[-1], crop[:, 0], crop[:, -1]])))
        crops.append(pad_to_aspect(crop, min_aspect, background))
    return crops
