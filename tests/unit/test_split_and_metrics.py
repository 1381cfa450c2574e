"""The photo split (lpr.data.split) and the plate metrics (lpr.core.plate_metrics): pure functions of names and
texts."""
from dataclasses import asdict

import numpy as np
import pytest

from lpr.core.boxes import box_iou, crop_box
from lpr.core.plate_metrics import char_matches, char_positions, exact_matches, normalize_plate, plate_metrics
from lpr.data.split import PhotoSplit
from tests.conftest import photo_split

NAMES = [f"photo{i}.jpg" for i in range(400)]


def test_held_out_is_the_test_share_and_fixed():
    split = photo_split()
    shares = [split.of(name) for name in NAMES]
    assert [share == "test" for share in shares] == [split.held_out(name) for name in NAMES]
    again = photo_split()
    assert shares == [again.of(name) for name in NAMES]  # a hash of the name: the same every time
    for share, percent in (("train", split.percent["train"]), ("val", split.percent["val"]),
                           ("test", 100 - split.held_out_from)):
        assert abs(shares.count(share) / len(NAMES) - percent / 100) < 0.1, share


def test_the_shares_follow_the_config():
    split = photo_split()
    more_val = photo_split("read", (f"split.val_percent={split.val_percent + 10}",))
    for name in NAMES:  # val grows out of train; the held-out share stays
        assert more_val.held_out(name) == split.held_out(name)
        if split.of(name) == "val":
            assert more_val.of(name) == "val"
    assert sum(more_val.of(n) == "val" for n in NAMES) > sum(split.of(n) == "val" for n in NAMES)
    nothing_held_out = photo_split("read", ("split.held_out_from=100",))
    assert not any(nothing_held_out.held_out(name) for name in NAMES)
    other_salt = photo_split("read", ("split.salt=another",))
    assert [other_salt.of(n) for n in NAMES] != [split.of(n) for n in NAMES]


def test_checkpoints_record_the_split_as_percent_and_salt():
    split = photo_split("train", ("experiment=crnn_plates",))
    assert PhotoSplit.from_percent(split.percent, split.salt, [asdict(g) for g in split.groups]) == split
    assert sum(split.percent.values()) == split.held_out_from and split.percent["val"] == split.val_percent


def test_impossible_shares_are_refused():
    split = photo_split()
    with pytest.raises(ValueError, match=r"val_percent \(\d+\) <= held_out_from \(\d+\)"):
        PhotoSplit(split.salt, split.val_percent - 1 if split.val_percent else 0, split.val_percent + 1)


def test_plate_text_and_metrics():
    assert normalize_plate("ab-12 3") == "AB123"
    metrics = plate_metrics(["AB123", "ab-124", "", "OY09FEU"], ["AB123", "AB123", "XY", "OYO9FEU"])
    assert metrics["plate/acc"] == pytest.approx(1 / 4)
    assert metrics["plate/acc_o0"] == pytest.approx(2 / 4)
    assert metrics["plate/n"] == 4
    assert metrics["plate/cer"] == pytest.approx(4 / 19)
    # per character: 5 + 4 + 0 + 6 right of 5 + 5 + 2 + 7 positions
    assert metrics["plate/char_acc"] == pytest.approx(15 / 19)
    assert metrics["plate/len_acc"] == pytest.approx(3 / 4)
    assert plate_metrics([], []) == {"plate/n": 0}


def test_per_plate_and_per_character_matches():
    assert exact_matches(["AB1", "AB2"], ["AB1", "AB1"]) == [True, False]
    with pytest.raises(ValueError):
        exact_matches(["AB1"], ["AB1", "AB2"])
    assert char_matches("AB12", "AB13") == 3 and char_positions("AB12", "AB13") == 4
    assert char_matches("AB1", "AB12") == 3 and char_positions("AB1", "AB12") == 4  # a missing one is wrong
    assert char_matches("", "XY") == 0 and char_positions("", "XY") == 2


def test_box_overlap_and_crops_with_a_margin():
    assert box_iou((0, 0, 10, 10), (0, 0, 10, 10)) == 1.0
    assert box_iou((0, 0, 10, 10), (5, 0, 10, 10)) == pytest.approx(50 / 150)
    assert box_iou((0, 0, 10, 10), (20, 20, 5, 5)) == 0.0 and box_iou((0, 0, 0, 0), (0, 0, 0, 0)) == 0.0
    image = np.arange(100 * 200).reshape(100, 200)
    crop, origin = crop_box(image, (50, 40, 100, 20), (0.1, 0.5))
    assert origin == (40, 30, 120, 40) and np.array_equal(crop, image[30:70, 40:160])
    crop, origin = crop_box(image, (180, 90, 40, 20), (0.0, 0.0))  # clipped at the image's edges
    assert origin == (180, 90, 20, 10) and crop.shape == (10, 20)
