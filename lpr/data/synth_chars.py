"""Generated character images, so the default run needs no unlicensed data.

Each sample is one of the 36 characters drawn dark-on-light as on a plate, from a font that ships with
an installed package (matplotlib's DejaVu, STIX and Computer Modern; OpenCV's Hershey fonts) or one of lpr's
stroke-drawn plate fonts (lpr.data.stroke_font), with random stroke width, width/height ratio, offset, small
rotation, blur, noise, contrast and bits of the neighbouring characters at the edges. Generation is deterministic
from the seed and cached on disk under a folder named by the settings' hash.
"""
import hashlib
import json
import logging
import os
import shutil
import sys
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict, field
from functools import lru_cache
from itertools import repeat
from pathlib import Path
from typing import ClassVar

import cv2
import matplotlib
import numpy as np
from PIL import Image, ImageDraw, ImageFont
from pydantic import NonNegativeInt, PositiveInt
from pydantic.dataclasses import dataclass

from lpr.core.alphabet import ALPHABET
from lpr.core.errors import LprError
from lpr.core.preprocess import pad_to_aspect
from lpr.data.stroke_font import STROKE_FONTS, stroke_glyph

log = logging.getLogger(__name__)

_MPL_FONTS = Path(matplotlib.get_data_path()) / "fonts" / "ttf"
TRUETYPE_FONTS = {
    "dejavu_sans": "DejaVuSans.ttf",
    "dejavu_sans_bold": "DejaVuSans-Bold.ttf",
    "dejavu_sans_mono": "DejaVuSansMono.ttf",
    "dejavu_sans_mono_bold": "DejaVuSansMono-Bold.ttf",
    "dejavu_serif": "DejaVuSerif.ttf",
    "dejavu_serif_bold": "DejaVuSerif-Bold.ttf",
    "stix": "STIXGeneral.ttf",
    "stix_bold": "STIXGeneralBol.ttf",
    "cm_roman": "cmr10.ttf",
    "cm_bold": "cmb10.ttf",
    "cm_sans": "cmss10.ttf",
    "cm_typewriter": "cmtt10.ttf",
}
HERSHEY_FONTS = {
    "hershey_simplex": cv2.FONT_HERSHEY_SIMPLEX,
    "hershey_duplex": cv2.FONT_HERSHEY_DUPLEX,
    "hershey_complex": cv2.FONT_HERSHEY_COMPLEX,
    "hershey_triplex": cv2.FONT_HERSHEY_TRIPLEX,
}
GLYPH_HEIGHT = 64  # glyphs are drawn large once, then transformed and shrunk per sample


@lru_cache(maxsize=None)
def glyph(font: str, char: str, stroke: int) -> np.ndarray:
    """Tight ink mask (uint8, ink 255) of one character, cached per font and stroke width."""
    if font in STROKE_FONTS:
        return stroke_glyph(font, char, stroke, GLYPH_HEIGHT)
    if font in HERSHEY_FONTS:
        canvas = np.zeros((GLYPH_HEIGHT * 2, GLYPH_HEIGHT * 2), np.uint8)
        scale = cv2.getFontScaleFromHeight(HERSHEY_FONTS[font], GLYPH_HEIGHT, 2 + 2 * stroke)
        cv2.putText(canvas, char, (GLYPH_HEIGHT // 2, GLYPH_HEIGHT * 3 // 2), HERSHEY_FONTS[font], scale,
                    255, 2 + 2 * stroke, cv2.LINE_AA)
    else:
        path = Path(font) if font.endswith(".ttf") else _MPL_FONTS / TRUETYPE_FONTS[font]
        image = Image.new("L", (GLYPH_HEIGHT * 2, GLYPH_HEIGHT * 2), 0)
        typeface = ImageFont.truetype(str(path), int(GLYPH_HEIGHT * 1.2))
        ImageDraw.Draw(image).text((GLYPH_HEIGHT // 4, 0), char, fill=255, font=typeface, stroke_width=stroke,
                                   stroke_fill=255)
        canvas = np.asarray(image)
    ys, xs = np.nonzero(canvas > 64)
    return canvas[ys.min():ys.max() + 1, xs.min():xs.max() + 1]


class CachedGenerator:
    """Generator settings (a dataclass) whose data set is made once by `generate(folder)` and cached in
    `cache_dir`, in a folder named by `cache_prefix` and a hash of the settings."""

    cache_prefix: ClassVar[str]
    drawn_by: ClassVar[tuple[str, ...]]  # the modules whose code draws the data

    def key(self) -> str:
        """The settings' hash, and the drawing code's: a cache made by other code is never taken for this one's."""
        code = {name: hashlib.sha1(Path(sys.modules[name].__file__).read_bytes()).hexdigest()
                for name in self.drawn_by}
        return settings_key({**asdict(self), "code": code})

    def ensure(self, cache_dir: str | Path) -> Path:
        """The root of the data set of these settings, generated on first use."""
        return ensure_generated(Path(cache_dir) / f"{self.cache_prefix}-{self.key()}", self.generate)

    def render_splits(self, root: Path, render_item: Callable, chunksize: int) -> Iterator[tuple[Path, Iterable]]:
        """For each split of `self.count`, its new folder under `root` and the results of `render_item(folder,
        split_index, i)` for its items in order. Every core renders: item i of a split depends only on (seed, split,
        i), so the files are the same on any machine."""
        with ProcessPoolExecutor(max_workers=len(os.sched_getaffinity(0))) as pool:  # the cores this process may use
            for split_index, (split, count) in enumerate(self.count.items()):
                folder = root / split
                folder.mkdir(parents=True)
                yield folder, pool.map(render_item, repeat(folder), repeat(split_index), range(count),
                                       chunksize=chunksize)


@dataclass
class CharSynth(CachedGenerator):
    """Settings of the character generator; `ensure(cache_dir)` returns an ImageFolder root with them.

    A pydantic dataclass, so a wrong type or value in the config is refused with the field's name.
    """

    cache_prefix: ClassVar[str] = "synth-chars"
    drawn_by: ClassVar[tuple[str, ...]] = ("lpr.data.synth_chars", "lpr.data.stroke_font")

    fonts: list[str] = field(default_factory=lambda: list(TRUETYPE_FONTS) + list(HERSHEY_FONTS))
    per_class: dict[str, NonNegativeInt] = field(default_factory=lambda: {"train": 100, "val": 30, "test": 30})
    size: PositiveInt = 28
    seed: int = 0
    max_stroke: NonNegativeInt = 3  # extra stroke width in pixels at glyph height 64
    width_scale: tuple[float, float] = (0.65, 1.25)
    max_rotation: float = 6.0  # degrees
    max_shear: float = 0.1
    neighbour_p: float = 0.7  # chance of a neighbouring character on each side
    neighbour_gap: tuple[float, float] = (0.04, 0.35)  # gap as a fraction of glyph height
    margin: tuple[float, float] = (0.0, 0.15)  # crop margin around the ink as a fraction of its size
    keep_aspect_p: float = 0.5  # otherwise the crop is stretched to fill the square, as in seed-chars
    blur_sigma: tuple[float, float] = (0.0, 1.0)
    noise_sigma: tuple[float, float] = (0.0, 12.0)
    min_contrast: int = 60

    def __post_init__(self):
        check_fonts(self.fonts)

    def generate(self, root: Path) -> dict:
        for split_index, (split, count) in enumerate(self.per_class.items()):
            for class_index, char in enumerate(ALPHABET):
                folder = root / split / f"class_{char}"
                folder.mkdir(parents=True)
                rng = np.random.default_rng([self.seed, split_index, class_index])
                for i in range(count):
                    cv2.imwrite(str(folder / f"{i:05d}.png"), self.render(char, rng))
        return asdict(self)

    def render(self, char: str, rng: np.random.Generator) -> np.ndarray:
        """One size x size grey sample of `char`, dark ink on a light background."""
        font = self.fonts[rng.integers(len(self.fonts))]
        stroke = int(rng.integers(self.max_stroke + 1))
        width_scale = rng.uniform(*self.width_scale)

        def scaled_glyph(c):
            mask = glyph(font, c, stroke)
            return cv2.resize(mask, (max(1, round(mask.shape[1] * width_scale)), mask.shape[0]))

        centre = scaled_glyph(char)
        height, width = centre.shape
        pad = GLYPH_HEIGHT
        canvas = np.zeros((height + 2 * pad, width + 2 * pad), np.uint8)
        canvas[pad:pad + height, pad:pad + width] = centre
        for side in (-1, 1):
            if rng.random() < self.neighbour_p:
                other = scaled_glyph(ALPHABET[rng.integers(len(ALPHABET))])
                gap = round(rng.uniform(*self.neighbour_gap) * GLYPH_HEIGHT)
                other = other[:, :pad - gap] if side > 0 else other[:, -(pad - gap):]
                top = pad + (height - other.shape[0]) // 2
                x0 = pad + width + gap if side > 0 else pad - gap - other.shape[1]
                region = canvas[top:top + other.shape[0], x0:x0 + other.shape[1]]
                np.maximum(region, other[:region.shape[0], :region.shape[1]], out=region)

        # Small rotation and shear about the centre character; the crop box follows the centre's corners.
        centre_xy = (pad + width / 2, pad + height / 2)
        warp = cv2.getRotationMatrix2D(centre_xy, rng.uniform(-self.max_rotation, self.max_rotation), 1.0)
        warp[0, 1] += rng.uniform(-self.max_shear, self.max_shear)
        canvas = cv2.warpAffine(canvas, warp, canvas.shape[::-1], flags=cv2.INTER_LINEAR)
        corners = np.array([[pad, pad, 1], [pad + width, pad, 1], [pad, pad + height, 1],
                            [pad + width, pad + height, 1]], np.float64) @ warp.T
        (x0, y0), (x1, y1) = corners.min(0), corners.max(0)
        mx = rng.uniform(*self.margin, size=2) * (x1 - x0)
        my = rng.uniform(*self.margin, size=2) * (y1 - y0)
        x0, x1 = int(max(0, x0 - mx[0])), int(min(canvas.shape[1], x1 + mx[1]))
        y0, y1 = int(max(0, y0 - my[0])), int(min(canvas.shape[0], y1 + my[1]))
        crop = canvas[y0:y1, x0:x1]
        if rng.random() < self.keep_aspect_p:
            crop = pad_to_aspect(crop, rng.uniform(0.5, 1.0))
        ink = cv2.resize(crop, (self.size, self.size), interpolation=cv2.INTER_AREA).astype(np.float32) / 255

        background = rng.uniform(120 + self.min_contrast, 255)
        ink_level = rng.uniform(0, background - self.min_contrast)
        image = background - ink * (background - ink_level)
        image += np.linspace(0, rng.uniform(-40, 40), self.size)[None, :]  # uneven lighting
        sigma = rng.uniform(*self.blur_sigma)
        if sigma > 0.2:
            image = cv2.GaussianBlur(image, (0, 0), sigma)
        image += rng.normal(0, rng.uniform(*self.noise_sigma), image.shape)
        return np.clip(image, 0, 255).astype(np.uint8)


def check_fonts(fonts: list[str]) -> None:
    """Refuse a font that is neither one of the packaged ones nor a .ttf file, naming the choices."""
    named = [*TRUETYPE_FONTS, *HERSHEY_FONTS, *STROKE_FONTS]
    unknown = [f for f in fonts if f not in named and not (f.endswith(".ttf") and Path(f).is_file())]
    if unknown:
        raise LprError(f"data.synth.fonts: unknown font(s) {unknown}; choose from {sorted(named)} or give a .ttf path")


def settings_key(settings: dict) -> str:
    """Short hash of generator settings: the cache folder's name, so new settings never reuse old data."""
    return hashlib.sha1(json.dumps(settings, sort_keys=True).encode()).hexdigest()[:10]


def ensure_generated(root: Path, generate: Callable[[Path], dict]) -> Path:
    """Generate a data set once: `generate(folder)` fills ROOT.partial and returns the settings to record;
    the folder is renamed to ROOT only when complete, so a crash never leaves half of one."""
    if (root / "settings.json").exists():
        return root
    log.info("Generating %s", root)
    partial = root.with_name(root.name + ".partial")
    shutil.rmtree(partial, ignore_errors=True)
    partial.mkdir(parents=True)
    settings = generate(partial)
    (partial / "settings.json").write_text(json.dumps(settings, indent=2))
    partial.rename(root)
    return root
