"""Locate and segment on real photos: the labelled plate is among the candidates, clean plates cut into their
characters."""
import pytest

from lpr.data.samples import load_plate_samples
from tests.integration.conftest import OPENALPR
from tests.unit.test_segment_locate import (assert_char_extent_maps_back_to_the_box,
                                            assert_classifier_input_ink_bright, assert_cut_into_its_characters,
                                            assert_light_ink_not_tried_where_the_dark_row_wins,
                                            assert_locate_finds_the_labelled_box)

# Clean plates of each region, with the number of characters their label has.
CLEAN_PLATES = [("us", "0b86cecf-67d1-4fc0-87c9-b36b0ee228bb.jpg"), ("eu", "eu11.jpg"), ("eu", "eu5.jpg"),
                ("br", "FZB9581.jpg"), ("br", "HPM9362.jpg")]
# A `1` merged with the frame misjudges this row's tilt: the straightened plate must not replace the straight row.
MISJUDGED_TILT = ("us", "wts-lg-000127.jpg")


def labelled(region: str, name: str):
    samples, _ = load_plate_samples(OPENALPR / region)
    return next(s for s in samples if s.name == name)


@pytest.mark.parametrize("region,name", CLEAN_PLATES + [MISJUDGED_TILT])
def test_segmentation_counts_characters_of_clean_plates(segmenter, region, name):
    assert_cut_into_its_characters(segmenter, labelled(region, name))


def test_char_crops_become_classifier_input_ink_bright(segmenter):
    assert_classifier_input_ink_bright(segmenter, labelled("br", "FZB9581.jpg"))


def test_light_ink_is_not_tried_where_the_dark_row_cannot_be_beaten(segmenter, monkeypatch):
    assert_light_ink_not_tried_where_the_dark_row_wins(segmenter, labelled("br", "FZB9581.jpg"), monkeypatch)


@pytest.mark.parametrize("region,name", CLEAN_PLATES)
def test_locate_finds_the_labelled_box(region, name):
    assert_locate_finds_the_labelled_box(labelled(region, name))


def test_char_extent_maps_segmented_characters_back_into_the_photo(segmenter):
    assert_char_extent_maps_back_to_the_box(segmenter, labelled("eu", "eu11.jpg"))


def test_every_shared_folder_loads_without_problems():
    for region in ("us", "eu", "br"):
        samples, problems = load_plate_samples(OPENALPR / region)
        assert samples and not problems, problems[:3]
        assert all(s.text and s.box for s in samples)
