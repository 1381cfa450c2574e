"""How a plate's registration is laid out before it is painted: one style of characters a plate (font, stroke,
width, spacing), in one row, in two rows, or with two small characters stacked at one end, an emblem beside it,
and each character's box, in reading order, so every generated plate knows where its characters are."""
from typing import NamedTuple

import cv2
import numpy as np

from lpr.core.alphabet import ALPHABET
from lpr.core.formats import SEPARATORS, without_separators
from lpr.data.plate_decor import emblem
from lpr.data.plate_style import wobble
from lpr.data.synth_chars import GLYPH_HEIGHT, HERSHEY_FONTS, glyph


class TextStyle(NamedTuple):
    """How one plate's characters are drawn: every character of a plate shares it."""
    font: str
    stroke: int  # pixels at glyph height 64: > 0 thickens, < 0 thins
    width_scale: float
    gap: int  # pixels between characters at glyph height 64


class RegistrationLayout:
    """The layout half of the plate generator (lpr.data.synth_plates.PlateSynth), which holds the settings it reads:
    `fonts`, `stroke`, `width_scale`, `gap`, `two_rows_p`, `stacked_p`, `side_emblem_p` and `distortion`."""

    def text_style(self, rng: np.random.Generator) -> TextStyle:
        font = self.fonts[rng.integers(len(self.fonts))]
        return TextStyle(font, int(rng.integers(self.stroke[0], self.stroke[1] + 1)), rng.uniform(*self.width_scale),
                         round(rng.uniform(*self.gap) * GLYPH_HEIGHT))

    def character(self, c: str, style: TextStyle, height: int = GLYPH_HEIGHT) -> np.ndarray:
        """One character's ink (uint8) in `style`, `height` tall."""
        mask = glyph(style.font, c, max(0, style.stroke))
        if style.stroke < 0 and style.font not in HERSHEY_FONTS:  # Hershey strokes are too thin to thin
            mask = cv2.erode(mask, np.ones((3, 3), np.uint8), iterations=-style.stroke)
        width = max(2, round(mask.shape[1] * style.width_scale * height / mask.shape[0]))
        return cv2.resize(mask, (width, height), interpolation=cv2.INTER_AREA)

    def text_mask(self, printed: str, rng: np.random.Generator, style: TextStyle | None = None
                  ) -> tuple[np.ndarray, np.ndarray]:
        """Ink (float32 0..1) of `printed` in one row at character height GLYPH_HEIGHT, one style per plate, and
        each label character's box (x0, y0, x1, y1) in it."""
        style = style or self.text_style(rng)
        pieces, boxes, x = [], [], 0

        def place(piece: np.ndarray, box: bool):
            nonlocal x
            if box:
                boxes.append((x, 0, x + piece.shape[1], GLYPH_HEIGHT))
            pieces.extend([piece, np.zeros((GLYPH_HEIGHT, style.gap), np.uint8)])
            x += piece.shape[1] + style.gap

        for c in printed:
            if c == " ":
                place(np.zeros((GLYPH_HEIGHT, GLYPH_HEIGHT // 3), np.uint8), False)
            elif c in "-.":
                piece = np.zeros((GLYPH_HEIGHT, GLYPH_HEIGHT // 3 if c == "-" else GLYPH_HEIGHT // 6), np.uint8)
                thickness, mid = GLYPH_HEIGHT // 10 + max(0, style.stroke), GLYPH_HEIGHT // 2
                if c == "-":
                    cv2.rectangle(piece, (2, mid - thickness // 2), (piece.shape[1] - 3, mid + thickness // 2), 255, -1)
                else:
                    cv2.circle(piece, (piece.shape[1] // 2, mid), thickness // 2 + 2, 255, -1)
                place(piece, False)
            elif c == "*":
                place(emblem(rng, (0.4, 0.8), figure_p=0.0), False)
            else:
                place(self.character(c, style), True)
        ink = np.hstack(pieces[:-1]).astype(np.float32) / 255
        return ink, np.array(boxes, np.float32).reshape(-1, 4)

    def registration(self, printed: str, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray, str]:
        """The registration's ink as laid out on the plate: one row, two rows, or two small characters stacked at
        one end (read top first), an emblem beside it; each label character's box in reading order; the label."""
        style = self.text_style(rng)
        label = without_separators(printed)
        if len(label) >= 4 and self.two_rows_p and rng.random() < self.two_rows_p:
            gaps = [i for i, c in enumerate(printed) if c in SEPARATORS and 0 < i < len(printed) - 1]
            cut = gaps[rng.integers(len(gaps))] if gaps else len(printed) // 2
            ink, boxes = self.two_rows(printed[:cut].strip(SEPARATORS), printed[cut:].strip(SEPARATORS), style, rng)
        else:
            ink, boxes = self.text_mask(printed, rng, style)
            if self.stacked_p and rng.random() < self.stacked_p:
                pair = "".join(ALPHABET[i] for i in rng.integers(len(ALPHABET), size=2))
                ink, boxes, label = self.with_stacked(ink, boxes, label, pair, style, rng)
        if self.side_emblem_p and rng.random() < self.side_emblem_p:  # no draw at 0: other plates stay as they were
            side = emblem(rng, (0.6, 1.0), figure_p=0.4).astype(np.float32) / 255
            space = np.zeros((ink.shape[0], 2 * style.gap + GLYPH_HEIGHT // 8), np.float32)
            top = (ink.shape[0] - GLYPH_HEIGHT) // 2
            side = np.pad(side, ((top, ink.shape[0] - GLYPH_HEIGHT - top), (0, 0)))
            if rng.random() < 0.8:
                boxes = boxes + [side.shape[1] + space.shape[1], 0, side.shape[1] + space.shape[1], 0]
                ink = np.hstack([side, space, ink])
            else:
                ink = np.hstack([ink, space, side])
        return wobble(ink, self.distortion * GLYPH_HEIGHT, rng), boxes, label

    def two_rows(self, upper: str, lower: str, style: TextStyle, rng: np.random.Generator
                 ) -> tuple[np.ndarray, np.ndarray]:
        """Two rows, centred, the upper one 0.55-1.0 of the lower's height; the boxes of both, upper first."""
        top_ink, top_boxes = self.text_mask(upper, rng, style)
        bottom_ink, bottom_boxes = self.text_mask(lower, rng, style)
        scale = rng.uniform(0.55, 1.0)
        top_ink = cv2.resize(top_ink, (max(1, round(top_ink.shape[1] * scale)), round(GLYPH_HEIGHT * scale)),
                             interpolation=cv2.INTER_AREA)
        top_boxes = top_boxes * scale
        spacing = round(GLYPH_HEIGHT * rng.uniform(0.1, 0.25))
        width = max(top_ink.shape[1], bottom_ink.shape[1])
        ink = np.zeros((top_ink.shape[0] + spacing + GLYPH_HEIGHT, width), np.float32)
        top_x, bottom_x, bottom_y = (width - top_ink.shape[1]) // 2, (width - bottom_ink.shape[1]) // 2, \
            top_ink.shape[0] + spacing
        ink[:top_ink.shape[0], top_x:top_x + top_ink.shape[1]] = top_ink
        ink[bottom_y:, bottom_x:bottom_x + bottom_ink.shape[1]] = bottom_ink
        return ink, np.concatenate([top_boxes + [top_x, 0, top_x, 0],
                                    bottom_boxes + [bottom_x, bottom_y, bottom_x, bottom_y]])

    def with_stacked(self, ink: np.ndarray, boxes: np.ndarray, label: str, pair: str, style: TextStyle,
                     rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray, str]:
        """The row with two small characters stacked at its left (mostly) or right end; the label reads them
        top first, where they stand."""
        half = round(GLYPH_HEIGHT * rng.uniform(0.4, 0.47))
        upper, lower = (self.character(c, style, half).astype(np.float32) / 255 for c in pair)
        width = max(upper.shape[1], lower.shape[1])
        stack = np.zeros((GLYPH_HEIGHT, width), np.float32)
        stack[:half, :upper.shape[1]] = upper
        stack[GLYPH_HEIGHT - half:, :lower.shape[1]] = lower
        stack_boxes = np.array([[0, 0, upper.shape[1], half],
                                [0, GLYPH_HEIGHT - half, lower.shape[1], GLYPH_HEIGHT]], np.float32)
        space = np.zeros((GLYPH_HEIGHT, style.gap), np.float32)
        if rng.random() < 0.7:
            shift = width + style.gap
            return (np.hstack([stack, space, ink]),
                    np.concatenate([stack_boxes, boxes + [shift, 0, shift, 0]]), pair + label)
        shift = ink.shape[1] + style.gap
        return np.hstack([ink, space, stack]), np.concatenate([boxes, stack_boxes + [shift, 0, shift, 0]]), label + pair
