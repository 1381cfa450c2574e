"""Whole-plate recognizer: plate renderer, CTC decoding, plate data splits, and a short real training run."""
import csv
import importlib.util

import cv2
import numpy as np
import pytest
import torch

from lpr.errors import LprError
from lpr.ctc import ctc_greedy_decode
from lpr.models.crnn import CRNN
from lpr.plate_data import PlateDataModule
from lpr.plate_module import CrnnEngine, encode_texts
from lpr.plates import hash_split, in_holdout
from lpr.synth_plates import PlateSynth
from tests.conftest import OPENALPR, compose_config, run_cli

# A plate with nothing on it but the registration, photographed straight on: every glyph is one blob.
CLEAN = dict(fonts=["dejavu_sans_bold"], width_scale=(0.9, 0.9), gap=(0.3, 0.3), region_text_p=0.0, band_p=0.0,
             frame_p=0.0, bolts_p=0.0, sticker_p=0.0, inverted_p=0.0, perspective=0.0, max_rotation=0.0,
             crop_margin=(-0.02, -0.02), out_height=(64, 64), blur_sigma=(0.0, 0.0), noise_sigma=(0.0, 0.0),
             jpeg_quality=(95, 95))


def character_blobs(gray: np.ndarray) -> int:
    """Dark blobs at least half as tall as the tallest: the characters of a clean plate."""
    _, ink = cv2.threshold(gray, 0, 255, cv2.THRESH_BINARY_INV + cv2.THRESH_OTSU)
    count, _, stats, _ = cv2.connectedComponentsWithStats(ink)
    heights = stats[1:count, cv2.CC_STAT_HEIGHT]
    return int((heights >= heights.max() / 2).sum())


def test_renderer_is_deterministic_per_seed():
    synth = PlateSynth()
    first, text = synth.render(np.random.default_rng([7, 0, 3]))
    again, text_again = synth.render(np.random.default_rng([7, 0, 3]))
    other, _ = synth.render(np.random.default_rng([7, 0, 4]))
    assert text == text_again and np.array_equal(first, again)
    assert first.dtype == np.uint8 and first.ndim == 2
    assert first.shape != other.shape or not np.array_equal(first, other)


@pytest.mark.parametrize(("printed", "label"), [("AB12", "AB12"), ("7XK-4409", "7XK4409"), ("PL 88", "PL88")])
def test_renderer_draws_the_requested_text(printed, label):
    crop, text = PlateSynth(**CLEAN).render(np.random.default_rng(0), printed=printed)
    assert text == label
    assert character_blobs(crop) == len(label)


def test_an_emblem_between_groups_is_drawn_but_not_read():
    with_emblem, text = PlateSynth(**CLEAN).render(np.random.default_rng(0), printed="YG9*X2G")
    with_gap, _ = PlateSynth(**CLEAN).render(np.random.default_rng(0), printed="YG9 X2G")
    assert text == "YG9X2G"
    ink = [(cv2.threshold(crop, 0, 255, cv2.THRESH_BINARY_INV + cv2.THRESH_OTSU)[1] > 0).sum()
           for crop in (with_emblem, with_gap)]
    assert ink[0] > ink[1]


def test_an_emblem_beside_the_registration_widens_the_plate_but_is_not_read():
    plain, text = PlateSynth(**CLEAN).render(np.random.default_rng(0), printed="AB123")
    beside, text_beside = PlateSynth(**CLEAN, side_emblem_p=1.0).render(np.random.default_rng(0), printed="AB123")
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
    [(decoded, confidence)] = ctc_greedy_decode(log_probs_of(path))
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
    [(kept, confidence)] = ctc_greedy_decode(log_probs, edge_min_prob=0.5)
    assert kept == text
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


def test_hash_split_holds_out_what_plates_in_holdout_does():
    percent = {"train": 40, "val": 10}
    names = [f"photo{i}.jpg" for i in range(400)]
    splits = [hash_split(name, percent, "lpr") for name in names]
    assert [s == "test" for s in splits] == [in_holdout(name, "lpr", 50) for name in names]
    assert 0.3 < splits.count("train") / len(names) < 0.5


@pytest.mark.skipif(not (OPENALPR / "eu").is_dir(), reason="needs the shared OpenALPR photos")
def test_openalpr_folder_is_split_into_crops_in_place():
    datamodule = PlateDataModule(roots=[str(OPENALPR / "eu")], input_height=32, input_width=128)
    datamodule.setup("fit")
    sizes = {split: len(dataset) for split, dataset in datamodule.datasets.items()}
    assert sum(sizes.values()) == len(list((OPENALPR / "eu").glob("*.txt")))
    image, text = datamodule.datasets["val"][0]
    assert image.shape == (32, 128) and image.dtype == np.uint8 and text.isalnum()
    images, texts = next(iter(datamodule.val_dataloader()))
    assert images.shape[1:] == (1, 32, 128) and 0.0 <= images.min() and images.max() <= 1.0


@pytest.mark.skipif(not (OPENALPR / "eu").is_dir(), reason="needs the shared OpenALPR photos")
def test_a_final_fit_without_real_val_share_validates_on_generated_plates(tmp_path):
    synth = PlateSynth(count={"train": 4, "val": 3, "test": 2}, seed=1)
    percent = {"train": 50, "val": 0}
    datamodule = PlateDataModule(synth=synth, roots=[str(OPENALPR / "eu")], split_percent=percent,
                                 cache_dir=str(tmp_path))
    datamodule.setup("fit")
    names = [path.name for path in (OPENALPR / "eu").glob("*.txt")]
    held_out = sum(hash_split(name, percent, "lpr-plates") == "test" for name in names)
    assert len(datamodule.datasets["val"]) == 3 and len(datamodule.datasets["test"]) == held_out


def test_engine_refuses_a_checkpoint_of_another_kind(tmp_path):
    path = tmp_path / "chars.ckpt"
    torch.save({"hyper_parameters": {"net": None}, "state_dict": {}}, path)
    with pytest.raises(LprError, match="crnn"):
        CrnnEngine.from_checkpoint(path)
    with pytest.raises(LprError, match="not found"):
        CrnnEngine.from_checkpoint(tmp_path / "missing.ckpt")


# A few dozen steps on a tiny generated set: exercises training, checkpointing and reading, not accuracy.
TINY_CRNN = ["experiment=crnn_plates", "data.roots=null", "data.synth.count={train: 192, val: 16, test: 16}",
             "data.batch_size=8", "trainer.max_epochs=1", "callbacks.rich_progress_bar=null",
             "+trainer.enable_progress_bar=false"]


@pytest.mark.slow
def test_short_training_leaves_a_checkpoint_the_reader_uses(tmp_path):
    from lpr.train import train

    cfg = compose_config("train", TINY_CRNN + [f"paths.cache_dir={tmp_path / 'cache'}"], tmp_path / "run")
    metrics = train(cfg)
    assert metrics["epochs"] == 1 and 0.0 <= metrics["val/plate_acc_best"] <= 1.0
    assert {"test/plate_acc", "test/cer", "test/char_acc"} <= set(metrics)
    ckpt = tmp_path / "run" / "checkpoints" / "best.ckpt"
    engine = CrnnEngine.from_checkpoint(ckpt)
    crops = [np.full((40, 90, 3), 200, np.uint8), np.zeros((20, 150), np.uint8)]
    readings = engine.read_crops(crops)
    assert len(readings) == 2
    assert all(isinstance(text, str) and 0.0 <= confidence <= 1.0 for text, confidence in readings)
    if importlib.util.find_spec("lpr.read") is not None and (OPENALPR / "eu").is_dir():
        result = run_cli("lpr.read", f"ckpt_path={ckpt}", f"input={OPENALPR / 'eu'}", "locate=box",
                         "subset=holdout", f"hydra.run.dir={tmp_path / 'read'}")
        assert result.returncode == 0, result.stderr[-2000:]
