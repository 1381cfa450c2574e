"""The character detector (`experiment=char_detector`, `segment=detector`): a short real training on generated plates
finds the characters of plates it never saw, in reading order, the same on onnxruntime as on torch, and the classic
reader reads with its boxes; with a class per character (`experiment=char_reader`) it is a reader itself."""
import csv
import json
import subprocess
import sys

import cv2
import numpy as np
import pytest
import yaml

from lpr.core.alphabet import ALPHABET
from lpr.core.centre_decode import pairwise_iou
from lpr.core.errors import LprError
from lpr.data.box_folders import load_box_folder
from lpr.data.synth_plates import PlateSynth
from lpr.reading.segment.char_detector import DetectedChars, DetectedText, reading_order
from lpr.reading.locate.plate_detector import PlateFinder
from lpr.reading.engines.load import load_engine
from tests.conftest import CLEAN, REPO, TRAIN_EXTRA, best_ckpt, run_in_process, train_run


UNSEEN = ["KT7-4409", "AB 123 CD", "9XZ-553", "MN40 RTE", "PL-8817"]


def unseen_plate(printed: str, seed: int, **layout) -> tuple[np.ndarray, np.ndarray, str]:
    """A clean generated plate (BGR, 48 px tall) of `printed` from a seed no training drew, its characters' x0, y0,
    x1, y1 boxes in reading order, and its label."""
    drawing = PlateSynth(**{**CLEAN, "out_height": (48, 48), "crop_margin": (0.1, 0.2), **layout}).render(
        np.random.default_rng([4242, seed]), printed=printed)
    return cv2.cvtColor(drawing.image, cv2.COLOR_GRAY2BGR), drawing.char_boxes, drawing.text


@pytest.fixture(scope="session")
def char_detector_run(cache_dir, tmp_path_factory):
    """A character detector trained for a few hundred steps on 1,000 generated plates."""
    return train_run(tmp_path_factory, "char_detector", [
        "experiment=char_detector", "data.synth.count={train: 600, val: 24, test: 16}", "trainer.max_steps=300",
        "data.batch_size=20",
        "model.optimizer.lr=0.006", "data.num_workers=0", "callbacks.early_stopping=null",
        "callbacks.rich_progress_bar=null", "+trainer.enable_progress_bar=false", f"paths.cache_dir={cache_dir}"])


@pytest.fixture(scope="session")
def char_reader_run(cache_dir, tmp_path_factory):
    """The one-network option, trained for two dozen steps: enough to export and read, not to read well."""
    return train_run(tmp_path_factory, "char_reader", [
        "experiment=char_reader", "data.synth.count={train: 96, val: 8, test: 8}", "trainer.max_steps=24",
        "data.batch_size=8", "data.num_workers=0", "callbacks.early_stopping=null", "callbacks.rich_progress_bar=null",
        "+trainer.enable_progress_bar=false", f"paths.cache_dir={cache_dir}"])


@pytest.mark.parametrize("layout", [{"two_rows_p": 1.0}, {"stacked_p": 1.0}, {}])
def test_boxes_are_put_in_the_order_the_generator_labels_them(layout):
    """Two rows read top row first, a stacked pair top first, one row left to right, however the boxes come."""
    for seed in range(4):
        _, boxes, text = unseen_plate("AB-12345", seed, **layout)
        shuffled = np.random.default_rng(seed).permutation(len(boxes))
        assert "".join(text[i] for i in shuffled[reading_order(boxes[shuffled])]) == text


def test_generated_plates_are_a_character_detection_folder(tmp_path):
    root = PlateSynth(count={"train": 3, "val": 1}).ensure(tmp_path)
    samples = load_box_folder(root / "train")
    with open(root / "train" / "labels.csv", newline="") as handle:
        labels = {row["image"]: row["text"] for row in csv.DictReader(handle)}
    assert len(samples) == 3 and all(s.chars == labels[s.name] and len(s.boxes) == len(s.chars) for s in samples)


@pytest.mark.slow
def test_a_short_training_finds_the_characters_of_plates_it_never_saw(char_detector_run):
    segment = DetectedChars(str(best_ckpt(char_detector_run)))
    found = total = 0
    for seed, printed in enumerate(UNSEEN):
        plate, truth, text = unseen_plate(printed, seed)
        boxes = segment(plate).char_boxes.astype(np.float32)
        boxes[:, 2:] += boxes[:, :2]
        found += int((pairwise_iou(truth, boxes).max(1, initial=0) >= 0.5).sum()) if len(boxes) else 0
        total += len(text)
    assert found >= 0.8 * total, f"{found} of {total} characters found"


@pytest.mark.slow
def test_onnx_finds_the_same_characters_and_the_classic_reader_reads_with_them(char_detector_run, small_ckpt,
                                                                              photo_folder, tmp_path):
    exported = run_in_process("lpr.export", f"ckpt_path={best_ckpt(char_detector_run)}",
                              f"output={tmp_path / 'chars.onnx'}", f"verify.plates_dir={photo_folder}",
                              f"hydra.run.dir={tmp_path / 'export'}")
    assert exported.returncode == 0, exported.stderr[-2000:]
    floor = yaml.safe_load((REPO / "configs" / "segment" / "detector.yaml").read_text())["score_floor"]  # lpr.read's
    on_torch, on_onnx = (DetectedChars(str(model), score_floor=floor)
                         for model in (best_ckpt(char_detector_run), tmp_path / "chars.onnx"))
    crops = tmp_path / "crops"
    crops.mkdir()
    rows, found = [["image", "text"]], {}
    for seed, printed in enumerate(UNSEEN):
        plate, _, text = unseen_plate(printed, seed)
        found[f"{seed}.png"] = on_onnx(plate).char_boxes
        assert np.array_equal(on_torch(plate).char_boxes, found[f"{seed}.png"])
        cv2.imwrite(str(crops / f"{seed}.png"), plate)
        rows.append([f"{seed}.png", text])
    with open(crops / "labels.csv", "w", newline="") as handle:
        csv.writer(handle).writerows(rows)
    torch_free = subprocess.run([sys.executable, "-c", (
        f"import sys\nfor name in {TRAIN_EXTRA!r}: sys.modules[name] = None\n"
        "import cv2\nfrom lpr.reading.segment.char_detector import DetectedChars\n"
        f"print(len(DetectedChars(sys.argv[1], score_floor={floor})(cv2.imread(sys.argv[2])).char_boxes))"),
        str(tmp_path / "chars.onnx"), str(crops / "0.png")], capture_output=True, text=True)
    assert torch_free.returncode == 0 and int(torch_free.stdout) == len(found["0.png"]), torch_free.stderr[-2000:]
    done = run_in_process("lpr.read", f"ckpt_path={small_ckpt}", f"input={crops}", "locate=none", "segment=detector",
                          f"segment.model={tmp_path / 'chars.onnx'}", f"hydra.run.dir={tmp_path / 'read'}")
    assert done.returncode == 0, done.stderr[-2000:]
    with open(tmp_path / "read" / "predictions.csv", newline="") as handle:
        read = {row["image"]: row["text"] for row in csv.DictReader(handle)}
    # the classic reader classifies one character for each box the detector found
    assert {name: len(text) for name, text in read.items()} == {name: len(boxes) for name, boxes in found.items()}
    assert sum(len(boxes) for boxes in found.values()) >= 0.8 * sum(len(text) for _, text in rows[1:])


@pytest.mark.slow
def test_one_network_reads_the_classes_of_what_it_finds_in_reading_order(char_reader_run, photo_folder, tmp_path):
    ckpt = best_ckpt(char_reader_run)
    assert isinstance(load_engine(ckpt), DetectedText)  # a checkpoint of 36 classes is a reader
    exported = run_in_process("lpr.export", f"ckpt_path={ckpt}", f"output={tmp_path / 'reader.onnx'}",
                              f"verify.plates_dir={photo_folder}", f"hydra.run.dir={tmp_path / 'export'}")
    assert exported.returncode == 0, exported.stderr[-2000:]
    plate, _, _ = unseen_plate("KT7-4409", 0)
    every_peak = {"score_floor": 1e-4, "max_boxes": 8}  # barely trained: read its eight likeliest characters
    torch_reader = DetectedText(PlateFinder(str(ckpt), **every_peak))
    found = torch_reader.finder(plate)
    reading = torch_reader.read_crops([plate])[0]
    assert len(found) == 8 and len(reading.char_confidences) == 8
    assert reading.text == "".join(ALPHABET[c] for c in found.classes[reading_order(found.boxes)])
    assert DetectedText(PlateFinder(str(tmp_path / "reader.onnx"), **every_peak)).read_crops([plate])[0].text == \
        reading.text


@pytest.mark.parametrize("char", ["é", "AB", ""])  # one character of 0-9A-Z a box, not a run of them or none
def test_a_character_outside_the_alphabet_refuses_the_folder(char, tmp_path):
    cv2.imwrite(str(tmp_path / "a.png"), np.full((32, 96), 200, np.uint8))
    (tmp_path / "chars.csv").write_text(f"image,char,x,y,w,h\na.png,K,2,2,20,28\na.png,{char},30,2,20,28\n")
    with pytest.raises(LprError, match=f"chars.csv:3: character {char!r} is not one of 0-9, A-Z"):
        load_box_folder(tmp_path)


@pytest.mark.slow
def test_lpr_detect_scores_the_character_detector_on_a_chars_csv_folder(char_detector_run, tmp_path):
    plates = PlateSynth(**CLEAN, count={"train": 6, "val": 0}).ensure(tmp_path / "cache") / "train"
    done = run_in_process("lpr.detect", f"detector={best_ckpt(char_detector_run)}", f"input={plates}",
                          f"hydra.run.dir={tmp_path / 'detect'}")
    assert done.returncode == 0, done.stderr[-2000:]
    metrics = json.loads((tmp_path / "detect" / "metrics.json").read_text())
    assert metrics["n_true"] == sum(len(s.boxes) for s in load_box_folder(plates))
    assert metrics["detect/recall_50"] > 0.5
