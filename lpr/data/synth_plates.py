"""Generated whole-plate crops for the whole-plate recognizer, so it trains with no unlicensed data.

Domain randomisation: every way the world's plates differ is an axis in config, so a reader learns plates, not
the few photo sets it is measured on. A plate string is drawn from a pattern (`9` digit, `A` letter, `?` either,
`-` dash, `.` dot, space gap, `*` an emblem between groups; `free` for any 2-8 characters) of the generic list or
of a region's formats (configs/formats/), in one font of many, thinned, thickened, condensed and wobbled; laid
out in one row, two rows, or with two small characters stacked at one end (lpr.data.plate_layout); on a plate of
a colour scheme (lpr.data.plate_style) with optional frame, bolts, region text above and below, stickers, an
emblem or pictogram beside the registration, an EU band or a Mercosur band. The plate is put in a cluttered surrounding,
warped in perspective, lit with glare or shadow, cropped tight or loose, shrunk to a small photo-like height,
blurred, noised and JPEG-compressed. Each character's box goes through the same geometry, so every crop comes
with the boxes of what it shows. Each sample is deterministic from (seed, split, index); a split is cached on
disk as `labels.csv` (`image,text`) and `chars.csv` (`image,char,x,y,w,h`) beside its PNGs, once per hash of
the settings and the drawing code.
"""
import csv
import logging
from dataclasses import asdict, field
from pathlib import Path
from typing import ClassVar, NamedTuple

import cv2
import numpy as np
from pydantic import NonNegativeFloat, field_validator
from pydantic.dataclasses import dataclass

from lpr.core.errors import LprError
from lpr.core.formats import PATTERN_CLASSES, SEPARATORS, check_pattern, without_separators
from lpr.data.plate_decor import eu_band, region_text, top_band
from lpr.data.plate_layout import RegistrationLayout
from lpr.data.plate_style import SCHEMES, glare, plate_colours, shadow, wear
from lpr.data.synth_chars import GLYPH_HEIGHT, CachedGenerator, check_fonts

log = logging.getLogger(__name__)

plate_label = without_separators


class PlateDrawing(NamedTuple):
    """A generated crop (grey uint8), its label, and each label character's box (x0, y0, x1, y1) in the crop."""
    image: np.ndarray
    text: str
    char_boxes: np.ndarray


@dataclass
class RegionFormats:
    """A region's plate formats (configs/formats/<region>.yaml), drawn by the generator like the generic ones."""
    patterns: list[str]


@dataclass
class PlateSynth(RegistrationLayout, CachedGenerator):
    """Settings of the plate generator; `ensure(cache_dir)` returns a root with `{split}/labels.csv`."""

    cache_prefix: ClassVar[str] = "synth-plates"
    drawn_by: ClassVar[tuple[str, ...]] = ("lpr.data.synth_plates", "lpr.data.plate_layout", "lpr.data.plate_style",
                                           "lpr.data.plate_decor", "lpr.data.synth_chars", "lpr.data.stroke_font")

    patterns: list[str] = field(default_factory=lambda: [
        "999AAA", "AAA999", "AAA9999", "9AAA999", "AA999AA", "AAA-9999", "AA-999-AA", "999 AAA", "AA 9999",
        "AAA 999", "9A99999", "AA99AAA", "A-AA 9999", "???*???", "??*????", "free"])
    regions: dict[str, RegionFormats] = field(default_factory=dict)  # drawn as often as the generic list, each
    free_length: tuple[int, int] = (2, 8)
    fonts: list[str] = field(default_factory=lambda: [
        "dejavu_sans", "dejavu_sans_bold", "dejavu_sans_mono", "dejavu_sans_mono_bold", "cm_sans",
        "hershey_simplex", "hershey_duplex", "hershey_complex"])
    count: dict[str, int] = field(default_factory=lambda: {"train": 40000, "val": 1000, "test": 1000})
    seed: int = 0
    stroke: tuple[int, int] = (0, 3)  # pixels at glyph height 64; < 0 thins TrueType strokes by erosion
    width_scale: tuple[float, float] = (0.5, 1.1)  # character width / natural width: condensed to wide
    distortion: NonNegativeFloat = 0.0  # hand-drawn wobble of the strokes, a fraction of the character height
    gap: tuple[float, float] = (0.04, 0.3)  # space between characters, fraction of character height
    text_fraction: tuple[float, float] = (0.4, 0.8)  # character height / plate height
    side_margin: tuple[float, float] = (0.1, 0.7)  # plate edge to text, fraction of character height
    two_rows_p: NonNegativeFloat = 0.0  # the registration split over two rows, the upper one often smaller
    stacked_p: NonNegativeFloat = 0.0  # two small characters stacked at one end of the row, read top first
    schemes: dict[str, NonNegativeFloat] = field(default_factory=lambda: {"dark_on_light": 0.9, "light_on_dark": 0.1})
    region_text_p: float = 0.6  # chance of a line of region text above; the same again below
    band_p: float = 0.2  # EU-style coloured band with a country code at the left
    top_band_p: NonNegativeFloat = 0.0  # Mercosur-style blue band with a country line across the top
    frame_p: float = 0.4
    bolts_p: float = 0.3
    sticker_p: float = 0.3
    side_emblem_p: float = 0.0  # an emblem or pictogram left (mostly) or right of the registration, never read
    perspective: float = 0.08  # corner displacement, fraction of plate height and width
    max_rotation: float = 5.0  # degrees
    glare_p: NonNegativeFloat = 0.0  # a bright highlight on the plate
    shadow_p: NonNegativeFloat = 0.0  # a soft-edged shadow across the plate
    crop_margin: tuple[float, float] = (-0.04, 0.25)  # per side, fraction of plate height; < 0 cuts into it
    out_height: tuple[int, int] = (16, 64)  # crop height in pixels after shrinking
    blur_sigma: tuple[float, float] = (0.0, 1.0)  # at output size
    noise_sigma: tuple[float, float] = (0.0, 10.0)
    jpeg_quality: tuple[int, int] = (25, 95)

    @field_validator("patterns")
    @classmethod
    def known_patterns(cls, patterns: list[str]) -> list[str]:
        if not patterns:
            raise LprError("data.synth.patterns: empty; give at least one pattern or `free`")
        return [p if p == "free" else check_pattern(p, "data.synth.patterns") for p in patterns]

    @field_validator("regions")
    @classmethod
    def known_region_patterns(cls, regions: dict[str, RegionFormats]) -> dict[str, RegionFormats]:
        for name, region in regions.items():
            region.patterns = [check_pattern(p, f"data.synth.regions.{name}") for p in region.patterns]
        return regions

    @field_validator("schemes")
    @classmethod
    def known_schemes(cls, schemes: dict[str, float]) -> dict[str, float]:
        if set(schemes) - set(SCHEMES) or not sum(schemes.values()):
            raise LprError(f"data.synth.schemes: {schemes}; give weights (not all 0) for some of {list(SCHEMES)}")
        return schemes

    def __post_init__(self):
        self.count = {str(split): int(n) for split, n in self.count.items()}  # plain dict: it is part of the key
        check_fonts(self.fonts)

    def generate(self, root: Path) -> dict:
        for folder, drawn in self.render_splits(root, self.write_plate, chunksize=200):
            with open(folder / "labels.csv", "w", newline="") as labels, \
                    open(folder / "chars.csv", "w", newline="") as chars:
                label_rows, char_rows = csv.writer(labels), csv.writer(chars)
                label_rows.writerow(["image", "text"])
                char_rows.writerow(["image", "char", "x", "y", "w", "h"])
                for i, (text, boxes) in enumerate(drawn):
                    name = f"{i:06d}.png"
                    label_rows.writerow([name, text])
                    char_rows.writerows([name, c, *box] for c, box in zip(text, boxes))
        return asdict(self)

    def write_plate(self, folder: Path, split_index: int, i: int) -> tuple[str, list[list[float]]]:
        """Write plate i; its label and its characters' boxes as (x, y, w, h), rounded to 0.1 pixel."""
        drawing = self.render(np.random.default_rng([self.seed, split_index, i]))
        cv2.imwrite(str(folder / f"{i:06d}.png"), drawing.image)
        x0, y0, x1, y1 = drawing.char_boxes.T
        return drawing.text, np.stack([x0, y0, x1 - x0, y1 - y0], 1).round(1).tolist()

    def plate_string(self, rng: np.random.Generator) -> str:
        """A plate as printed, separators included: the label is the same string without them."""
        sources = [self.patterns] + [r.patterns for r in self.regions.values() if r.patterns]
        patterns = sources[rng.integers(len(sources))]
        pattern = patterns[rng.integers(len(patterns))]
        if pattern == "free":
            pattern = "?" * int(rng.integers(self.free_length[0], self.free_length[1] + 1))
            if len(pattern) >= 4 and rng.random() < 0.4:
                cut = int(rng.integers(1, len(pattern)))
                pattern = pattern[:cut] + SEPARATORS[rng.integers(len(SEPARATORS))] + pattern[cut:]
        return "".join(PATTERN_CLASSES[c][rng.integers(len(PATTERN_CLASSES[c]))] if c in PATTERN_CLASSES else c
                       for c in pattern)

    def render(self, rng: np.random.Generator, printed: str | None = None) -> PlateDrawing:
        """One generated plate crop; `printed` fixes the string (separators allowed)."""
        printed = self.plate_string(rng) if printed is None else printed
        ink, boxes, label = self.registration(printed, rng)
        plate, corners, boxes = self.draw_plate(ink, boxes, rng)
        crop, boxes = self.photograph(plate, corners, boxes, rng)
        return PlateDrawing(crop, label, boxes)

    def draw_plate(self, ink_mask: np.ndarray, boxes: np.ndarray, rng: np.random.Generator
                   ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The plate face (BGR uint8) around the registration, its 4 corners (x, y), and the character boxes
        moved onto it."""
        text_h, text_w = ink_mask.shape
        plate_h = round(text_h / rng.uniform(*self.text_fraction))
        margins = (rng.uniform(*self.side_margin, size=2) * min(text_h, GLYPH_HEIGHT)).round().astype(int)
        band_w = round(text_h * rng.uniform(0.4, 0.6)) if rng.random() < self.band_p else 0
        plate_w = text_w + margins.sum() + band_w
        names = list(self.schemes)
        weights = np.array([self.schemes[n] for n in names], np.float64)
        scheme = names[rng.choice(len(names), p=weights / weights.sum())]
        background, ink = plate_colours(scheme, rng)
        lighting = (np.linspace(0, rng.uniform(-50, 50), plate_w)[None, :, None]
                    + np.linspace(0, rng.uniform(-30, 30), plate_h)[:, None, None])
        plate = np.clip(background + lighting, 0, 255).astype(np.uint8)  # OpenCV draws text on 8-bit only

        top_band_h = 0
        if self.top_band_p and rng.random() < self.top_band_p:
            top_band_h = min(round(plate_h * rng.uniform(0.15, 0.22)), plate_h - text_h)
        top = int(rng.integers(top_band_h, plate_h - text_h + 1))  # registration sits anywhere below a band
        for y0, y1 in ((top_band_h, top), (top + text_h, plate_h)):
            if y1 - y0 >= 6 and rng.random() < self.region_text_p:
                region_text(plate, y0, y1, band_w, ink, rng)
        if top_band_h >= 4:
            top_band(plate, top_band_h, rng)
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
            eu_band(plate, band_w, rng)
        if rng.random() < self.frame_p:
            thickness = max(1, round(plate_h * rng.uniform(0.02, 0.08)))
            cv2.rectangle(plate, (0, 0), (plate_w - 1, plate_h - 1), ink.tolist(), thickness)
        corners = np.array([[0, 0], [plate_w, 0], [plate_w, plate_h], [0, plate_h]], np.float32)
        return wear(plate, scheme, rng), corners, boxes + [x0, top, x0, top]

    def photograph(self, plate: np.ndarray, corners: np.ndarray, boxes: np.ndarray, rng: np.random.Generator
                   ) -> tuple[np.ndarray, np.ndarray]:
        """Plate in a cluttered scene, warped, lit, cropped tight or loose, shrunk and degraded -> grey uint8; the
        character boxes through the same geometry, as the bounding boxes of their warped corners in the crop."""
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
        lights = [light for light, p in ((lambda lit: glare(lit, (x0, y0, x1, y1), rng), self.glare_p),
                                         (lambda lit: shadow(lit, rng), self.shadow_p)) if p and rng.random() < p]
        if lights:
            lit = scene.astype(np.float32)
            for light in lights:
                light(lit)
            scene = np.clip(lit, 0, 255).astype(np.uint8)

        margin = rng.uniform(*self.crop_margin, size=4) * plate_h
        x0, y0 = int(max(0, x0 - margin[0])), int(max(0, y0 - margin[1]))
        x1, y1 = int(min(scene_size[0], x1 + margin[2])), int(min(scene_size[1], y1 + margin[3]))
        crop = cv2.cvtColor(scene[y0:y1, x0:x1], cv2.COLOR_BGR2GRAY)
        out_h = int(rng.integers(self.out_height[0], self.out_height[1] + 1))
        out_w = max(out_h, round(crop.shape[1] * out_h / crop.shape[0]))
        scale = np.array([out_w / crop.shape[1], out_h / crop.shape[0]] * 2, np.float32)
        char_corners = boxes[:, [0, 1, 2, 1, 2, 3, 0, 3]].reshape(-1, 1, 2)
        warped = cv2.perspectiveTransform(char_corners, warp).reshape(-1, 4, 2) if len(boxes) else np.zeros((0, 4, 2))
        char_boxes = np.concatenate([warped.min(1), warped.max(1)], 1) - [x0, y0, x0, y0]
        char_boxes = np.clip(char_boxes * scale, 0, [out_w, out_h, out_w, out_h]).astype(np.float32)
        crop = cv2.resize(crop, (out_w, out_h), interpolation=cv2.INTER_AREA).astype(np.float32)
        sigma = rng.uniform(*self.blur_sigma)
        if sigma > 0.3:
            crop = cv2.GaussianBlur(crop, (0, 0), sigma)
        crop += rng.normal(0, rng.uniform(*self.noise_sigma), crop.shape)
        crop = np.clip(crop, 0, 255).astype(np.uint8)
        quality = int(rng.integers(self.jpeg_quality[0], self.jpeg_quality[1] + 1))
        image = cv2.imdecode(cv2.imencode(".jpg", crop, [cv2.IMWRITE_JPEG_QUALITY, quality])[1], cv2.IMREAD_GRAYSCALE)
        return image, char_boxes
