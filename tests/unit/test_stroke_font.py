"""lpr's stroke-drawn plate fonts: every character drawn, one piece of ink each, no two alike, and a plate in them
carries the boxes of what it shows."""
import cv2
import numpy as np
import pytest

from lpr.core.alphabet import ALPHABET
from lpr.data.stroke_font import STROKE_FONTS, stroke_glyph
from lpr.data.synth_chars import GLYPH_HEIGHT, CharSynth, glyph
from lpr.data.synth_plates import PlateSynth
from tests.conftest import CLEAN
from tests.unit.test_plate_generator import ink_components, iou


@pytest.mark.parametrize("font", STROKE_FONTS)
@pytest.mark.parametrize("stroke", [-1, 0, 3])
def test_every_character_is_one_piece_of_ink_of_the_glyph_height(font, stroke):
    for char in ALPHABET:
        mask = stroke_glyph(font, char, stroke, GLYPH_HEIGHT)
        count, _ = cv2.connectedComponents((mask > 64).astype(np.uint8))
        assert count == 2, f"{font} {char!r}: {count - 1} pieces"
        assert GLYPH_HEIGHT - 2 <= mask.shape[0] <= GLYPH_HEIGHT * 1.15, (font, char, mask.shape)


def reader_sized(font: str, char: str) -> np.ndarray:
    """The glyph 32 pixels tall at its own width, centred on a 32 x 32 field: characters compared as a reader
    sees them, where a DIN O is told from a 0 by its width."""
    mask = glyph(font, char, 0)
    width = round(mask.shape[1] * 32 / mask.shape[0])
    small = cv2.resize(mask, (width, 32), interpolation=cv2.INTER_AREA) > 127
    return np.pad(small, ((0, 0), ((32 - width) // 2, 32 - width - (32 - width) // 2)))


@pytest.mark.parametrize("font", STROKE_FONTS)
def test_no_two_characters_look_alike(font):
    """Each character differs from every other in at least 1 pixel in 20 (DejaVu Sans Bold's closest pair, E and F,
    in 1 in 15)."""
    small = {c: reader_sized(font, c) for c in ALPHABET}
    for i, a in enumerate(ALPHABET):
        for b in ALPHABET[i + 1:]:
            assert (small[a] != small[b]).mean() > 0.05, f"{font}: {a} and {b} look alike"


def test_the_two_families_differ_where_plates_do():
    for char in "13469":
        din, round_ = (reader_sized(f, char) for f in ("din", "din_round"))
        assert (din != round_).mean() > 0.05, char


@pytest.mark.parametrize("font", STROKE_FONTS)
def test_a_plate_in_a_stroke_font_has_its_boxes_on_its_characters(font):
    drawing = PlateSynth(**{**CLEAN, "fonts": [font]}).render(np.random.default_rng(0), printed="QB6-49J7")
    blobs = ink_components(drawing.image)
    assert drawing.text == "QB649J7" and len(blobs) == len(drawing.char_boxes) == 7
    assert min(max(iou(box, blob) for blob in blobs) for box in drawing.char_boxes) > 0.5


def test_the_character_generator_takes_them_too():
    CharSynth(fonts=list(STROKE_FONTS))  # accepted by name, as the plate generator does
