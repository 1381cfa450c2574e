"""Whole-plate recognizer: CTC decoding, plate data splits, and a short real training run."""
import numpy as np
import pytest
import torch

from lpr.core.ctc_decode import ctc_greedy_decode
from lpr.core.errors import LprError
from lpr.core.plate_metrics import plate_metrics
from lpr.data.plates import PlateDataModule
from lpr.data.samples import load_plate_samples
from lpr.data.synth_plates import PlateSynth
from lpr.models.crnn import CRNN
from lpr.training.plate_module import PlateMetrics, encode_texts
from tests.conftest import PLATE_TEXTS, compose_config, photo_split, run_in_process, tiny_crnn


def log_probs_of(path: list[int], peak: float = 0.9, classes: int = 37) -> np.ndarray:
    """(1, T, C) log-probabilities whose best path is `path` (class indices, 0 = blank)."""
    probs = np.full((len(path), classes), (1 - peak) / (classes - 1))
    probs[np.arange(len(path)), path] = peak
    return np.log(probs)[None]


@pytest.mark.parametrize(("path", "text"), [
    ([11, 11, 0, 11, 12, 12, 0], "AAB"),  # repeats merge; a blank between them keeps both
    ([0, 0, 0], ""),
    ([1, 2, 3, 0, 0, 36], "012Z"),
])
def test_ctc_greedy_decoding(path, text):
    [(decoded, confidence, _)] = ctc_greedy_decode(log_probs_of(path))
    assert decoded == text
    assert confidence == pytest.approx(0.9 ** len(path), rel=1e-4)


@pytest.mark.parametrize(("edge_probs", "text"), [
    ([0.9, 0.9, 0.9, 0.9], "ABCD"),
    ([0.3, 0.9, 0.9, 0.4], "BC"),  # unsure characters at both ends are dropped
    ([0.9, 0.3, 0.3, 0.9], "ABCD"),  # unsure characters inside the reading are kept
    ([0.3, 0.3, 0.3, 0.3], "CD"),  # a reading is not cut below two characters
])
def test_unsure_characters_at_a_readings_ends_are_dropped(edge_probs, text):
    path = [11, 0, 12, 0, 13, 0, 14]  # A B C D, blanks between
    log_probs = log_probs_of(path)
    for column, prob in zip(range(0, len(path), 2), edge_probs):
        log_probs[0, column, path[column]] = np.log(prob)
    [(kept, confidence, chars)] = ctc_greedy_decode(log_probs, edge_min_prob=0.5)
    assert kept == text
    kept_probs = [p for p, c in zip(edge_probs, "ABCD") if c in text] if text != "CD" else edge_probs[2:]
    assert chars == pytest.approx(kept_probs, abs=1e-3)  # each character's own probability
    assert confidence == pytest.approx(np.exp(log_probs.max(axis=2).sum()), rel=1e-4)  # the whole path's
    assert ctc_greedy_decode(log_probs)[0][0] == "ABCD"  # 0: every character kept


@pytest.mark.parametrize("height,width", [(32, 128), (40, 160), (36, 100)])
def test_crnn_takes_input_sizes_that_are_not_multiples_of_its_strides(height, width):
    net = CRNN([8, 16, 16, 16], [[2, 2], [2, 2], [2, 1], [2, 1]], rnn_hidden=8, input_height=height, input_width=width)
    logits = net(torch.zeros(2, 1, height, width))
    assert logits.shape == (2, -(-width // 4), 37)


def test_ctc_targets_are_alphabet_positions_after_the_blank():
    targets, lengths = encode_texts(["A0", "Z"])
    assert targets.tolist() == [11, 1, 36] and lengths.tolist() == [2, 1]


def test_training_metrics_are_the_readers_plate_metrics():
    """Plate accuracy, per-character accuracy and CER mean the same in training (torchmetrics, over batches) as in
    lpr.read (lpr.core.plate_metrics)."""
    predicted = ["AB123", "AB124", "", "OY09FEU", "XY"]
    target = ["AB123", "AB123", "XY", "OYO9FEU", "XYZ"]
    metrics = PlateMetrics()
    for start in (0, 2):  # two batches of different sizes
        end = None if start else 2
        metrics.update(torch.tensor(1.0), predicted[start:end], target[start:end])
    reader = plate_metrics(predicted, target)
    assert metrics.plate_acc.compute().item() == pytest.approx(reader["plate/acc"])
    assert metrics.char_acc.compute().item() == pytest.approx(reader["plate/char_acc"])
    assert metrics.cer.compute().item() == pytest.approx(reader["plate/cer"])


def assert_split_into_crops_in_place(folder, split) -> dict[str, int]:
    """An OpenALPR-style folder read in place by the plate data module: each labelled photo's plate crop in the
    share `split` puts it in, 32x128 uint8 crops batched as [0, 1] floats. Returns the size of each share."""
    datamodule = PlateDataModule(roots=[str(folder)], split=split, input_height=32, input_width=128)
    datamodule.setup("fit")
    sizes = {share: len(dataset) for share, dataset in datamodule.datasets.items()}
    names = [sample.name for sample in load_plate_samples(folder)[0]]
    assert sizes == {share: sum(split.of(name) == share for name in names) for share in ("train", "val", "test")}
    assert datamodule.hparams.split_percent == split.percent and datamodule.hparams.split_salt == split.salt
    image, text = datamodule.datasets["val"][0]
    assert image.shape == (32, 128) and image.dtype == np.uint8 and text.isalnum()
    images, texts = next(iter(datamodule.val_dataloader()))
    assert images.shape[1:] == (1, 32, 128) and 0.0 <= images.min() and images.max() <= 1.0
    return sizes


def test_openalpr_folder_is_split_into_crops_in_place(photo_folder):
    assert sum(assert_split_into_crops_in_place(photo_folder, photo_split()).values()) == len(PLATE_TEXTS)


def test_real_roots_need_the_photo_split(photo_folder):
    with pytest.raises(LprError, match="data.split"):
        PlateDataModule(roots=[str(photo_folder)])


def test_a_final_fit_without_real_val_share_validates_on_generated_plates(photo_folder, tmp_path):
    synth = PlateSynth(count={"train": 4, "val": 3, "test": 2}, seed=1)
    split = photo_split("read", ("split.val_percent=0",))
    datamodule = PlateDataModule(synth=synth, roots=[str(photo_folder)], split=split, cache_dir=str(tmp_path))
    datamodule.setup("fit")
    names = [path.name for path in photo_folder.glob("*.jpg")]
    held_out = sum(split.held_out(name) for name in names)
    assert held_out and len(datamodule.datasets["val"]) == 3 and len(datamodule.datasets["test"]) == held_out


def test_a_checkpoint_of_another_kind_is_refused(small_ckpt, small_crnn_ckpt, tmp_path):
    from lpr.reading.engines.ctc import CtcEngine
    from lpr.reading.engines.load import load_engine
    from lpr.models.checkpoint import checkpoint_kind
    from lpr.training.checkpoint import load_trained

    assert checkpoint_kind(small_crnn_ckpt) == "crnn" and checkpoint_kind(small_ckpt) == "classifier"
    assert isinstance(load_engine(small_crnn_ckpt), CtcEngine)
    with pytest.raises(LprError, match="small.ckpt: a character classifier checkpoint, not a whole-plate"):
        load_trained(small_ckpt, kind="crnn")
    path = tmp_path / "chars.ckpt"
    torch.save({"hyper_parameters": {"net": None}, "state_dict": {}}, path)
    with pytest.raises(LprError, match="not a whole-plate \\(crnn\\) recognizer"):
        load_trained(path, kind="crnn")
    torch.save({"hyper_parameters": {}, "state_dict": {}}, path)
    with pytest.raises(LprError, match="not an lpr checkpoint"):
        load_engine(path)
    torch.save({"hyper_parameters": {"net": None, "engine": "segmenter"}, "state_dict": {}}, path)
    with pytest.raises(LprError, match="chars.ckpt: a `segmenter` checkpoint; lpr loads"):
        load_engine(path)
    from lpr.models.centernet import CenterNet
    from lpr.training.detect_module import PlateDetector

    detector = {"net": CenterNet(input_size=64), "optimizer": None, "engine": "detector"}
    torch.save({"hyper_parameters": detector, "state_dict": PlateDetector(**detector).state_dict()}, path)
    with pytest.raises(LprError, match=r"chars.ckpt: a detector of 1 class\(es\) finds plates or characters, it does "):
        load_engine(path)
    with pytest.raises(LprError, match="not found"):
        load_engine(tmp_path / "missing.ckpt")


@pytest.mark.slow
def test_short_training_leaves_a_checkpoint_the_reader_uses(photo_folder, tmp_path):
    from lpr.cli.train import train
    from lpr.reading.engines.base import PlateReading
    from lpr.reading.engines.load import load_engine

    cfg = compose_config("train", tiny_crnn(tmp_path / "cache"), tmp_path / "run")
    metrics = train(cfg)
    assert metrics["epochs"] == 1 and 0.0 <= metrics["val/plate_acc_best"] <= 1.0
    assert {"test/plate_acc", "test/cer", "test/char_acc"} <= set(metrics)
    ckpt = tmp_path / "run" / "checkpoints" / "best.ckpt"
    engine = load_engine(ckpt)
    crops = [np.full((40, 90, 3), 200, np.uint8), np.zeros((20, 150), np.uint8)]
    readings = engine.read_crops(crops)
    assert len(readings) == 2 and all(isinstance(reading, PlateReading) for reading in readings)
    assert all(isinstance(r.text, str) and 0.0 <= r.confidence <= 1.0 for r in readings)
    result = run_in_process("lpr.read", f"ckpt_path={ckpt}", f"input={photo_folder}", "locate=box", "subset=holdout",
                            f"hydra.run.dir={tmp_path / 'read'}")
    assert result.returncode == 0, result.stderr[-2000:]
    assert len([line for line in result.stdout.splitlines() if "\t" in line]) == 2  # the two held-out photos


def test_a_call_is_read_in_batches_of_like_width_with_the_readings_in_order():
    """Crops go through the model batch_crops at a time, the narrowest together, and come back in the order given."""
    from lpr.core.alphabet import ALPHABET
    from lpr.reading.engines.ctc import CtcEngine

    def recognize(batch):  # reads each crop as the character its width names; records each batch's widths
        widths = batch[:, 0].sum(axis=(1, 2)).astype(int)
        batches.append(widths.tolist())
        log_probs = np.full((len(batch), 1, len(ALPHABET) + 1), -30.0, np.float32)
        log_probs[np.arange(len(batch)), 0, 1 + widths] = 0.0
        return log_probs

    batches = []
    engine = CtcEngine(recognize, 1, 8, batch_crops=2)
    engine.batch = lambda inputs: np.stack([np.pad(x, ((0, 0), (0, 0), (0, 8 - x.shape[-1]))) for x in inputs])
    crops = [np.ones((1, 1, width), np.float32) for width in (5, 1, 3, 2, 4)]
    assert [reading.text for reading in engine.read_prepared(crops)] == [ALPHABET[w] for w in (5, 1, 3, 2, 4)]
    assert batches == [[1, 2], [3, 4], [5]]
