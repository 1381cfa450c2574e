"""Generated whole-plate crops for the whole-plate recognizer, so it trains with no unlicensed data.

A plate string is drawn from a pattern (`9` digit, `A` letter, `X` either, `-` dash, `.` dot, space gap,
`*` an emblem between groups as many US plates have; `free` for any 2-8 characters) with the character
generator's glyphs (`lpr.data.synth_chars.glyph`), on a coloured plate with optional frame, bolts, region text above and
below, stickers, an emblem or pictogram beside the registration (a state logo, a wheelchair sign) and an EU-style
band. The plate is then put in a cluttered surrounding, warped in perspective, cropped tight or loose, shrunk
to a small photo-like height, blurred, noised and JPEG-compressed. Each sample is deterministic from (seed,
split, index); a split is cached on disk as `labels.csv` (`image,text`) beside its PNGs, once per settings hash.
"""
import csv
import logging
import os
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict, field
from itertools import repeat
from pathlib import Path
from typing import ClassVar

import cv2
import numpy as np
from pydantic.dataclasses import dataclass

from lpr.core.alphabet import ALPHABET
from lpr.core.errors import LprError
from lpr.data.plate_decor import band_code, emblem, region_text
from lpr.data.synth_chars import GLYPH_HEIGHT, CachedGenerator, check_fonts, glyph

log = logging.getLogger(__name__)

DIGITS, LETTERS = ALPHABET[:10], ALPHABET[10:]
PATTERN_CHARS = {"9": DIGITS, "A": LETTERS, "X": ALPHABET}
SEPARATORS = "-. *"

def plate_label(printed: str) -> str:
    """The label of a printed plate string: its characters without separators and emblems."""
    return "".join(c for c in printed if c not in SEPARATORS)


@dataclass
class PlateSynth(CachedGenerator):
    """Settings of the plate generator; `ensure(cache_dir)` returns a root with `{split}/labels.csv`."""

    cache_prefix: ClassVar[str] = "synth-plates"

    patterns: list[str] = field(default_factory=lambda: [
        "999AAA", "AAA999", "AAA9999", "9AAA999", "AA999AA", "AAA-9999", "AA-999-AA", "999 AAA", "AA 9999",
        "AAA 999", "9A99999", "AA99AAA", "A-AA 9999", "XXX*XXX", "XX*XXXX", "free"])
    free_length: tuple[int, int] = (2, 8)
    fonts: list[str] = field(default_factory=lambda: [
        "dejavu_sans", "dejavu_sans_bold", "dejavu_sans_mono", "dejavu_sans_mono_bold", "cm_sans",
        "hershey_simplex", "hershey_duplex", "hershey_complex"])
    count: dict[str, int] = field(default_factory=lambda: {"train": 40000, "val": 1000, "test": 1000})
    seed: int = 0
    max_stroke: int = 3  # extra stroke width in pixels at glyph height 64
    width_scale: tuple[float, float] = (0.5, 1.1)  # character width / natural width
    gap: tuple[float, float] = (0.04, 0.3)  # space between characters, fraction of character height
    text_fraction: tuple[float, float] = (0.4, 0.8)  # character height / plate height
    side_margin: tuple[float, float] = (0.1, 0.7)  # plate edge to text, fraction of character height
    region_text_p: float = 0.6  # chance of a line of region text above; the same again below
    band_p: float = 0.2  # EU-style coloured band with a country code at the left
    frame_p: float = 0.4
    bolts_p: float = 0.3
    sticker_p: float = 0.3
    side_emblem_p: float = 0.0  # an emblem or pictogram left (mostly) or right of the registration, never read
    inverted_p: float = 0.1  # light characters on a dark plate
    perspective: float = 0.08  # corner displacement, fraction of plate height and width
    max_rotation: float = 5.0  # degrees
    crop_margin: tuple[float, float] = (-0.04, 0.25)  # per side, fraction of plate height; < 0 cuts into it
    out_height: tuple[int, int] = (16, 64)  # crop height in pixels after shrinking
    blur_sigma: tuple[float, float] = (0.0, 1.0)  # at output size
    noise_sigma: tuple[float, float] = (0.0, 10.0)
    jpeg_quality: tuple[int, int] = (25, 95)

    def __post_init__(self):
        self.count = {str(split): int(n) for split, n in self.count.items()}  # plain dict: it is part of the key
        check_fonts(self.fonts)
        bad = [p for p in self.patterns if p != "free" and (set(p) - set(PATTERN_CHARS) - set(SEPARATORS)
                                                          or not set(p) & set(PATTERN_CHARS))]
        if bad or not self.patterns:
            raise LprError(f"data.synth.patterns: {bad or 'empty'}; use 9 (digit), A (letter), X (either), "
                           f"separators '-', '.', ' ', '*' (an emblem), or `free`")

    def generate(self, root: Path) -> dict:
        """Every core renders: plate i of a split depends only on (seed, split, i), so the files are the same."""
        with ProcessPoolExecutor(max_workers=len(os.sched_getaffinity(0))) as pool:  # the cores this process may use
            for split_index, (split, count) in enumerate(self.count.items()):
                folder = root / split
                folder.mkdir(parents=True)
                texts = pool.map(self.write_plate, repeat(folder), repeat(split_index), range(count), chunksize=200)
                with open(folder / "labels.csv", "w", newline="") as labels:
                    writer = csv.writer(labels)
                    writer.writerow(["image", "text"])
                    writer.writerows([f"{i:06d}.png", text] for i, text in enumerate(texts))
        return asdict(self)

    def write_plate(self, folder: Path, split_index: int, i: int) -> str:
        crop, text = self.render(np.random.default_rng([self.seed, split_index, i]))
        cv2.imwrite(str(folder / f"{i:06d}.png"), crop)
        return text

    def plate_string(self, rng: np.random.Generator) -> str:
        """A plate as printed, separators included: the label is the same string without them."""
        pattern = self.patterns[rng.integers(len(self.patterns))]
        if pattern == "free":
            pattern = "X" * int(rng.integers(self.free_length[0], self.free_length[1] + 1))
            if len(pattern) >= 4 and rng.random() < 0.4:
                cut = int(rng.integers(1, len(pattern)))
                pattern = pattern[:cut] + SEPARATORS[rng.integers(len(SEPARATORS))] + pattern[cut:]
        return "".join(PATTERN_CHARS[c][rng.integers(len(PATTERN_CHARS[c]))] if c in PATTERN_CHARS else c
                       for c in pattern)

    def render(self, rng: np.random.Generator, printed: str | None = None) -> tuple[np.ndarray, str]:
        """One grey uint8 plate crop and its label; `printed` fixes the string (separators allowed)."""
        printed = self.plate_string(rng) if printed is None else printed
        ink_mask = self.text_mask(printed, rng)
        plate, plate_corners = self.draw_plate(ink_mask, rng)
        crop = self.photograph(plate, plate_corners, rng)
        return crop, plate_label(printed)

    def text_mask(self, printed: str, rng: np.random.Generator) -> np.ndarray:
        """Ink (float32 0..1) of the registration at character height GLYPH_HEIGHT, one font per plate."""
        font = self.fonts[rng.integers(len(self.fonts))]
        stroke = int(rng.integers(self.max_stroke + 1))
        width_scale = rng.uniform(*self.width_scale)
        gap = round(rng.uniform(*self.gap) * GLYPH_HEIGHT)
        pieces = []
        for c in printed:
            if c == " ":
                piece = np.zeros((GLYPH_HEIGHT, GLYPH_HEIGHT // 3), np.uint8)
            elif c in "-.":
                piece = np.zeros((GLYPH_HEIGHT, GLYPH_HEIGHT // 3 if c == "-" else GLYPH_HEIGHT // 6), np.uint8)
                thickness, mid = GLYPH_HEIGHT // 10 + stroke, GLYPH_HEIGHT // 2
                if c == "-":
                    cv2.rectangle(piece, (2, mid - thickness // 2), (piece.shape[1] - 3, mid + thickness // 2), 255, -1)
                else:
                    cv2.circle(piece, (piece.shape[1] // 2, mid), thickness // 2 + 2, 255, -1)
            elif c == "*":
                piece = emblem(rng, (0.4, 0.8), figure_p=0.0)
            else:
                mask = glyph(font, c, stroke)
                width = max(2, round(mask.shape[1] * width_scale * GLYPH_HEIGHT / mask.shape[0]))
                piece = cv2.resize(mask, (width, GLYPH_HEIGHT), interpolation=cv2.INTER_AREA)
            pieces += [piece, np.zeros((GLYPH_HEIGHT, gap), np.uint8)]
        pieces.pop()
        if self.side_emblem_p and rng.random() < self.side_emblem_p:  # no draw at 0: other plates stay as they were
            side = emblem(rng, (0.6, 1.0), figure_p=0.4)
            beside = [side, np.zeros((GLYPH_HEIGHT, 2 * gap + GLYPH_HEIGHT // 8), np.uint8)]
            pieces = beside + pieces if rng.random() < 0.8 else pieces + beside[::-1]
        return np.hstack(pieces).astype(np.float32) / 255

    def draw_plate(self, ink_mask: np.ndarray, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
        """The plate face (BGR uint8) around the registration, and its 4 corners (x, y)."""
        text_h, text_w = ink_mask.shape
        plate_h = round(text_h / rng.uniform(*self.text_fraction))
        margins = (rng.uniform(*self.side_margin, size=2) * text_h).round().astype(int)
        band_w = round(text_h * rng.uniform(0.4, 0.6)) if rng.random() < self.band_p else 0
        plate_w = text_w + margins.sum() + band_w
        light = rng.uniform(150, 255, 3)
        light[rng.integers(3)] = rng.uniform(200, 255)  # white, yellow, pale blue and the like
        dark = rng.uniform(0, 90, 3)
        background, ink = (dark, light) if rng.random() < self.inverted_p else (light, dark)
        lighting = (np.linspace(0, rng.uniform(-50, 50), plate_w)[None, :, None]
                    + np.linspace(0, rng.uniform(-30, 30), plate_h)[:, None, None])
        plate = np.clip(background + lighting, 0, 255).astype(np.uint8)  # OpenCV draws text on 8-bit only

        top = int(rng.integers(0, plate_h - text_h + 1))  # registration sits anywhere vertically
        for y0, y1 in ((0, top), (top + text_h, plate_h)):
            if y1 - y0 >= 6 and rng.random() < self.region_text_p:
                region_text(plate, y0, y1, band_w, ink, rng)
        if rng.random() < self.sticker_p:
            size = round(plate_h * rng.uniform(0.12, 0.3))
            x = int(rng.choice([band_w + 2, plate_w - size - 2]))
            y = int(rng.choice([2, plate_h - size - 2]))
            cv2.rectangle(plate, (x, y), (x + size, y + size), rng.uniform(0, 255, 3).tolist(), -1)
        if rng.random() < self.bolts_p:
            radius = max(2, round(plate_h * 0.04))
            for x in (plate_w // 4, plate_w * 3 // 4):
                for y in (round(plate_h * 0.1), round(plate_h * 0.9)):
                    cv2.circle(plate, (x, y), radius, (ink * 0.5 + background * 0.5).tolist(), -1)
        x0 = band_w + margins[0]
        face = plate[top:top + text_h, x0:x0 + text_w].astype(np.float32)
        plate[top:top + text_h, x0:x0 + text_w] = np.clip(face + ink_mask[..., None] * (ink - face), 0, 255)
        if band_w:
            plate[:, :band_w] = rng.uniform([120, 0, 0], [200, 80, 60])
            code = band_code(rng)
            cv2.putText(plate, code, (2, plate_h - 6), cv2.FONT_HERSHEY_SIMPLEX,
                        cv2.getFontScaleFromHeight(cv2.FONT_HERSHEY_SIMPLEX, band_w // (len(code) + 1) + 4, 2),
                        (255, 255, 255), 2, cv2.LINE_AA)
        if rng.random() < self.frame_p:
            thickness = max(1, round(plate_h * rng.uniform(0.02, 0.08)))
            cv2.rectangle(plate, (0, 0), (plate_w - 1, plate_h - 1), ink.tolist(), thickness)
        corners = np.array([[0, 0], [plate_w, 0], [plate_w, plate_h], [0, plate_h]], np.float32)
        return plate, corners

    def photograph(self, plate: np.ndarray, corners: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        """Plate in a cluttered scene, warped, cropped tight or loose, shrunk and degraded -> grey uint8."""
        plate_h, plate_w = plate.shape[:2]
        pad = plate_h
        scene_size = (plate_w + 2 * pad, plate_h + 2 * pad)
        jitter = rng.uniform(-self.perspective, self.perspective, (4, 2)) * [plate_w, plate_h]
        target = corners + pad + jitter
        centre = target.mean(0)
        rotation = cv2.getRotationMatrix2D(tuple(centre), rng.uniform(-self.max_rotation, self.max_rotation), 1.0)
        target = np.hstack([target, np.ones((4, 1))]) @ rotation.T
        warp = cv2.getPerspectiveTransform(corners, target.astype(np.float32))
        texture = rng.normal(rng.uniform(0, 255), rng.uniform(2, 30), (scene_size[1] // 4, scene_size[0] // 4, 3))
        scene = cv2.resize(np.clip(texture, 0, 255).astype(np.uint8), scene_size, interpolation=cv2.INTER_LINEAR)
        for _ in range(int(rng.integers(0, 4))):  # bumper edges, grille bars
            y = int(rng.integers(scene_size[1]))
            cv2.line(scene, (0, y), (scene_size[0], y + int(rng.integers(-20, 20))), rng.uniform(0, 255, 3).tolist(),
                     int(rng.integers(2, 12)))
        cv2.warpPerspective(plate, warp, scene_size, dst=scene, borderMode=cv2.BORDER_TRANSPARENT)

        (x0, y0), (x1, y1) = target.min(0), target.max(0)
        margin = rng.uniform(*self.crop_margin, size=4) * plate_h
        x0, y0 = int(max(0, x0 - margin[0])), int(max(0, y0 - margin[1]))
        x1, y1 = int(min(scene_size[0], x1 + margin[2])), int(min(scene_size[1], y1 + margin[3]))
        crop = cv2.cvtColor(scene[y0:y1, x0:x1], cv2.COLOR_BGR2GRAY)
        out_h = int(rng.integers(self.out_height[0], self.out_height[1] + 1))
        out_w = max(out_h, round(crop.shape[1] * out_h / crop.shape[0]))
        crop = cv2.resize(crop, (out_w, out_h), interpolation=cv2.INTER_AREA).astype(np.float32)
        sigma = rng.uniform(*self.blur_sigma)
        if sigma > 0.3:
            crop = cv2.GaussianBlur(crop, (0, 0), sigma)
        crop += rng.normal(0, rng.uniform(*self.noise_sigma), crop.shape)
        crop = np.clip(crop, 0, 255).astype(np.uint8)
        quality = int(rng.integers(self.jpeg_quality[0], self.jpeg_quality[1] + 1))
        return cv2.imdecode(cv2.imencode(".jpg", crop, [cv2.IMWRITE_JPEG_QUALITY, quality])[1], cv2.IMREAD_GRAYSCALE)
