"""Segment and locate on generated plates and photos: clean plates cut into their characters, the labelled plate is
among the candidates, and the characters map back into the photo. The `assert_...` checks serve
tests/integration/test_locate_segment.py too, on real photos."""
import dataclasses

import cv2
import numpy as np
import pytest

from lpr.core.boxes import box_iou, crop_box
from lpr.core.images import read_image
from lpr.core.preprocess import chars_to_batch
from lpr.data.samples import load_plate_samples
from lpr.reading.locate.opencv import PlateLocator
from lpr.vision.segment import CharSegmenter, Segmentation
from tests.conftest import PLATE_TEXTS, clean_plate, synthetic_photo

BOX_MARGIN = (0.04, 0.15)  # configs/locate/box.yaml's crop_margin


@pytest.fixture(scope="module")
def samples(photo_folder):
    found, problems = load_plate_samples(photo_folder)
    assert not problems and len(found) == len(PLATE_TEXTS)
    return found


def boxed_crop(sample, margin=BOX_MARGIN):
    return crop_box(read_image(sample.image_path, color=True), sample.box, margin)


def assert_cut_into_its_characters(segmenter, sample):
    """The labelled plate's box crop segments into as many characters as its label has, left to right, inside the
    crop, all of one height."""
    crop, _ = boxed_crop(sample)
    segmentation = segmenter(crop)
    assert len(segmentation) == len(sample.text)
    boxes = segmentation.char_boxes
    assert np.all(np.diff(boxes[:, 0]) > 0), "characters come left to right"
    assert np.all(boxes[:, 0] >= 0) and np.all(boxes[:, 0] + boxes[:, 2] <= crop.shape[1] + 1)
    # characters of one plate share a height
    assert boxes[:, 3].max() <= 1.3 * boxes[:, 3].min()


def assert_classifier_input_ink_bright(segmenter, sample):
    """A 7-character plate's characters become a classifier batch, ink bright on a dark background."""
    crop, _ = boxed_crop(sample)
    batch = chars_to_batch(segmenter(crop).char_crops, 28)
    assert batch.shape == (7, 1, 28, 28) and batch.dtype == np.float32
    border = np.concatenate([batch[:, 0, 0], batch[:, 0, -1]], axis=1).mean()
    assert border < batch.mean(), "ink bright on a dark background, as in training"


def assert_light_ink_not_tried_where_the_dark_row_wins(segmenter, sample, monkeypatch):
    """A straight plate of seven dark characters: a row light ink cannot outscore, so only the dark row is cut."""
    crop, _ = boxed_crop(sample)
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


def assert_locate_finds_the_labelled_box(sample):
    image = read_image(sample.image_path, color=True)
    candidates = PlateLocator(cascade=None).candidates(image)
    assert 0 < len(candidates) <= 8
    assert max(box_iou(box, sample.box) for box in candidates) >= 0.5


def assert_char_extent_maps_back_to_the_box(segmenter, sample):
    """Segmented in a loose crop, the characters' extent in the photo is the labelled box."""
    crop, origin = boxed_crop(sample, (0.3, 0.5))
    assert box_iou(segmenter(crop).extent(origin, 4), sample.box) >= 0.5


@pytest.mark.parametrize("index", range(len(PLATE_TEXTS)))
def test_segmentation_counts_characters_of_clean_plates(segmenter, samples, index):
    assert len(samples[index].text) == 7
    assert_cut_into_its_characters(segmenter, samples[index])


@pytest.mark.parametrize("text", ["AB12", "7XK4409", "PL88", "WN5", "MM1234AB"])
def test_plates_of_other_lengths_and_letters(segmenter, text):
    crop, label = clean_plate(text, seed=2)
    assert len(segmenter(crop)) == len(label)


@pytest.mark.parametrize("angle", [-6.0, 5.0])
def test_a_tilted_plate_is_straightened_and_its_characters_map_back_into_the_photo(segmenter, angle):
    plate, _ = clean_plate("QRS4K21", height=64)
    padded = cv2.copyMakeBorder(plate, 40, 40, 20, 20, cv2.BORDER_CONSTANT, value=225)
    turn = cv2.getRotationMatrix2D((padded.shape[1] / 2, padded.shape[0] / 2), angle, 1.0)
    tilted = cv2.warpAffine(padded, turn, padded.shape[::-1], borderMode=cv2.BORDER_REPLICATE)
    photo, box = synthetic_photo(tilted, seed=3)
    crop, origin = crop_box(photo, box, (0.0, 0.0))
    segmentation = segmenter(crop)
    assert len(segmentation) == 7 and abs(segmentation.angle) > segmenter.deskew_angle
    ys, xs = np.nonzero(tilted < 128)  # the characters' ink, in the photo
    ink = (box[0] + xs.min(), box[1] + ys.min(), xs.max() - xs.min() + 1, ys.max() - ys.min() + 1)
    assert box_iou(segmentation.extent(origin, 4), ink) >= 0.7
    assert segmentation.extent(origin, 8) is None  # fewer characters than asked for


def test_char_crops_become_classifier_input_ink_bright(segmenter, samples):
    assert_classifier_input_ink_bright(segmenter, samples[0])


def test_segmentation_of_blank_or_tiny_input_is_empty(segmenter):
    assert len(segmenter(np.full((40, 120, 3), 200, np.uint8))) == 0
    assert len(segmenter(np.zeros((2, 2), np.uint8))) == 0


def test_light_ink_on_dark_plate_is_segmented():
    plate = np.full((60, 300), 30, np.uint8)
    for i, char in enumerate("AB123"):
        cv2.putText(plate, char, (15 + 55 * i, 48), cv2.FONT_HERSHEY_SIMPLEX, 1.5, 230, 4)
    plate = cv2.resize(plate, (170, 60))  # plate characters are narrower than Hershey's
    segmentation = CharSegmenter(polarity="light")(plate)
    assert len(segmentation) == 5 and not segmentation.dark_ink
    assert len(CharSegmenter(polarity="dark")(plate)) != 5
    dark_on_light = CharSegmenter(polarity="both")(255 - plate)  # the same plate printed dark on light
    assert len(dark_on_light) == 5 and dark_on_light.dark_ink


def test_light_ink_is_not_tried_where_the_dark_row_cannot_be_beaten(segmenter, samples, monkeypatch):
    assert_light_ink_not_tried_where_the_dark_row_wins(segmenter, samples[0], monkeypatch)


def test_emblems_and_frame_edges_are_not_characters():
    plate = np.full((60, 300, 3), 235, np.uint8)
    for x, char in zip((15, 65, 165, 215), "AB12"):
        cv2.putText(plate, char, (x, 48), cv2.FONT_HERSHEY_SIMPLEX, 1.5, (20, 20, 20), 4)
    cv2.ellipse(plate, (135, 30), (14, 19), 0, 0, 360, (40, 40, 200), -1)  # a red shield between the groups
    cv2.line(plate, (135, 14), (135, 46), (235, 235, 235), 4)  # with a white cross on it
    cv2.line(plate, (124, 26), (146, 26), (235, 235, 235), 4)
    plate[14:50, -9:] = 20  # the frame's edge where the crop cuts it
    plate = cv2.resize(plate, (190, 60))  # plate characters are narrower than Hershey's
    assert len(CharSegmenter()(plate)) == 4
    assert len(CharSegmenter(edge_bars=False)(plate)) == 5
    assert len(CharSegmenter(max_chroma_excess=None)(plate)) == 5


@pytest.mark.parametrize("index", range(len(PLATE_TEXTS)))
def test_locate_finds_the_labelled_box(samples, index):
    assert_locate_finds_the_labelled_box(samples[index])


def test_locate_finds_nothing_in_an_empty_scene():
    scene = np.full((300, 400, 3), 128, np.uint8)
    assert PlateLocator(cascade=None).candidates(scene) == []


def test_char_extent_maps_segmented_characters_back_into_the_photo(segmenter, samples):
    assert_char_extent_maps_back_to_the_box(segmenter, samples[1])


def test_extent_of_straight_boxes_is_their_bounding_box():
    segmentation = Segmentation(np.array([[10, 5, 8, 20], [22, 6, 8, 20], [34, 4, 8, 21]]), [None] * 3)
    assert segmentation.extent((100, 50, 60, 40), 3) == (110, 54, 32, 22)
    assert segmentation.extent((100, 50, 60, 40), 4) is None


def test_the_reader_prefers_plausible_plate_readings():
    locator = PlateLocator(cascade=None)
    assert locator.plausibility("AB1234", 0.5) > locator.plausibility("AB", 0.5)
    assert locator.tighten((0, 0, 100, 30), (5, 3, 90, 24)) == (5, 3, 90, 24)
    assert locator.tighten((0, 0, 100, 30), (200, 3, 90, 24)) == (0, 0, 100, 30)  # another row: kept
    assert locator.tighten((0, 0, 100, 30), None) == (0, 0, 100, 30)
