"""Re-lettered real plates: the old characters are painted out of real Brazilian plates and the new string is drawn
where they stood."""
import pytest

from lpr.data.plates import plate_split
from lpr.data.reletter import ReletteredCrops
from lpr.data.synth_plates import PlateSynth
from lpr.vision.segment import CharSegmenter
from tests.conftest import photo_split
from tests.integration.conftest import OPENALPR
from tests.unit.test_reletter import (PLAIN, assert_draws_repeat_with_the_seed, assert_new_string_drawn_in_the_old_row,
                                      assert_old_characters_painted_out, relettered_data_module)


@pytest.fixture(scope="module")
def split():
    return photo_split("train", ("experiment=crnn_plates",))  # the plate experiment's split, which re-letters


def relettered(split, seed: int = 0) -> ReletteredCrops:
    samples = plate_split(OPENALPR / "br", "train", split)[:20]
    return ReletteredCrops(samples, 32, 128, PlateSynth(**PLAIN), CharSegmenter(), seed=seed)


def test_the_old_characters_are_painted_out(split):
    # most Brazilian plates segment into their label's 7 characters
    assert assert_old_characters_painted_out(relettered(split)) >= 12


def test_the_new_string_is_drawn_in_the_old_row_and_is_the_label(split):
    assert_new_string_drawn_in_the_old_row(relettered(split))


def test_draws_repeat_with_the_seed(split):
    assert_draws_repeat_with_the_seed(lambda seed: relettered(split, seed))


def test_the_data_module_adds_them_per_epoch(split, tmp_path):
    real, relettered_set = relettered_data_module(OPENALPR / "br", split, tmp_path)
    assert 0 < len(relettered_set) <= len(real)
