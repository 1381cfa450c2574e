"""Locate and segment on real photos: the labelled plate is among the candidates, clean plates cut into their
characters."""
import dataclasses

import numpy as np
import pytest

from lpr.core.boxes import box_iou, crop_box
from lpr.core.images import read_image
from lpr.core.preprocess import chars_to_batch
from lpr.data.samples import load_plate_samples
from lpr.vision.locate import PlateLocator
from lpr.vision.segment import CharSegmenter
from tests.conftest import compose_config
from tests.integration.conftest import OPENALPR

# Clean plates of each region, with the number of characters their label has.
CLEAN_PLATES = [("us", "0b86cecf-67d1-4fc0-87c9-b36b0ee228bb.jpg"), ("eu", "eu11.jpg"), ("eu", "eu5.jpg"),
                ("br", "FZB9581.jpg"), ("br", "HPM9362.jpg")]
# A `1` merged with the frame misjudges this row's tilt: the straightened plate must not replace the straight row.
MISJUDGED_TILT = ("us", "wts-lg-000127.jpg")
BOX_MARGIN = (0.04, 0.15)


def labelled(region: str, name: str):
    samples, _ = load_plate_samples(OPENALPR / region)
    return next(s for s in samples if s.name == name)


@pytest.fixture(scope="module")
def segmenter(tmp_path_factory):
    from lpr.core.config import instantiate

    cfg = compose_config("read", ["ckpt_path=x", "input=x"], tmp_path_factory.mktemp("cfg"))
    return instantiate(cfg.segment)


@pytest.mark.parametrize("region,name", CLEAN_PLATES + [MISJUDGED_TILT])
def test_segmentation_counts_characters_of_clean_plates(segmenter, region, name):
    sample = labelled(region, name)
    crop, _ = crop_box(read_image(sample.image_path, color=True), sample.box, BOX_MARGIN)
    segmentation = segmenter(crop)
    assert len(segmentation) == len(sample.text)
    boxes = segmentation.char_boxes
    assert np.all(np.diff(boxes[:, 0]) > 0), "characters come left to right"
    assert np.all(boxes[:, 0] >= 0) and np.all(boxes[:, 0] + boxes[:, 2] <= crop.shape[1] + 1)
    # characters of one plate share a height
    assert boxes[:, 3].max() <= 1.3 * boxes[:, 3].min()


def test_char_crops_become_classifier_input_ink_bright(segmenter):
    sample = labelled("br", "FZB9581.jpg")
    crop, _ = crop_box(read_image(sample.image_path, color=True), sample.box, BOX_MARGIN)
    batch = chars_to_batch(segmenter(crop).char_crops, 28)
    assert batch.shape == (7, 1, 28, 28) and batch.dtype == np.float32
    border = np.concatenate([batch[:, 0, 0], batch[:, 0, -1]], axis=1).mean()
    assert border < batch.mean(), "ink bright on a dark background, as in training"


def test_light_ink_is_not_tried_where_the_dark_row_cannot_be_beaten(segmenter, monkeypatch):
    sample = labelled("br", "FZB9581.jpg")  # seven dark characters: a row light ink cannot outscore
    crop, _ = crop_box(read_image(sample.image_path, color=True), sample.box, BOX_MARGIN)
    rows = []
    char_row = CharSegmenter.char_row
    monkeypatch.setattr(CharSegmenter, "char_row", lambda self, *a: rows.append(1) or char_row(self, *a))
    both = segmenter(crop)
    assert len(rows) == 1  # the dark row only: no tilt to straighten, and light ink skipped
    dark = dataclasses.replace(segmenter, polarity="dark")(crop)
    assert np.array_equal(both.char_boxes, dark.char_boxes) and len(both) == 7
    # a dark row too weak to rule light ink out: both polarities are cut
    rows.clear()
    dataclasses.replace(segmenter, dark_prior=0.0)(crop)
    assert len(rows) == 2


@pytest.mark.parametrize("region,name", CLEAN_PLATES)
def test_locate_finds_the_labelled_box(region, name):
    sample = labelled(region, name)
    image = read_image(sample.image_path, color=True)
    candidates = PlateLocator(cascade=None).candidates(image)
    assert 0 < len(candidates) <= 8
    assert max(box_iou(box, sample.box) for box in candidates) >= 0.5


def test_char_extent_maps_segmented_characters_back_into_the_photo(segmenter):
    sample = labelled("eu", "eu11.jpg")
    crop, origin = crop_box(read_image(sample.image_path, color=True), sample.box, (0.3, 0.5))
    assert box_iou(segmenter(crop).extent(origin, 4), sample.box) >= 0.5


def test_every_shared_folder_loads_without_problems():
    for region in ("us", "eu", "br"):
        samples, problems = load_plate_samples(OPENALPR / region)
        assert samples and not problems, problems[:3]
        assert all(s.text and s.box for s in samples)
