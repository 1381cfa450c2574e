"""lpr.read end to end on real photos with the tiny checkpoint: outputs, metrics, bad input, engines."""
import csv
import json
import sys
import types

import cv2
import numpy as np
import pytest
import torch

from lpr.errors import LprError
from tests.conftest import OPENALPR, PHOTOS, compose_config, run_cli


def run_read(tmp_path, *overrides):
    from lpr.read import read

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


def test_bad_entries_are_reported_and_the_rest_is_read(tiny_ckpt, openalpr_folder, tmp_path, capsys):
    crops = tmp_path / "crops"
    crops.mkdir()
    photo = cv2.imread(str(openalpr_folder / "FZB9581.jpg"))
    cv2.imwrite(str(crops / "good.png"), photo[480:590, 950:1250])
    (crops / "broken.jpg").write_bytes(b"not an image")
    (crops / "labels.csv").write_text("image,text\ngood.png,FZB9581\nbroken.jpg,AAA1111\nmissing.jpg,BBB2222\n")
    metrics, run_dir = run_read(tmp_path, f"ckpt_path={tiny_ckpt}", f"input={crops}", "locate=none")
    errors = [line for line in capsys.readouterr().err.splitlines() if line.startswith("error:")]
    assert len(errors) == 2
    assert any("broken.jpg" in line and "not a readable image" in line for line in errors)
    assert any("missing.jpg" in line and "not found" in line for line in errors)
    assert [row["image"] for row in predictions(run_dir)] == ["good.png"]
    assert metrics["n_problems"] == 2 and metrics["plate/n"] == 1


def test_box_outside_the_image_is_one_error_line(tiny_ckpt, openalpr_folder, tmp_path, capsys):
    (openalpr_folder / "eu11.txt").unlink()
    (openalpr_folder / "eu11.txt").write_text("eu11.jpg\t5000\t5000\t100\t30\tBS47040\n")
    metrics, run_dir = run_read(tmp_path, f"ckpt_path={tiny_ckpt}", f"input={openalpr_folder}", "locate=box")
    errors = [line for line in capsys.readouterr().err.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and "eu11.jpg" in errors[0] and "outside" in errors[0]
    assert len(predictions(run_dir)) == 2


class CropSizeEngine:
    """A stand-in engine that reads each crop as the text planned for its size, and keeps what it was given."""

    formats = None

    def __init__(self):
        self.texts, self.read = {}, []

    def prepare(self, crop):
        return crop.shape

    def read_prepared(self, shapes):
        self.read += shapes
        return [(self.texts[shape], 0.9 if self.texts[shape] == "SSS" else 0.5) for shape in shapes]


def test_locate_box_reads_later_margins_only_where_the_first_disagree(openalpr_folder):
    from omegaconf import OmegaConf

    from lpr.plates import load_plate_samples
    from lpr.read import PlateReader
    from lpr.segment import CharSegmenter

    engine = CropSizeEngine()
    locate = OmegaConf.create({"mode": "box", "crop_margin": [0.04, 0.15], "vote_margins": [[0.0, 0.0], [0.02, 0.1]]})
    reader = PlateReader([engine], locate, CharSegmenter(), threads=2)
    samples, _ = load_plate_samples(openalpr_folder)
    # per photo, the readings of its three margins: the first two agree; they disagree and the third decides; all
    # three disagree and the surest wins
    plan = [["ABC", "ABC", "XYZ"], ["ABC", "XYZ", "XYZ"], ["QQQ", "RRR", "SSS"]]
    crops = [reader.plate_crops(sample)[0] for sample in samples]
    engine.texts = {crop.shape: text for photo, texts in zip(crops, plan) for crop, text in zip(photo, texts)}
    assert len(engine.texts) == 9  # every crop has a size of its own
    opencv_threads = cv2.getNumThreads()
    results = reader.read(samples, batch_plates=256, problems=[])
    assert cv2.getNumThreads() == opencv_threads  # single-threaded OpenCV only while reading
    assert [result.text for result in results] == ["ABC", "XYZ", "SSS"]
    assert sorted(engine.read) == sorted(crop.shape for crop in [*crops[0][:2], *crops[1], *crops[2]])


def test_an_ensemble_votes_with_every_reading_of_each_engine(openalpr_folder):
    from collections import defaultdict

    from omegaconf import OmegaConf

    from lpr.plates import load_plate_samples
    from lpr.read import PlateReader
    from lpr.segment import CharSegmenter

    def engine_reading(text):
        engine = CropSizeEngine()
        engine.texts = defaultdict(lambda: text)
        return engine

    locate = OmegaConf.create({"mode": "box", "crop_margin": [0.04, 0.15], "vote_margins": [[0.0, 0.0], [0.02, 0.1]]})
    samples, _ = load_plate_samples(openalpr_folder)
    agreeing = [engine_reading("ABC"), engine_reading("ABC")]
    results = PlateReader(agreeing, locate, CharSegmenter(), threads=2).read(samples, 256, [])
    assert [result.text for result in results] == ["ABC"] * 3
    assert [len(engine.read) for engine in agreeing] == [6, 6]  # two margins of each photo each: the vote is won
    # six readings against three surer ones: the majority wins; the third margins are read since the first disagree
    outvoted = [engine_reading("ABC"), engine_reading("ABC"), engine_reading("SSS")]
    results = PlateReader(outvoted, locate, CharSegmenter(), threads=2).read(samples, 256, [])
    assert [result.text for result in results] == ["ABC"] * 3
    assert [len(engine.read) for engine in outvoted] == [9, 9, 9]
    tied = [engine_reading("ABC"), engine_reading("SSS")]  # three votes each: the surer reading wins
    assert [r.text for r in PlateReader(tied, locate, CharSegmenter(), threads=2).read(samples, 256, [])] == ["SSS"] * 3


def test_read_with_a_list_of_checkpoints(tiny_ckpt, openalpr_folder, tmp_path):
    single, single_dir = run_read(tmp_path / "one", f"ckpt_path={tiny_ckpt}", f"input={openalpr_folder}", "locate=box")
    pair, pair_dir = run_read(tmp_path / "two", f"ckpt_path=[{tiny_ckpt},{tiny_ckpt}]", f"input={openalpr_folder}",
                              "locate=box")
    assert [row["text"] for row in predictions(pair_dir)] == [row["text"] for row in predictions(single_dir)]
    assert json.loads((pair_dir / "metrics.json").read_text())["ckpt_path"] == [str(tiny_ckpt)] * 2
    assert pair["plate/acc"] == single["plate/acc"]
    with pytest.raises(LprError, match="ckpt_path: an empty list"):
        run_read(tmp_path / "none", "ckpt_path=[]", f"input={openalpr_folder}")


def test_majority_reading_counts_votes_then_confidence(tiny_ckpt, openalpr_folder, tmp_path):
    from lpr.read import PlateReading, majority_reading

    readings = [PlateReading("ABC123", 0.9), PlateReading("ABC128", 0.5), PlateReading("ABC128", 0.4),
                PlateReading("XYZ", 0.99)]
    assert majority_reading(readings, [0, 1, 2]) == (1, pytest.approx(0.3))  # two votes beat one surer one
    assert majority_reading(readings, [0, 3]) == (3, pytest.approx(0.495))  # a tie goes to the surer reading
    assert majority_reading(readings, [0]) == (0, 0.9)
    with pytest.raises(LprError, match="vote_margins.*fractions"):
        run_read(tmp_path, f"ckpt_path={tiny_ckpt}", f"input={openalpr_folder}", "locate=box",
                 "locate.vote_margins=[[0.1]]")
    with pytest.raises(LprError, match=r"edge_min_prob: must be in \[0, 1\), got 1.5"):
        run_read(tmp_path, f"ckpt_path={tiny_ckpt}", f"input={openalpr_folder}", "edge_min_prob=1.5")
    with pytest.raises(LprError, match="edge_min_prob: must be in .*got 'high'"):
        run_read(tmp_path, f"ckpt_path={tiny_ckpt}", f"input={openalpr_folder}", "edge_min_prob=high")


def test_engine_classifies_the_characters_of_all_plates_in_slices(tiny_ckpt, openalpr_folder):
    from lpr.checkpoint import load_classifier
    from lpr.read import ClassicEngine
    from lpr.segment import CharSegmenter

    classifier = load_classifier(tiny_ckpt)
    engine = ClassicEngine(classifier, CharSegmenter(), classifier.input_size, batch_chars=5)
    calls = []
    classify = engine.classify
    engine.classify = lambda batch: calls.append(batch.shape) or classify(batch)
    photo = cv2.imread(str(openalpr_folder / "FZB9581.jpg"))
    plates = [photo[480:590, 950:1250], photo[480:590, 950:1250], np.full((30, 90, 3), 255, np.uint8)]
    readings = engine.read_crops(plates)
    assert all(shape[0] <= 5 and shape[1:] == (1, classifier.input_size, classifier.input_size) for shape in calls)
    assert sum(shape[0] for shape in calls) == sum(len(text) for text, _ in readings) > 5
    assert readings[0][0] == readings[1][0] and readings[0][1] == pytest.approx(readings[1][1], abs=1e-5)
    assert readings[2] == ("", 0.0)
    assert all(isinstance(text, str) and 0.0 <= confidence <= 1.0 for text, confidence in readings)
    engine.batch_chars = 1000  # one batch reads the same
    texts, confidences = zip(*readings)
    assert [text for text, _ in engine.read_crops(plates)] == list(texts)
    assert [confidence for _, confidence in engine.read_crops(plates)] == pytest.approx(confidences, abs=1e-5)


def test_load_engine_hands_crnn_checkpoints_to_their_engine(tmp_path, monkeypatch):
    from lpr.read import load_engine

    ckpt = tmp_path / "crnn.ckpt"
    torch.save({"hyper_parameters": {"engine": "crnn"}, "state_dict": {}}, ckpt)
    fake = types.ModuleType("lpr.plate_module")
    fake.CrnnEngine = types.SimpleNamespace(from_checkpoint=lambda path: ("crnn engine", path))
    monkeypatch.setitem(sys.modules, "lpr.plate_module", fake)
    assert load_engine(ckpt, None) == ("crnn engine", ckpt)


@pytest.mark.slow
def test_cli_reads_and_nothing_readable_exits_non_zero(tiny_ckpt, openalpr_folder, tmp_path):
    run_dir = tmp_path / "cli"
    done = run_cli("lpr.read", f"ckpt_path={tiny_ckpt}", f"input={openalpr_folder}", "locate=box",
                   f"hydra.run.dir={run_dir}")
    assert done.returncode == 0, done.stderr
    assert len([line for line in done.stdout.splitlines() if "\t" in line]) == 3
    assert json.loads((run_dir / "metrics.json").read_text())["plate/n"] == 3

    empty = tmp_path / "empty"
    empty.mkdir()
    done = run_cli("lpr.read", f"ckpt_path={tiny_ckpt}", f"input={empty}", f"hydra.run.dir={tmp_path / 'cli2'}")
    assert done.returncode != 0
    assert done.stderr.strip().splitlines()[-1].startswith(f"error: {empty}")
    assert "Traceback" not in done.stderr

    (empty / "junk.jpg").write_bytes(b"\x00" * 10)
    done = run_cli("lpr.read", f"ckpt_path={tiny_ckpt}", f"input={empty}", "locate=none",
                   f"hydra.run.dir={tmp_path / 'cli3'}")
    assert done.returncode != 0 and "junk.jpg" in done.stderr and "Traceback" not in done.stderr


def test_subset_val_reads_the_checkpoints_own_val_share(small_crnn_ckpt, tmp_path):
    from lpr.errors import LprError
    from lpr.plates import hash_split, load_plate_samples

    folder, percent = OPENALPR / "eu", {"train": 30, "val": 20}
    checkpoint = torch.load(small_crnn_ckpt, weights_only=False)
    checkpoint["datamodule_hyper_parameters"] = {"roots": [str(folder)], "split_percent": percent,
                                                 "split_salt": "lpr-plates"}
    ckpt = tmp_path / "split.ckpt"
    torch.save(checkpoint, ckpt)
    names = [s.name for s in load_plate_samples(folder)[0]]
    for subset in ("val", "train"):
        _, run_dir = run_read(tmp_path / subset, f"ckpt_path={ckpt}", f"input={folder}", "locate=box",
                              f"subset={subset}")
        expected = sorted(n for n in names if hash_split(n, percent, "lpr-plates") == subset)
        assert expected and sorted(row["image"] for row in predictions(run_dir)) == expected
    with pytest.raises(LprError, match="no split real photos"):
        run_read(tmp_path / "none", f"ckpt_path={small_crnn_ckpt}", f"input={folder}", "subset=val")
    other = tmp_path / "other_split.ckpt"  # an ensemble is compared on val only if its members share one split
    checkpoint["datamodule_hyper_parameters"]["split_percent"] = {"train": 40, "val": 10}
    torch.save(checkpoint, other)
    with pytest.raises(LprError, match="other_split.ckpt.*split .* differs from"):
        run_read(tmp_path / "mixed", f"ckpt_path=[{ckpt},{other}]", f"input={folder}", "subset=val")
    checkpoint["datamodule_hyper_parameters"]["split_percent"] = {"train": 50, "val": 0}  # a final fit on train + val
    torch.save(checkpoint, ckpt)
    with pytest.raises(LprError, match="no val share"):
        run_read(tmp_path / "refit", f"ckpt_path={ckpt}", f"input={folder}", "subset=val")
