"""Reading plates end to end on generated photos with seeded checkpoints: outputs, metrics, bad input, engines, the
vote, subsets of the photo split. `run_read`, `predictions` and the `assert_...` checks serve
tests/integration/test_read.py too, on real photos."""
import csv
import json
import re

import cv2
import numpy as np
import pytest
import torch

from lpr.core.errors import LprError, exit_on_lpr_error
from lpr.core.formats import PlateFormats
from lpr.data.samples import load_plate_samples
from lpr.reading.engines.classic import ClassicEngine
from lpr.reading.engines.ctc import CtcEngine
from lpr.reading.engines.base import Engine, PlateReading
from lpr.reading.locate import Locate
from lpr.vision.segment import CharSegmenter
from tests.conftest import PLATE_TEXTS, clean_plate, compose_config, photo_split, run_in_process


def run_read(tmp_path, *overrides):
    from lpr.cli.read import read

    run_dir = tmp_path / "run"
    return read(compose_config("read", list(overrides), run_dir)), run_dir


def predictions(run_dir):
    with (run_dir / "predictions.csv").open() as handle:
        return list(csv.DictReader(handle))


def assert_read_box_outputs(ckpt, folder, tmp_path, capsys, min_seven: int) -> dict:
    """`lpr.read locate=box` of `folder`: a prediction per photo, in name order, with its confidence, at least
    `min_seven` of 7 characters (segmentation is good on clean plates, so even a weak classifier reads the right
    number of characters); plate metrics saved and returned; each row printed; failures shown where there are any.
    Returns the saved metrics and the run dir."""
    metrics, run_dir = run_read(tmp_path, f"ckpt_path={ckpt}", f"input={folder}", "locate=box")
    rows = predictions(run_dir)
    assert [row["image"] for row in rows] == sorted(path.name for path in folder.glob("*.jpg"))
    assert all(0.0 <= float(row["confidence"]) <= 1.0 for row in rows)
    assert sum(len(row["text"]) == 7 for row in rows) >= min_seven
    saved = json.loads((run_dir / "metrics.json").read_text())
    assert saved["plate/n"] == len(rows) and 0.0 <= saved["plate/acc"] <= 1.0 and saved["plate/cer"] >= 0.0
    assert saved["plates_per_s"] > 0 and "locate/recall" not in saved
    assert metrics["plate/acc"] == saved["plate/acc"]
    out = capsys.readouterr().out
    assert all(f"{row['image']}\t{row['text']}" in out for row in rows)
    if saved["plate/acc"] < 1.0:
        assert (run_dir / "failures.png").stat().st_size > 0
        assert list((run_dir / "tensorboard").glob("events.out.tfevents.*"))
    return saved, run_dir


def assert_read_auto_reports_recall(ckpt, folder, tmp_path, count: int):
    """`lpr.read locate=auto` of `folder`: one prediction per labelled photo, and the locator's recall."""
    metrics, run_dir = run_read(tmp_path, f"ckpt_path={ckpt}", f"input={folder}", "locate=auto")
    assert len(predictions(run_dir)) == count
    assert 0.0 <= metrics["locate/recall"] <= 1.0
    assert metrics["plate/n"] == count


def test_read_box_writes_predictions_metrics_and_failures(small_ckpt, photo_folder, tmp_path, capsys):
    saved, run_dir = assert_read_box_outputs(small_ckpt, photo_folder, tmp_path, capsys, min_seven=4)
    assert saved["plate/n"] == len(PLATE_TEXTS) and 0.0 <= saved["plate/char_acc"] <= 1.0
    assert saved["plate/acc"] < 1.0  # an untrained classifier: there are failures to show, and they are shown
    assert {"config_resolved.yaml", "provenance.json"} <= {path.name for path in run_dir.iterdir()}


def test_read_auto_finds_plates_and_reports_recall(small_ckpt, photo_folder, tmp_path):
    assert_read_auto_reports_recall(small_ckpt, photo_folder, tmp_path, len(PLATE_TEXTS))


def test_bad_entries_are_reported_and_the_rest_is_read(small_ckpt, photo_folder, tmp_path, capsys):
    sample = load_plate_samples(photo_folder)[0][0]
    x, y, w, h = sample.box
    crops = tmp_path / "crops"
    crops.mkdir()
    cv2.imwrite(str(crops / "good.png"), cv2.imread(str(sample.image_path))[y:y + h, x:x + w])
    (crops / "broken.jpg").write_bytes(b"not an image")
    (crops / "labels.csv").write_text(f"image,text\ngood.png,{sample.text}\nbroken.jpg,AAA1111\nmissing.jpg,BBB2222\n")
    metrics, run_dir = run_read(tmp_path, f"ckpt_path={small_ckpt}", f"input={crops}", "locate=none")
    errors = [line for line in capsys.readouterr().err.splitlines() if line.startswith("error:")]
    assert len(errors) == 2
    assert any("broken.jpg" in line and "not a readable image" in line for line in errors)
    assert any("missing.jpg" in line and "not found" in line for line in errors)
    assert [row["image"] for row in predictions(run_dir)] == ["good.png"]
    assert metrics["n_problems"] == 2 and metrics["plate/n"] == 1


def test_box_outside_the_image_is_one_error_line(small_ckpt, photos, tmp_path, capsys):
    stem = sorted(photos.glob("*.txt"))[0].stem
    (photos / f"{stem}.txt").write_text(f"{stem}.jpg\t5000\t5000\t100\t30\tBS47040\n")
    metrics, run_dir = run_read(tmp_path, f"ckpt_path={small_ckpt}", f"input={photos}", "locate=box")
    errors = [line for line in capsys.readouterr().err.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and f"{stem}.jpg" in errors[0] and "outside" in errors[0]
    assert len(predictions(run_dir)) == len(PLATE_TEXTS) - 1


class CropSizeEngine(Engine):
    """A stand-in engine that reads each crop as the text planned for its size, and keeps what it was given."""

    formats = PlateFormats()

    def __init__(self):
        self.texts, self.read = {}, []

    def prepare(self, crop):
        return crop.shape

    def read_prepared(self, shapes):
        self.read += shapes
        return [PlateReading(self.texts[shape], 0.9 if self.texts[shape] == "SSS" else 0.5) for shape in shapes]

    def stages(self):
        return []


BOX_VOTE = {"mode": "box", "crop_margin": [0.04, 0.15], "vote_margins": [[0.0, 0.0], [0.02, 0.1]]}


def test_locate_box_reads_later_margins_only_where_the_first_disagree(photo_folder):
    from lpr.reading.pipeline import PlateReader

    engine = CropSizeEngine()
    reader = PlateReader([engine], Locate(**BOX_VOTE), CharSegmenter(), threads=2)
    samples = load_plate_samples(photo_folder)[0][:3]
    # per photo, the readings of its three margins: the first two agree; they disagree and the third decides; all
    # three disagree and the surest wins
    plan = [["ABC", "ABC", "XYZ"], ["ABC", "XYZ", "XYZ"], ["QQQ", "RRR", "SSS"]]
    crops = [[c.crop for c in reader.plate_crops(sample, reader.load).candidates] for sample in samples]
    engine.texts = {crop.shape: text for photo, texts in zip(crops, plan) for crop, text in zip(photo, texts)}
    assert len(engine.texts) == 9  # every crop has a size of its own
    opencv_threads = cv2.getNumThreads()
    results = reader.read(samples, batch_plates=256, problems=[])
    assert cv2.getNumThreads() == opencv_threads  # single-threaded OpenCV only while reading
    assert [result.text for result in results] == ["ABC", "XYZ", "SSS"]
    assert sorted(engine.read) == sorted(crop.shape for crop in [*crops[0][:2], *crops[1], *crops[2]])


def test_an_ensemble_votes_with_every_reading_of_each_engine(photo_folder):
    from collections import defaultdict

    from lpr.reading.pipeline import PlateReader

    def engine_reading(text):
        engine = CropSizeEngine()
        engine.texts = defaultdict(lambda: text)
        return engine

    locate = Locate(**BOX_VOTE)
    samples = load_plate_samples(photo_folder)[0][:3]
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


def test_read_with_a_list_of_checkpoints(small_ckpt, photo_folder, tmp_path):
    single, single_dir = run_read(tmp_path / "one", f"ckpt_path={small_ckpt}", f"input={photo_folder}", "locate=box")
    pair, pair_dir = run_read(tmp_path / "two", f"ckpt_path=[{small_ckpt},{small_ckpt}]", f"input={photo_folder}",
                              "locate=box")
    assert [row["text"] for row in predictions(pair_dir)] == [row["text"] for row in predictions(single_dir)]
    assert json.loads((pair_dir / "metrics.json").read_text())["ckpt_path"] == [str(small_ckpt)] * 2
    assert pair["plate/acc"] == single["plate/acc"]
    with pytest.raises(LprError, match="ckpt_path: an empty list"):
        run_read(tmp_path / "none", "ckpt_path=[]", f"input={photo_folder}")


def test_majority_reading_counts_votes_then_confidence():
    from lpr.reading.vote import majority_reading

    readings = [PlateReading("ABC123", 0.9), PlateReading("ABC128", 0.5), PlateReading("ABC128", 0.4),
                PlateReading("XYZ", 0.99)]
    assert majority_reading(readings[:3]) == (1, pytest.approx(0.3))  # two votes beat one surer one
    assert majority_reading([readings[0], readings[3]]) == (1, pytest.approx(0.495))  # a tie: the surer reading
    assert majority_reading(readings[:1]) == (0, 0.9)


def test_bad_reading_settings_are_one_error_line(small_ckpt, photo_folder, tmp_path, capsys):
    from lpr.cli.read import read

    with pytest.raises(LprError, match=r"config value `vote_margins\.0\.1` for lpr.reading.locate.Locate"):
        run_read(tmp_path, f"ckpt_path={small_ckpt}", f"input={photo_folder}", "locate=box",
                 "locate.vote_margins=[[0.1]]")
    with pytest.raises(LprError, match="config value `mode` for lpr.reading.locate.Locate.*got 'sideways'"):
        run_read(tmp_path, f"ckpt_path={small_ckpt}", f"input={photo_folder}", "locate.mode=sideways")
    for override, message in (("edge_min_prob=1.5", "config value `edge_min_prob`.*less than 1.*got 1.5"),
                              ("edge_min_prob=high", "config value `edge_min_prob`.*got 'high'"),
                              ("subset=some", "config value `subset` for select_samples.*got 'some'"),
                              ("batch_plates=-1", "config value `batch_plates`.*greater than 0.*got -1")):
        cfg = compose_config("read", [f"ckpt_path={small_ckpt}", f"input={photo_folder}", override], tmp_path / "bad")
        with pytest.raises(SystemExit) as exit_info:
            exit_on_lpr_error(read)(cfg)
        errors = [line for line in capsys.readouterr().err.splitlines() if line.startswith("error: ")]
        assert exit_info.value.code == 2 and len(errors) == 1, errors
        assert re.search(message, errors[0]), errors[0]


def test_engine_classifies_the_characters_of_all_plates_in_slices(small_ckpt, photo_folder):
    from lpr.reading.engines.torch_model import TorchModel
    from lpr.training.checkpoint import load_trained

    classifier = load_trained(small_ckpt, kind="classifier")
    engine = ClassicEngine(TorchModel(classifier, "softmax"), CharSegmenter(), classifier.input_size,
                           batch_chars=5)
    calls = []
    classify = engine.classify
    engine.classify = lambda batch: calls.append(batch.shape) or classify(batch)
    sample = load_plate_samples(photo_folder)[0][0]
    x, y, w, h = sample.box
    plate = cv2.imread(str(sample.image_path))[y:y + h, x:x + w]
    plates = [plate, plate.copy(), np.full((30, 90, 3), 255, np.uint8)]
    readings = engine.read_crops(plates)
    assert all(isinstance(reading, PlateReading) for reading in readings)
    assert all(shape[0] <= 5 and shape[1:] == (1, classifier.input_size, classifier.input_size) for shape in calls)
    assert sum(shape[0] for shape in calls) == sum(len(r.text) for r in readings) == 14
    assert readings[0].text == readings[1].text and readings[0].confidence == pytest.approx(readings[1].confidence,
                                                                                             abs=1e-5)
    assert (readings[2].text, readings[2].confidence) == ("", 0.0) and len(readings[2].segmentation) == 0
    assert len(readings[0].segmentation) == 7  # the classic engine keeps its characters' boxes
    assert all(isinstance(r.text, str) and 0.0 <= r.confidence <= 1.0 for r in readings)
    engine.batch_chars = 1000  # one batch reads the same
    assert [r.text for r in engine.read_crops(plates)] == [r.text for r in readings]
    assert [r.confidence for r in engine.read_crops(plates)] == pytest.approx([r.confidence for r in readings],
                                                                              abs=1e-5)


def test_the_classic_engine_fits_readings_to_the_formats():
    """A classifier that takes every character for a `0` or, less surely, an `O`: formats decide by position."""
    def classify(batch):
        probabilities = np.full((len(batch), 36), 0.1 / 34, np.float32)
        probabilities[:, 0], probabilities[:, ord("O") - ord("A") + 10] = 0.5, 0.4
        return probabilities

    crop, _ = clean_plate("ABC1234")
    plain = ClassicEngine(classify, CharSegmenter(), 28).read_crops([crop])[0]
    fitted = ClassicEngine(classify, CharSegmenter(), 28, PlateFormats(["AAA9999"])).read_crops([crop])[0]
    assert (plain.text, fitted.text) == ("0000000", "OOO0000")
    assert fitted.confidence == pytest.approx((0.5 ** 4 * 0.4 ** 3) ** (1 / 7), rel=1e-5)


def test_the_ctc_engine_reads_plate_readings_with_formats_and_unsure_ends():
    """A recognizer that reads `8AB1234`, unsure of the `8`: edge_min_prob drops it, formats turn it into a B."""
    columns = []
    for char, prob in zip("8AB1234", (0.45, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9)):
        column = np.full(37, (1 - prob) / 36)
        column[1 + (ord(char) - ord("0") if char.isdigit() else 10 + ord(char) - ord("A"))] = prob
        if char == "8":
            column[1 + 11] = 0.4  # B, the look-alike
            column[1:] *= (1 - column[0]) / column[1:].sum()
        blank = np.full(37, 0.01)
        blank[0] = 1 - 0.01 * 36
        columns += [column, blank]
    log_probs = np.log(np.stack(columns))[None].astype(np.float32)
    shapes = []

    def recognize(batch):
        shapes.append(batch.shape)
        return np.repeat(log_probs, len(batch), axis=0)

    crops = [np.full((20, 80), 200, np.uint8), np.full((40, 100, 3), 100, np.uint8)]
    readings = CtcEngine(recognize, 32, 128).read_crops(crops)
    assert shapes == [(2, 1, 32, 128)] and all(isinstance(r, PlateReading) for r in readings)
    assert [r.text for r in readings] == ["8AB1234"] * 2 and 0 < readings[0].confidence < 1
    assert CtcEngine(recognize, 32, 128, edge_min_prob=0.5).read_crops(crops[:1])[0].text == "AB1234"
    assert CtcEngine(recognize, 32, 128, PlateFormats(["AAA9999"])).read_crops(crops[:1])[0].text == "BAB1234"
    assert CtcEngine(recognize, 32, 128).read_crops([]) == []


def test_load_engine_picks_the_engine_of_the_checkpoints_kind(small_ckpt, small_crnn_ckpt):
    from pydantic import ValidationError

    from lpr.reading.engines.load import load_engine, load_engines

    classic = load_engine(small_ckpt, CharSegmenter(polarity="dark"), PlateFormats(["AAA9999"]))
    assert isinstance(classic, ClassicEngine) and classic.input_size == 28
    assert classic.segmenter == CharSegmenter(polarity="dark") and classic.formats.has_length(7)
    ctc = load_engine(small_crnn_ckpt, edge_min_prob=0.3)
    assert isinstance(ctc, CtcEngine) and (ctc.height, ctc.width, ctc.edge_min_prob) == (32, 128, 0.3)
    engines = load_engines([str(small_ckpt), str(small_crnn_ckpt)])
    assert [type(engine) for engine in engines] == [ClassicEngine, CtcEngine]
    with pytest.raises(ValidationError, match="edge_min_prob"):
        load_engines(paths=[str(small_ckpt)], edge_min_prob=1.0)


def assert_cli_reads(ckpt, folder, run_dir, count: int):
    """`python -m lpr.read locate=box` of `folder` succeeds with a printed row and a reading per labelled photo."""
    done = run_in_process("lpr.read", f"ckpt_path={ckpt}", f"input={folder}", "locate=box", f"hydra.run.dir={run_dir}")
    assert done.returncode == 0, done.stderr
    assert len([line for line in done.stdout.splitlines() if "\t" in line]) == count
    assert json.loads((run_dir / "metrics.json").read_text())["plate/n"] == count


@pytest.mark.slow
def test_cli_reads_and_nothing_readable_exits_non_zero(small_ckpt, photo_folder, tmp_path):
    assert_cli_reads(small_ckpt, photo_folder, tmp_path / "cli", len(PLATE_TEXTS))

    empty = tmp_path / "empty"
    empty.mkdir()
    done = run_in_process("lpr.read", f"ckpt_path={small_ckpt}", f"input={empty}", f"hydra.run.dir={tmp_path / 'cli2'}")
    assert done.returncode != 0
    assert done.stderr.strip().splitlines()[-1].startswith(f"error: {empty}")
    assert "Traceback" not in done.stderr

    (empty / "junk.jpg").write_bytes(b"\x00" * 10)
    done = run_in_process("lpr.read", f"ckpt_path={small_ckpt}", f"input={empty}", "locate=none",
                          f"hydra.run.dir={tmp_path / 'cli3'}")
    assert done.returncode != 0 and "junk.jpg" in done.stderr and "Traceback" not in done.stderr


def assert_holdout_reads_the_held_out_share(ckpt, folder, tmp_path) -> tuple[list[str], list[str]]:
    """`lpr.read subset=holdout` of `folder` reads the labelled photos that the configured split holds out, and only
    those. Returns their names, sorted, and the images of the predictions as written."""
    split = photo_split()
    _, run_dir = run_read(tmp_path, f"ckpt_path={ckpt}", f"input={folder}", "locate=box", "subset=holdout")
    names = [s.name for s in load_plate_samples(folder)[0]]
    held_out = sorted(name for name in names if split.held_out(name))
    images = [row["image"] for row in predictions(run_dir)]
    assert held_out and sorted(images) == held_out
    return held_out, images


def split_checkpoint(ckpt, folder, tmp_path):
    """A copy of `ckpt` that records the plate experiment's photo split of `folder`, as a plate run saves it; with
    that split and the loaded checkpoint (for further copies)."""
    from lpr.models.checkpoint import load_checkpoint

    split = photo_split("train", ("experiment=crnn_plates",))  # as a plate checkpoint records it
    checkpoint = dict(load_checkpoint(ckpt))
    checkpoint["datamodule_hyper_parameters"] = {"roots": [str(folder)], "split_percent": split.percent,
                                                 "split_salt": split.salt}
    path = tmp_path / "split.ckpt"
    torch.save(checkpoint, path)
    return path, split, checkpoint


def assert_subset_val_reads_the_checkpoints_own_val_share(ckpt, folder, tmp_path):
    """`lpr.read subset=val` (and `train`) of `folder` reads the share of the split a checkpoint records; a
    checkpoint with no recorded split is refused. Returns what split_checkpoint does."""
    split_ckpt, split, checkpoint = split_checkpoint(ckpt, folder, tmp_path)
    names = [s.name for s in load_plate_samples(folder)[0]]
    for subset in ("val", "train"):
        _, run_dir = run_read(tmp_path / subset, f"ckpt_path={split_ckpt}", f"input={folder}", "locate=box",
                              f"subset={subset}")
        expected = sorted(n for n in names if split.of(n) == subset)
        assert expected and sorted(row["image"] for row in predictions(run_dir)) == expected
    with pytest.raises(LprError, match="no split real photos"):
        run_read(tmp_path / "none", f"ckpt_path={ckpt}", f"input={folder}", "subset=val")
    return split_ckpt, split, checkpoint


def test_subset_holdout_reads_the_held_out_share_of_the_configured_split(small_ckpt, photo_folder, tmp_path):
    from lpr.reading.subset import select_samples

    split = photo_split()
    names = sorted(path.name for path in photo_folder.glob("*.jpg"))
    held_out, images = assert_holdout_reads_the_held_out_share(small_ckpt, photo_folder, tmp_path)
    assert images == held_out  # in name order
    samples, _ = select_samples(photo_folder, subset="holdout", split=split, ckpt_paths=None)
    assert [s.name for s in samples] == held_out
    development, _ = select_samples(photo_folder, subset="development", split=split, ckpt_paths=None)
    assert sorted(s.name for s in development) == sorted(set(names) - set(held_out))
    assert len(select_samples(photo_folder, subset="all", split=split, ckpt_paths=None)[0]) == len(names)
    with pytest.raises(LprError, match="subset=val: the photo split is kept in the checkpoint"):
        select_samples(photo_folder, subset="val", split=split, ckpt_paths=None)  # the onnx reader has no checkpoint to ask


def test_subset_val_reads_the_checkpoints_own_val_share(small_crnn_ckpt, photo_folder, tmp_path):
    ckpt, split, checkpoint = assert_subset_val_reads_the_checkpoints_own_val_share(small_crnn_ckpt, photo_folder,
                                                                                    tmp_path)
    other = tmp_path / "other_split.ckpt"  # an ensemble is compared on val only if its members share one split
    other_split = photo_split("read", (f"split.val_percent={split.val_percent // 2}",))
    checkpoint["datamodule_hyper_parameters"] = {**checkpoint["datamodule_hyper_parameters"],
                                                 "split_percent": other_split.percent}
    torch.save(checkpoint, other)
    with pytest.raises(LprError, match="other_split.ckpt.*split .* differs from"):
        run_read(tmp_path / "mixed", f"ckpt_path=[{ckpt},{other}]", f"input={photo_folder}", "subset=val")
    refit = photo_split("read", ("split.val_percent=0",))  # a final fit on train + val
    checkpoint["datamodule_hyper_parameters"]["split_percent"] = refit.percent
    torch.save(checkpoint, ckpt)
    with pytest.raises(LprError, match="no val share"):
        run_read(tmp_path / "refit", f"ckpt_path={ckpt}", f"input={photo_folder}", "subset=val")


def test_val_compares_checkpoints_and_ensembles_on_their_own_val_share(small_crnn_ckpt, photo_folder, tmp_path,
                                                                       capsys):
    from lpr.cli.val import val

    ckpt, split, _ = split_checkpoint(small_crnn_ckpt, photo_folder, tmp_path)
    cfg = compose_config("val", [f"ckpts=[{ckpt},[{ckpt},{ckpt}]]", f"inputs.us={photo_folder}", "~inputs.eu",
                                 "~inputs.br"], tmp_path / "run")
    figures = val(cfg)
    n_val = sum(split.of(s.name) == "val" for s in load_plate_samples(photo_folder)[0])
    ensemble = f"[{ckpt},{ckpt}]"
    for name in (str(ckpt), ensemble):
        assert figures[f"{name}:val/us/plate_acc_n"] == figures[f"{name}:val/plate_acc_n"] == n_val
        assert 0.0 <= figures[f"{name}:val/plate_acc"] <= 1.0
    assert json.loads((tmp_path / "run" / "metrics.json").read_text()) == figures
    table = capsys.readouterr().out
    assert "| checkpoint | us | all |" in table and f"| `{ensemble}` |" in table


@pytest.mark.slow
def test_read_prints_results_on_stdout_and_logs_on_stderr(small_ckpt, photo_folder, tmp_path):
    process = run_in_process("lpr.read", f"ckpt_path={small_ckpt}", f"input={photo_folder}", "locate=auto",
                             "locate.locator.cascade=no_such_cascade.xml", f"hydra.run.dir={tmp_path}")
    assert process.returncode == 0, process.stderr[-2000:]
    assert "Haar cascade no_such_cascade.xml unavailable" in process.stderr  # an INFO line, logged
    # image<TAB>plate, and image<TAB><TAB>why for a photo without one (this barely trained reader is sure of none)
    assert process.stdout.splitlines() == [f"{row['image']}\t{row['text']}" + (
        "" if row["status"] == "read" else f"\t{row['status']}" + (f" ({row['detail']})" if row["detail"] else ""))
        for row in predictions(tmp_path)]
    lines = process.stderr.splitlines()
    summary = json.loads(lines[lines.index(f"Run: {tmp_path}  (predictions.csv, metrics.json)") - 1])  # JSON, not repr
    assert summary["plate/acc"] == json.loads((tmp_path / "metrics.json").read_text())["plate/acc"]


def test_a_run_dir_reads_as_its_best_checkpoint(small_ckpt, photo_folder, tmp_path):
    run = tmp_path / "run_dir"
    (run / "checkpoints").mkdir(parents=True)
    (run / "checkpoints" / "best.ckpt").write_bytes(small_ckpt.read_bytes())
    by_dir, _ = run_read(tmp_path / "a", f"ckpt_path={run}", f"input={photo_folder}", "locate=box")
    by_file, _ = run_read(tmp_path / "b", f"ckpt_path={small_ckpt}", f"input={photo_folder}", "locate=box")
    assert by_dir["plate/acc"] == by_file["plate/acc"] and by_dir["n_read"] == by_file["n_read"] > 0


def test_a_photo_without_a_plate_says_why_and_a_large_one_is_read_scaled_down(small_crnn_ckpt, photo_folder, tmp_path):
    from lpr.cli.read import read

    odd = tmp_path / "odd"
    odd.mkdir()
    cv2.imwrite(str(odd / "black.png"), np.zeros((300, 400, 3), np.uint8))
    cv2.imwrite(str(odd / "dot.png"), np.zeros((1, 1, 3), np.uint8))
    metrics = read(compose_config("read", [f"ckpt_path={small_crnn_ckpt}", f"input={odd}", "locate=auto"],
                                  tmp_path / "odd_run"))
    assert {row["image"]: (row["text"], row["status"], row["detail"]) for row in predictions(tmp_path / "odd_run")} == {
        "black.png": ("", "no plate found", ""), "dot.png": ("", "image too small", "1x1, min_side 16")}
    assert (metrics["n_read"], metrics["n_no_plate"], metrics["n_too_small"]) == (0, 2, 1)

    boxes = {}
    for max_side in (4096, 200):  # the photos are 640x480: read as they are, then scaled down to 200x150
        run_dir = tmp_path / f"box_{max_side}"
        metrics = read(compose_config("read", [f"ckpt_path={small_crnn_ckpt}", f"input={photo_folder}", "locate=box",
                                               "locate.vote_margins=[]",  # one crop a photo: its box is known
                                               f"photo_limits.max_side={max_side}"], run_dir))
        rows = predictions(run_dir)
        boxes[max_side] = [[int(row[key]) for key in "xywh"] for row in rows]
    assert metrics["n_scaled_down"] == len(rows) and all(
        (row["status"], row["detail"]) == ("read", "scaled down from 640x480") for row in rows)
    # boxes stay in the photo's own pixels, up to rounding twice (box, then margin) at 3.2 of them a scaled pixel
    assert np.abs(np.array(boxes[4096]) - np.array(boxes[200])).max() <= 7


def test_a_fast_plate_ocr_csv_is_a_plate_dataset(small_crnn_ckpt, tmp_path):
    """fast-plate-ocr's CSV (`image_path,plate_text[,plate_region]`, paths relative to it) reads as labels.csv does."""
    (tmp_path / "crops" / "br").mkdir(parents=True)
    for index, text in enumerate(("ABC1D23", "XYZ9876")):
        cv2.imwrite(str(tmp_path / "crops" / "br" / f"{index}.png"), clean_plate(text, seed=index)[0])
    listing = tmp_path / "crops" / "train.csv"
    listing.write_text("image_path,plate_text,plate_region\nbr/0.png,abc-1d23,br\nbr/1.png,XYZ 9876,br\n"
                       "br/missing.png,AAA0000,br\n")
    samples, problems = load_plate_samples(listing)
    assert [(s.image_path.name, s.text) for s in samples] == [("0.png", "ABC1D23"), ("1.png", "XYZ9876")]
    assert problems == [f"{listing}:4: image 'br/missing.png' not found"]
    from lpr.cli.read import read

    metrics = read(compose_config("read", [f"ckpt_path={small_crnn_ckpt}", f"input={listing}", "locate=none"],
                                  tmp_path / "run"))
    assert metrics["plate/n"] == 2 and metrics["n_problems"] == 1
