"""Plate typefaces drawn from strokes: the monoline DIN 1451 shapes that most of the world's plates are printed in
(German and many other European registrations, Brazil's grey plates), which no installed package ships.

A reader trained only on the fonts of installed packages reads a DIN 6 or 9, whose tail is a straight diagonal,
as a 5, and a flat-topped 3 as a 7. Each glyph here is a few polylines in a unit box (x right, y down, arcs as
ellipse segments), drawn with a round pen of the plate's stroke width, so thickness and condensation stay the
generator's axes (`stroke`, `width_scale`). Two families: `din` (flat-topped 3, straight-tailed 6 and 9, closed 4,
a flag on the 1) and `din_round` (the rounder variants many plates use: round-topped 3, curved tails, open 4, a
foot under the 1).
"""
from functools import lru_cache

import cv2
import numpy as np

Stroke = list[tuple[float, float]]


def arc(cx: float, cy: float, rx: float, ry: float, start: float, end: float) -> Stroke:
    """Points along an ellipse from angle `start` to `end` (degrees; 0 right, 90 down, -90 up)."""
    angles = np.radians(np.linspace(start, end, max(3, int(abs(end - start) / 10) + 1)))
    return list(zip(cx + rx * np.cos(angles), cy + ry * np.sin(angles)))


def flipped(strokes: list[Stroke]) -> list[Stroke]:
    """The glyph turned half a turn: a DIN 9 is its 6 upside down."""
    return [[(1 - x, 1 - y) for x, y in stroke] for stroke in strokes]


STADIUM = arc(0.5, 0.27, 0.5, 0.27, 180, 360) + arc(0.5, 0.73, 0.5, 0.27, 0, 180)
STADIUM = STADIUM + STADIUM[:1]
SIX = [[(0.78, 0.0), (0.1, 0.52)], arc(0.5, 0.69, 0.48, 0.31, 0, 360)]
SIX_ROUND = [arc(0.5, 0.3, 0.45, 0.3, -40, -180) + arc(0.5, 0.69, 0.48, 0.31, 180, 540)]
CUP = arc(0.5, 0.72, 0.5, 0.28, 180, 0)  # the bowl of U and J, from the left over the bottom to the right
BOWL_C = arc(0.5, 0.27, 0.5, 0.27, -35, -180) + arc(0.5, 0.73, 0.5, 0.27, 180, 35)
P_BOWL = [(0.0, 1.0), (0.0, 0.0), (0.58, 0.0)] + arc(0.58, 0.27, 0.42, 0.27, -90, 90) + [(0.0, 0.54)]

# (width as a fraction of the height, strokes) for each character of the din family
DIN: dict[str, tuple[float, list[Stroke]]] = {
    "0": (0.5, [STADIUM]),
    "1": (0.36, [[(0.0, 0.28), (0.85, 0.0), (0.85, 1.0)]]),
    "2": (0.5, [arc(0.5, 0.27, 0.5, 0.27, -170, 30) + [(0.0, 1.0), (1.0, 1.0)]]),
    "3": (0.5, [[(0.05, 0.0), (0.95, 0.0), (0.38, 0.4)] + arc(0.5, 0.69, 0.5, 0.31, -110, 150)]),
    "4": (0.52, [[(0.72, 1.0), (0.72, 0.0), (0.0, 0.7), (1.0, 0.7)]]),
    "5": (0.5, [[(0.92, 0.0), (0.1, 0.0), (0.05, 0.47)] + arc(0.5, 0.69, 0.5, 0.31, -135, 150)]),
    "6": (0.5, SIX),
    "7": (0.5, [[(0.0, 0.0), (1.0, 0.0), (0.3, 1.0)]]),
    "8": (0.5, [arc(0.5, 0.24, 0.42, 0.24, 0, 360), arc(0.5, 0.72, 0.5, 0.28, 0, 360)]),
    "9": (0.5, flipped(SIX)),
    "A": (0.56, [[(0.0, 1.0), (0.5, 0.0), (1.0, 1.0)], [(0.2, 0.66), (0.8, 0.66)]]),
    "B": (0.52, [[(0.0, 1.0), (0.0, 0.0), (0.55, 0.0)] + arc(0.55, 0.24, 0.4, 0.24, -90, 90) + [(0.0, 0.48)],
                 [(0.55, 0.48)] + arc(0.55, 0.74, 0.45, 0.26, -90, 90) + [(0.0, 1.0)]]),
    "C": (0.52, [BOWL_C]),
    "D": (0.54, [[(0.0, 0.0), (0.45, 0.0)] + arc(0.45, 0.4, 0.55, 0.4, -90, 0)
                 + arc(0.45, 0.6, 0.55, 0.4, 0, 90) + [(0.0, 1.0), (0.0, 0.0)]]),
    "E": (0.46, [[(1.0, 0.0), (0.0, 0.0), (0.0, 1.0), (1.0, 1.0)], [(0.0, 0.5), (0.85, 0.5)]]),
    "F": (0.46, [[(1.0, 0.0), (0.0, 0.0), (0.0, 1.0)], [(0.0, 0.5), (0.85, 0.5)]]),
    "G": (0.54, [arc(0.5, 0.27, 0.5, 0.27, -35, -180) + arc(0.5, 0.73, 0.5, 0.27, 180, 0)
                 + [(1.0, 0.52), (0.55, 0.52)]]),
    "H": (0.52, [[(0.0, 0.0), (0.0, 1.0)], [(1.0, 0.0), (1.0, 1.0)], [(0.0, 0.5), (1.0, 0.5)]]),
    "I": (0.0, [[(0.0, 0.0), (0.0, 1.0)]]),
    "J": (0.46, [[(1.0, 0.0), (1.0, 0.72)] + arc(0.5, 0.72, 0.5, 0.28, 0, 160)]),
    "K": (0.52, [[(0.0, 0.0), (0.0, 1.0)], [(1.0, 0.0), (0.0, 0.66)], [(0.32, 0.42), (1.0, 1.0)]]),
    "L": (0.44, [[(0.0, 0.0), (0.0, 1.0), (1.0, 1.0)]]),
    "M": (0.64, [[(0.0, 1.0), (0.0, 0.0), (0.5, 0.7), (1.0, 0.0), (1.0, 1.0)]]),
    "N": (0.54, [[(0.0, 1.0), (0.0, 0.0), (1.0, 1.0), (1.0, 0.0)]]),
    "O": (0.58, [STADIUM]),
    "P": (0.5, [P_BOWL]),
    "Q": (0.58, [STADIUM, [(0.6, 0.72), (1.0, 1.08)]]),
    "R": (0.52, [P_BOWL, [(0.45, 0.54), (1.0, 1.0)]]),
    "S": (0.52, [arc(0.5, 0.26, 0.48, 0.24, -25, -270) + arc(0.5, 0.74, 0.5, 0.26, -90, 155)]),
    "T": (0.5, [[(0.0, 0.0), (1.0, 0.0)], [(0.5, 0.0), (0.5, 1.0)]]),
    "U": (0.52, [[(0.0, 0.0)] + CUP + [(1.0, 0.0)]]),
    "V": (0.56, [[(0.0, 0.0), (0.5, 1.0), (1.0, 0.0)]]),
    "W": (0.78, [[(0.0, 0.0), (0.22, 1.0), (0.5, 0.25), (0.78, 1.0), (1.0, 0.0)]]),
    "X": (0.54, [[(0.0, 0.0), (1.0, 1.0)], [(1.0, 0.0), (0.0, 1.0)]]),
    "Y": (0.56, [[(0.0, 0.0), (0.5, 0.5), (1.0, 0.0)], [(0.5, 0.5), (0.5, 1.0)]]),
    "Z": (0.5, [[(0.0, 0.0), (1.0, 0.0), (0.0, 1.0), (1.0, 1.0)]]),
}
DIN_ROUND = {
    **DIN,
    "1": (0.45, [[(0.1, 0.25), (0.6, 0.0), (0.6, 1.0)], [(0.15, 1.0), (1.0, 1.0)]]),
    "3": (0.5, [arc(0.5, 0.25, 0.46, 0.25, -160, 90)[:-1] + [(0.45, 0.5)] + arc(0.5, 0.73, 0.5, 0.27, -90, 160)]),
    "4": (0.54, [[(0.55, 0.0), (0.0, 0.68), (1.0, 0.68)], [(0.75, 0.32), (0.75, 1.0)]]),
    "6": (0.5, SIX_ROUND),
    "9": (0.5, flipped(SIX_ROUND)),
    "7": (0.5, [[(0.0, 0.0), (1.0, 0.0), (0.62, 0.45), (0.45, 1.0)]]),
}
STROKE_FONTS = {"din": DIN, "din_round": DIN_ROUND}
PEN = 0.14  # stroke width / glyph height at stroke 0, as DIN 1451 Mittelschrift's


@lru_cache(maxsize=None)
def stroke_glyph(font: str, char: str, stroke: int, height: int) -> np.ndarray:
    """Tight ink mask (uint8, ink 255) of one character, `height` pixels tall; `stroke` widens the pen by 2 pixels
    a step at height 64, as it thickens the other fonts."""
    width, strokes = STROKE_FONTS[font][char]
    pen = max(2.0, height * PEN + 2 * stroke * height / 64)
    scale, pad = 16, pen  # points in 1/16 pixel (cv2's `shift`) for smooth curves
    box = np.array([max(width * height, 1.0), height - pen])
    canvas = np.zeros((int(height + 3 * pad), int(box[0] + 3 * pad)), np.uint8)
    for points in strokes:
        xy = (np.array(points) * box + pad + pen / 2 * np.array([0, 1])) * scale
        cv2.polylines(canvas, [xy.round().astype(np.int32)], False, 255, int(round(pen)), cv2.LINE_AA, shift=4)
    ys, xs = np.nonzero(canvas > 64)
    return canvas[ys.min():ys.max() + 1, xs.min():xs.max() + 1]
