"""lpr.read end to end on real photos with the tiny checkpoint trained on seed-chars: outputs, metrics, the
formats prior, and the subsets of the photo split on a real folder."""
import re

import pytest

from tests.integration.conftest import OPENALPR, PHOTOS
from tests.unit.test_read import (assert_cli_reads, assert_holdout_reads_the_held_out_share,
                                  assert_read_auto_reports_recall, assert_read_box_outputs,
                                  assert_subset_val_reads_the_checkpoints_own_val_share, predictions, run_read)


def test_read_box_writes_predictions_metrics_and_failures(tiny_ckpt, openalpr_folder, tmp_path, capsys):
    saved, run_dir = assert_read_box_outputs(tiny_ckpt, openalpr_folder, tmp_path, capsys, min_seven=2)
    assert [row["image"] for row in predictions(run_dir)] == sorted(f"{stem}.jpg" for _, stem in PHOTOS)
    assert saved["plate/n"] == 3


def test_read_auto_finds_plates_and_reports_recall(tiny_ckpt, openalpr_folder, tmp_path):
    assert_read_auto_reports_recall(tiny_ckpt, openalpr_folder, tmp_path, 3)


def test_read_with_formats_gives_readings_of_the_format(tiny_ckpt, openalpr_folder, tmp_path):
    _, run_dir = run_read(tmp_path, f"ckpt_path={tiny_ckpt}", f"input={openalpr_folder}", "locate=box", "formats=br")
    texts = [row["text"] for row in predictions(run_dir)]
    assert all(re.fullmatch(r"[A-Z]{3}[0-9][A-Z0-9][0-9]{2}", t) for t in texts if len(t) == 7)
    assert sum(len(t) == 7 for t in texts) >= 2


def test_subset_val_reads_the_checkpoints_own_val_share(small_crnn_ckpt, tmp_path):
    assert_subset_val_reads_the_checkpoints_own_val_share(small_crnn_ckpt, OPENALPR / "eu", tmp_path)


def test_subset_holdout_reads_the_held_out_share(small_crnn_ckpt, tmp_path):
    assert_holdout_reads_the_held_out_share(small_crnn_ckpt, OPENALPR / "br", tmp_path)


@pytest.mark.slow
def test_cli_reads_real_photos(tiny_ckpt, openalpr_folder, tmp_path):
    assert_cli_reads(tiny_ckpt, openalpr_folder, tmp_path / "cli", len(PHOTOS))
