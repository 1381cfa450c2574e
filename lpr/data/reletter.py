"""Real plates with new registrations: the train share's photos, their characters painted out and a generated
string drawn in their place, so the recognizer sees real backgrounds (state names, slogans, emblems, frames, dirt,
real blur and light) under many more strings than the few real plates it has.

A real plate is used only where the classic segmenter finds exactly as many characters as its label has (and
no tilt): then the characters' boxes and polarity are known, their strokes are inpainted (`cv2.inpaint`)
and the row's height, extent and ink grey are kept. Each draw renders a new string with the plate generator's
fonts and patterns (`lpr.data.synth_plates.PlateSynth`) into that row.
"""
import logging
from dataclasses import dataclass
from typing import Annotated

import cv2
import numpy as np
from pydantic import Field, NonNegativeFloat, PositiveInt, SkipValidation, validate_call

from lpr.core.config import PositiveRange
from lpr.data.plate_crops import PlateCrops
from lpr.data.samples import PlateSample
from lpr.vision.segment import CharSegmenter
from lpr.data.synth_chars import GLYPH_HEIGHT
from lpr.data.synth_plates import PlateSynth, plate_label

log = logging.getLogger(__name__)


@dataclass
class BlankPlate:
    """A real plate crop with its characters painted out, and where and how they were printed."""

    image: np.ndarray  # grey crop with room for box jitter, characters inpainted
    box: tuple[int, int, int, int]  # the labelled plate box inside `image`
    row: tuple[int, int, int, int]  # x, y, w, h of the characters' row inside `image`
    ink: float  # grey level of the original characters


def blank_plate(image: np.ndarray, box: tuple[int, int, int, int], text: str, segmenter: CharSegmenter,
                mask_pad: float) -> BlankPlate | None:
    """The plate with its characters inpainted, or None where the segmenter does not find exactly `text`'s count
    of characters in one straight row (their boxes would not be the characters')."""
    bx, by, bw, bh = box
    segmentation = segmenter(image[by:by + bh, bx:bx + bw])
    if len(segmentation) != len(text) or segmentation.angle:
        return None
    chars = segmentation.char_boxes + [bx, by, 0, 0]
    char_height = int(np.median(chars[:, 3]))
    # the strokes: in each character's box, the pixels on the ink side of Otsu's level, grown by `mask_pad` so
    # that their blurred edges go too; inpainting only them keeps the plate around and between them
    ink_bright = 255 - image if segmentation.dark_ink else image
    strokes = np.zeros(image.shape, np.uint8)
    for x, y, w, h in chars:
        _, strokes[y:y + h, x:x + w] = cv2.threshold(ink_bright[y:y + h, x:x + w], 0, 255,
                                                     cv2.THRESH_BINARY | cv2.THRESH_OTSU)
    ink = np.median(image[strokes > 0])
    pad = 2 * max(1, round(mask_pad * char_height)) + 1
    mask = cv2.dilate(strokes, np.ones((pad, pad), np.uint8))
    background = cv2.inpaint(image, mask, 3, cv2.INPAINT_TELEA)
    left, right = chars[:, 0].min(), (chars[:, 0] + chars[:, 2]).max()
    row = (int(left), int(np.median(chars[:, 1])), int(right - left), char_height)
    return BlankPlate(background, box, row, float(ink))


class ReletteredCrops(PlateCrops):
    """Training crops of real plates with a new generated registration each draw, labelled with it."""

    @validate_call(config={"arbitrary_types_allowed": True})  # refuse wrong settings with their name
    def __init__(self, samples: SkipValidation[list[PlateSample]], height: PositiveInt, width: PositiveInt,
                 synth: PlateSynth, segmenter: CharSegmenter | None = None, augment=None,
                 box_jitter: tuple[float, float] | None = None, mask_pad: NonNegativeFloat = 0.1,
                 width_range: PositiveRange = (0.75, 1.15),
                 edge_room: Annotated[float, Field(ge=0, lt=0.5)] = 0.15, seed: int = 0,
                 crops: SkipValidation[list[tuple[np.ndarray, tuple[int, int, int, int]]] | None] = None):
        super().__init__(samples, height, width, augment, box_jitter, seed, crops)
        self.synth, self.width_range, self.edge_room = synth, width_range, edge_room
        segmenter = segmenter or CharSegmenter()
        blanks = [blank_plate(image, box, sample.text, segmenter, mask_pad)
                  for (image, box), sample in zip(self.crops or [], samples)]
        self.blanks = [blank for blank in blanks if blank is not None]
        log.info("Re-lettered plates: %d of %d real train plates segment into their label's characters",
                 len(self.blanks), len(samples))

    def __len__(self):
        return len(self.blanks)

    def example(self, index: int) -> tuple[np.ndarray, str]:
        blank = self.blanks[index]
        printed = self.synth.plate_string(self.rng)
        image = self.draw(blank, self.synth.text_mask(printed, self.rng)[0])
        return self.cut(image, blank.box), plate_label(printed)

    def draw(self, blank: BlankPlate, text_mask: np.ndarray) -> np.ndarray:
        """The blank plate with the registration's ink (float 0..1, GLYPH_HEIGHT tall) drawn in its row: at the row's
        height, about its width (a longer or shorter string is squeezed or stretched within `width_range`),
        centred where the old one was but `edge_room` row heights inside the plate box, blurred like the photo."""
        x, y, w, h = blank.row
        image = blank.image.copy()
        plate_x, _, plate_w, _ = blank.box
        room = max(1, round(self.edge_room * h))  # the plate's edge stays clear, as printed plates keep it
        natural = text_mask.shape[1] * h / GLYPH_HEIGHT
        width = int(min(np.clip(natural, *np.multiply(self.width_range, w)), plate_w - 2 * room))
        left = int(np.clip(round(x + w / 2 - width / 2), plate_x + room, plate_x + plate_w - room - width))
        h = min(h, image.shape[0] - y)
        ink = cv2.resize(text_mask, (width, h), interpolation=cv2.INTER_AREA)
        sigma = self.rng.uniform(0.0, 0.04) * h
        if sigma > 0.3:
            ink = cv2.GaussianBlur(ink, (0, 0), sigma)
        face = image[y:y + h, left:left + width].astype(np.float32)
        image[y:y + h, left:left + width] = np.clip(face + ink * (blank.ink - face), 0, 255)
        return image
