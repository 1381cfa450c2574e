"""The plate generator: deterministic, draws the requested text in every layout, the boxes it reports are where
its characters are, its config axes are checked, and its data set is cached once."""
import csv

import cv2
import numpy as np
import pytest

from lpr.core.errors import LprError
from lpr.core.formats import PlateFormats
from lpr.data.plate_style import SCHEMES
from lpr.data.synth_plates import PlateSynth, RegionFormats
from tests.conftest import CLEAN, compose_config

LAYOUTS = {"one row": {}, "two rows": {"two_rows_p": 1.0}, "stacked": {"stacked_p": 1.0},
           "emblem beside": {"side_emblem_p": 1.0}}


def ink_components(gray: np.ndarray) -> np.ndarray:
    """Boxes (x0, y0, x1, y1) of the dark blobs at least a third as tall as the tallest: a clean plate's characters."""
    _, ink = cv2.threshold(gray, 0, 255, cv2.THRESH_BINARY_INV + cv2.THRESH_OTSU)
    count, _, stats, _ = cv2.connectedComponentsWithStats(ink)
    stats = stats[1:count]
    stats = stats[stats[:, cv2.CC_STAT_HEIGHT] >= stats[:, cv2.CC_STAT_HEIGHT].max() / 3]
    x, y, w, h = stats[:, :4].T
    return np.stack([x, y, x + w, y + h], 1).astype(np.float32)


def iou(a: np.ndarray, b: np.ndarray) -> float:
    w = max(0.0, min(a[2], b[2]) - max(a[0], b[0]))
    h = max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
    union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - w * h
    return w * h / union


def test_renderer_is_deterministic_per_seed():
    synth = PlateSynth()
    first, text, _ = synth.render(np.random.default_rng([7, 0, 3]))
    again, text_again, _ = synth.render(np.random.default_rng([7, 0, 3]))
    other, _, _ = synth.render(np.random.default_rng([7, 0, 4]))
    assert text == text_again and np.array_equal(first, again)
    assert first.dtype == np.uint8 and first.ndim == 2
    assert first.shape != other.shape or not np.array_equal(first, other)


@pytest.mark.parametrize(("printed", "label"), [("AB12", "AB12"), ("7XK-4409", "7XK4409"), ("PL 88", "PL88")])
def test_renderer_draws_the_requested_text(printed, label):
    crop, text, _ = PlateSynth(**CLEAN).render(np.random.default_rng(0), printed=printed)
    assert text == label
    assert len(ink_components(crop)) == len(label)


def test_an_emblem_between_groups_is_drawn_but_not_read():
    with_emblem, text, _ = PlateSynth(**CLEAN).render(np.random.default_rng(0), printed="YG9*X2G")
    with_gap, _, _ = PlateSynth(**CLEAN).render(np.random.default_rng(0), printed="YG9 X2G")
    assert text == "YG9X2G"
    ink = [(cv2.threshold(crop, 0, 255, cv2.THRESH_BINARY_INV + cv2.THRESH_OTSU)[1] > 0).sum()
           for crop in (with_emblem, with_gap)]
    assert ink[0] > ink[1]


def test_an_emblem_beside_the_registration_widens_the_plate_but_is_not_read():
    plain, text, _ = PlateSynth(**CLEAN).render(np.random.default_rng(0), printed="AB123")
    beside, text_beside, _ = PlateSynth(**CLEAN, side_emblem_p=1.0).render(np.random.default_rng(0), printed="AB123")
    assert text == text_beside == "AB123"
    assert plain.shape[0] == beside.shape[0] and beside.shape[1] > plain.shape[1]


def test_plate_strings_follow_the_patterns():
    synth = PlateSynth(patterns=["AA999AA", "free"], free_length=(2, 3))
    for seed in range(50):
        printed = synth.plate_string(np.random.default_rng(seed))
        assert (len(printed) == 7 and printed[:2].isalpha() and printed[2:5].isdigit() and printed[5:].isalpha()) \
            or 2 <= len(printed.replace(" ", "").replace("-", "").replace(".", "")) <= 3


def test_bad_settings_are_refused():
    with pytest.raises(LprError, match="patterns"):
        PlateSynth(patterns=["99#AA"])
    with pytest.raises(LprError, match="fonts"):
        PlateSynth(fonts=["comic_sans"])


def test_cache_is_generated_once_and_identically(tmp_path):
    synth = PlateSynth(count={"train": 4, "val": 2})
    root = synth.ensure(tmp_path / "a")
    assert synth.ensure(tmp_path / "a") == root
    with open(root / "train" / "labels.csv", newline="") as labels:
        rows = list(csv.DictReader(labels))
    assert len(rows) == 4 and all((root / "train" / row["image"]).is_file() for row in rows)
    copy = synth.ensure(tmp_path / "b")
    assert (root / "val" / "000001.png").read_bytes() == (copy / "val" / "000001.png").read_bytes()
    assert PlateSynth(count={"train": 5, "val": 2}).key() != synth.key()


@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize("seed", range(3))
def test_every_layout_draws_its_label_where_its_boxes_say(layout, seed):
    """Each reported box is one drawn character: the ink blob it covers, one to one, in reading order."""
    drawing = PlateSynth(**CLEAN, **LAYOUTS[layout]).render(np.random.default_rng(seed), printed="KT7-4409")
    assert "KT74409" in drawing.text and (layout == "stacked" or drawing.text == "KT74409")
    assert len(drawing.char_boxes) == len(drawing.text) == 7 + (2 if layout == "stacked" else 0)
    blobs = ink_components(drawing.image)
    if layout == "emblem beside":  # the emblem is ink too, but it has no box
        blobs = blobs[[max(iou(blob, box) for box in drawing.char_boxes) > 0.3 for blob in blobs]]
    assert len(blobs) == len(drawing.char_boxes)
    matches = [max(range(len(blobs)), key=lambda j: iou(box, blobs[j])) for box in drawing.char_boxes]
    assert len(set(matches)) == len(matches)
    assert min(iou(box, blobs[j]) for box, j in zip(drawing.char_boxes, matches)) > 0.5
    rows = drawing.char_boxes[:, 1].round(-1)
    for row in np.unique(rows):  # reading order: top row first, left to right within a row
        xs = drawing.char_boxes[rows == row, 0]
        assert (np.diff(xs) > 0).all()


def test_two_rows_put_the_first_group_above_the_second():
    drawing = PlateSynth(**CLEAN, two_rows_p=1.0).render(np.random.default_rng(0), printed="AB-12345")
    assert drawing.text == "AB12345"
    upper, lower = drawing.char_boxes[:2], drawing.char_boxes[2:]
    assert upper[:, 3].max() <= lower[:, 1].min()


def test_stacked_characters_are_read_top_first_where_they_stand():
    for seed in range(6):
        drawing = PlateSynth(**CLEAN, stacked_p=1.0).render(np.random.default_rng(seed), printed="ABC123")
        at_left = drawing.text.endswith("ABC123")
        pair = drawing.char_boxes[:2] if at_left else drawing.char_boxes[-2:]
        assert pair[0, 3] <= pair[1, 1] + 1 and abs(pair[0, 0] - pair[1, 0]) < 3  # one above the other
        assert (pair[:, 3] - pair[:, 1]).max() < 0.6 * (drawing.char_boxes[:, 3] - drawing.char_boxes[:, 1]).max()


@pytest.mark.parametrize("scheme", SCHEMES)
def test_every_colour_scheme_draws_readable_plates(scheme):
    drawing = PlateSynth(**{**CLEAN, "schemes": {scheme: 1.0}}).render(np.random.default_rng(1), printed="AB123")
    x0, y0, x1, y1 = drawing.char_boxes.round().astype(int).T
    inside = np.concatenate([drawing.image[a:b, c:d].ravel() for a, b, c, d in zip(y0, y1, x0, x1)])
    assert drawing.text == "AB123" and inside.std() > 8  # the characters stand out from their face


def test_region_formats_are_drawn_as_the_generic_patterns_are():
    synth = PlateSynth(patterns=["free"], free_length=(2, 2), regions={"uk": RegionFormats(["AA99 AAA"])})
    uk = PlateFormats(["AA99AAA"])
    strings = [synth.plate_string(np.random.default_rng(seed)) for seed in range(60)]
    from_uk = [s for s in strings if len(s) == 8]
    assert 10 < len(from_uk) < 50 and all(s[4] == " " for s in from_uk)
    assert all(uk.has_length(len(s.replace(" ", ""))) for s in from_uk)


def test_the_configured_generator_draws_every_region_of_configs_formats(tmp_path):
    cfg = compose_config("train", ["experiment=crnn_plates", "split.val_percent=0", "data.roots=null"], tmp_path)
    assert set(cfg.data.synth.regions) == {"us", "eu", "uk", "br", "ar"}
    assert all(PlateFormats(region.patterns) for region in cfg.data.synth.regions.values())


def test_bad_axes_are_refused_with_their_name():
    with pytest.raises(LprError, match="schemes"):
        PlateSynth(schemes={"chrome": 1.0})
    with pytest.raises(LprError, match="regions.xx"):
        PlateSynth(regions={"xx": RegionFormats(["AB#"])})


def test_the_cache_holds_each_characters_box(tmp_path):
    root = PlateSynth(count={"train": 6}).ensure(tmp_path)
    with open(root / "train" / "labels.csv", newline="") as f:
        labels = {row["image"]: row["text"] for row in csv.DictReader(f)}
    with open(root / "train" / "chars.csv", newline="") as f:
        chars = list(csv.DictReader(f))
    for image, text in labels.items():
        rows = [row for row in chars if row["image"] == image]
        height, width = cv2.imread(str(root / "train" / image), cv2.IMREAD_GRAYSCALE).shape
        assert "".join(row["char"] for row in rows) == text
        assert all(0 <= float(r["x"]) and float(r["x"]) + float(r["w"]) <= width + 0.1 and float(r["h"]) > 0
                   for r in rows)


def test_the_cache_follows_the_drawing_code(monkeypatch):
    """Generated data cached by other code is never reused: the drawing modules' code is part of the key."""
    key = PlateSynth().key()
    monkeypatch.setattr(PlateSynth, "drawn_by", ("lpr.data.synth_plates",))
    assert PlateSynth().key() != key
