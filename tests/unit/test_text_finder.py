"""Finding plates as text (PP-OCR's text detector, lpr.reading.locate.text_finder) and the reader as the verifier of every
candidate (lpr.reading.pipeline): small plates found, one row a plate, none where no plate is."""
from pathlib import Path

import cv2
import matplotlib
import numpy as np
import pytest

from lpr.core.boxes import box_overlap
from lpr.core.centre_decode import pairwise_iou
from lpr.data.samples import PlateSample
from lpr.reading.pipeline import PlateResult
from lpr.reading.locate.text_finder import TextFinder
from lpr.reading.locate.verify import PlateCheck
from tests.conftest import clean_plate, synthetic_photo


def small_plate_scene() -> tuple[np.ndarray, tuple[int, int, int, int]]:
    """A 1280 x 960 photo holding one plate 60 pixels wide."""
    plate = clean_plate("KX42ZQ7", seed=3)[0]
    plate = cv2.resize(plate, (60, round(60 * plate.shape[0] / plate.shape[1])), interpolation=cv2.INTER_AREA)
    return synthetic_photo(plate, seed=3, size=(960, 1280))


def test_a_60_pixel_plate_in_a_1280_pixel_photo_is_found_and_read_once():
    from lpr import Reader

    photo, (x, y, w, h) = small_plate_scene()
    lines = TextFinder()(photo)
    assert (pairwise_iou(lines.boxes, np.array([[x, y, x + w, y + h]], np.float32)) >= 0.5).any(), lines.boxes
    plates = Reader().read(photo)
    assert len(plates) == 1 and box_overlap(plates[0].box, (x, y, w, h)) > 0.8, plates


def test_a_photo_without_a_plate_gives_none_though_it_holds_text():
    """Grace Hopper's portrait: her name tag is a line of text the text detector finds; it reads as no plate."""
    from lpr import Reader

    photo = cv2.imread(str(Path(matplotlib.get_data_path()) / "sample_data" / "grace_hopper.jpg"))
    assert len(TextFinder()(photo))
    assert Reader().read(photo) == []


def result(text: str, confidence: float, box: tuple[int, int, int, int]) -> PlateResult:
    return PlateResult(PlateSample(Path("photo.jpg")), text, confidence, box, np.zeros((8, 8, 3), np.uint8), None)


def test_overlapping_candidates_of_one_plate_give_one_row_and_words_give_none():
    check = PlateCheck(plate_chars=(4, 10), min_digits=1, same_plate=0.5)
    plate_box, its_text_line, elsewhere = (100, 100, 120, 40), (110, 108, 100, 24), (400, 100, 120, 40)
    found = [result("AB123CD", 0.7, plate_box), result("AB123CD", 0.9, its_text_line),
             result("XY98765", 0.6, elsewhere), result("EXIT", 0.99, (400, 10, 80, 20)),
             result("12", 0.99, (10, 10, 30, 20))]
    assert [(r.text, r.box) for r in check.one_a_plate(found)] == [("AB123CD", its_text_line),
                                                                       ("XY98765", elsewhere)]


def test_the_text_finder_finds_the_lines_rapidocr_finds():
    """The DB post-processing is PaddleOCR's as RapidOCR has it: the same lines, each box within a few pixels."""
    utils = pytest.importorskip("rapidocr.ch_ppocr_det.utils")
    finder = TextFinder(side=736, min_height=1)
    photo = cv2.imread(str(Path(matplotlib.get_data_path()) / "sample_data" / "grace_hopper.jpg"))
    photo = np.ascontiguousarray(np.concatenate([photo, small_plate_scene()[0][:photo.shape[0], :photo.shape[1]]], 1))
    quads, _ = utils.DBPostProcess(thresh=0.3, box_thresh=0.5, unclip_ratio=1.6, use_dilation=True)(
        finder.net(utils.DetPreProcess(736, "min", [0.5] * 3, [0.5] * 3)(photo)), photo.shape[:2])
    theirs = np.c_[quads.min(1), quads.max(1)].astype(np.float32)
    ours = finder(photo).boxes
    assert len(ours) == len(theirs) >= 2
    assert (pairwise_iou(ours, theirs).max(1) > 0.85).all()


def test_the_candidates_of_one_plate_vote_on_its_reading():
    """A text line cut at a gap reads surer than whole-plate boxes that agree with each other: the plate's
    candidates vote, as a box's margins do."""
    check = PlateCheck(plate_chars=(4, 10), min_digits=1, same_plate=0.5)
    found = [result("WA56", 0.78, (226, 316, 62, 17)), result("WA56660", 0.75, (238, 311, 92, 25)),
             result("WA56660", 0.62, (234, 308, 84, 29))]
    assert [(r.text, r.confidence) for r in check.one_a_plate(found)] == [("WA56660", 0.75)]
