"""lpr.read end to end on real photos with the tiny checkpoint trained on seed-chars: outputs, metrics, the
formats prior, and the subsets of the photo split on a real folder."""
import csv
import json
import re

import pytest
import torch

from lpr.core.errors import LprError
from lpr.data.samples import load_plate_samples
from tests.conftest import compose_config, photo_split, run_cli
from tests.integration.conftest import OPENALPR, PHOTOS


def run_read(tmp_path, *overrides):
    from lpr.cli.read import read

    run_dir = tmp_path / "run"
    return read(compose_config("read", list(overrides), run_dir)), run_dir


def predictions(run_dir):
    with (run_dir / "predictions.csv").open() as handle:
        return list(csv.DictReader(handle))


def test_read_box_writes_predictions_metrics_and_failures(tiny_ckpt, openalpr_folder, tmp_path, capsys):
    metrics, run_dir = run_read(tmp_path, f"ckpt_path={tiny_ckpt}", f"input={openalpr_folder}", "locate=box")
    rows = predictions(run_dir)
    assert [row["image"] for row in rows] == sorted(f"{stem}.jpg" for _, stem in PHOTOS)
    assert all(0.0 <= float(row["confidence"]) <= 1.0 for row in rows)
    # segmentation is good on these clean plates, so even a weak classifier reads the right number of characters
    assert sum(len(row["text"]) == 7 for row in rows) >= 2
    saved = json.loads((run_dir / "metrics.json").read_text())
    assert saved["plate/n"] == 3 and 0.0 <= saved["plate/acc"] <= 1.0 and saved["plate/cer"] >= 0.0
    assert saved["plates_per_s"] > 0 and "locate/recall" not in saved
    assert metrics["plate/acc"] == saved["plate/acc"]
    out = capsys.readouterr().out
    assert all(f"{row['image']}\t{row['text']}" in out for row in rows)
    if saved["plate/acc"] < 1.0:
        assert (run_dir / "failures.png").stat().st_size > 0
        assert list((run_dir / "tensorboard").glob("events.out.tfevents.*"))


def test_read_auto_finds_plates_and_reports_recall(tiny_ckpt, openalpr_folder, tmp_path):
    metrics, run_dir = run_read(tmp_path, f"ckpt_path={tiny_ckpt}", f"input={openalpr_folder}", "locate=auto")
    assert len(predictions(run_dir)) == 3
    assert 0.0 <= metrics["locate/recall"] <= 1.0
    assert metrics["plate/n"] == 3


def test_read_with_formats_gives_readings_of_the_format(tiny_ckpt, openalpr_folder, tmp_path):
    _, run_dir = run_read(tmp_path, f"ckpt_path={tiny_ckpt}", f"input={openalpr_folder}", "locate=box", "formats=br")
    texts = [row["text"] for row in predictions(run_dir)]
    assert all(re.fullmatch(r"[A-Z]{3}[0-9][A-Z0-9][0-9]{2}", t) for t in texts if len(t) == 7)
    assert sum(len(t) == 7 for t in texts) >= 2


def test_subset_val_reads_the_checkpoints_own_val_share(small_crnn_ckpt, tmp_path):
    folder = OPENALPR / "eu"
    split = photo_split("train", ("experiment=crnn_plates",))
    checkpoint = torch.load(small_crnn_ckpt, weights_only=False)
    checkpoint["datamodule_hyper_parameters"] = {"roots": [str(folder)], "split_percent": split.percent,
                                                 "split_salt": split.salt}
    ckpt = tmp_path / "split.ckpt"
    torch.save(checkpoint, ckpt)
    names = [s.name for s in load_plate_samples(folder)[0]]
    for subset in ("val", "train"):
        _, run_dir = run_read(tmp_path / subset, f"ckpt_path={ckpt}", f"input={folder}", "locate=box",
                              f"subset={subset}")
        expected = sorted(n for n in names if split.of(n) == subset)
        assert expected and sorted(row["image"] for row in predictions(run_dir)) == expected
    with pytest.raises(LprError, match="no split real photos"):
        run_read(tmp_path / "none", f"ckpt_path={small_crnn_ckpt}", f"input={folder}", "subset=val")


def test_subset_holdout_reads_the_held_out_share(small_crnn_ckpt, tmp_path):
    folder = OPENALPR / "br"
    split = photo_split()
    _, run_dir = run_read(tmp_path, f"ckpt_path={small_crnn_ckpt}", f"input={folder}", "locate=box",
                          "subset=holdout")
    names = [s.name for s in load_plate_samples(folder)[0]]
    assert sorted(row["image"] for row in predictions(run_dir)) == sorted(n for n in names if split.held_out(n))


@pytest.mark.slow
def test_cli_reads_real_photos(tiny_ckpt, openalpr_folder, tmp_path):
    run_dir = tmp_path / "cli"
    done = run_cli("lpr.read", f"ckpt_path={tiny_ckpt}", f"input={openalpr_folder}", "locate=box",
                   f"hydra.run.dir={run_dir}")
    assert done.returncode == 0, done.stderr
    assert len([line for line in done.stdout.splitlines() if "\t" in line]) == 3
    assert json.loads((run_dir / "metrics.json").read_text())["plate/n"] == 3
