"""PP-OCR's pretrained recognizer in lpr: the engine that reads through lpr's alphabet, the net that fine-tunes it, and
the real plates with text (boxes.csv) it learns from. The recognizer is the one RapidOCR's wheel ships (the train
extra installs it): nothing here reads ../shared."""
import csv

import cv2
import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from lpr.core.alphabet import ALPHABET
from lpr.core.ctc_decode import ctc_greedy_decode
from lpr.core.preprocess import plates_to_batch
from lpr.data.plates import plate_split
from lpr.data.samples import load_plate_samples
from lpr.reading.engines.load import load_engine
from lpr.reading.engines.ppocr import PpOcrEngine
from tests.conftest import best_ckpt, clean_plate, compose_config, photo_split, train_run

# A recognizer's symbols as PP-OCR's metadata lists them, after the blank: separators, lower case, full width, CJK.
SYMBOLS = ["<blank>", "-", "a", "\uff11", "B", "\u4e2d", "7", "Z", " "]


class FakeRecognizer:
    """An ONNX recognizer's stand-in: every crop gets the same column probabilities over SYMBOLS."""
    input_shape = ["batch", 3, 48, "width"]

    def __init__(self, columns: np.ndarray):
        self.columns = columns

    def __call__(self, batch: np.ndarray) -> np.ndarray:
        return np.repeat(self.columns[None], len(batch), axis=0)


def spelled(*symbols: str, sure: float = 0.9) -> np.ndarray:
    """Column probabilities whose most likely symbols spell `symbols`, one column each."""
    columns = np.full((len(symbols), len(SYMBOLS)), (1 - sure) / (len(SYMBOLS) - 1), np.float32)
    columns[np.arange(len(symbols)), [SYMBOLS.index(s) for s in symbols]] = sure
    return columns


def test_folding_keeps_a_plates_characters_and_lets_separators_fall_into_the_blank():
    crop = np.full((30, 90, 3), 128, np.uint8)
    columns = spelled("a", "<blank>", "-", "\uff11", "\u4e2d", "B", "B", "<blank>", "B")
    blank = PpOcrEngine(FakeRecognizer(columns), SYMBOLS, fold="blank")
    assert blank.read_crops([crop])[0].text == "A1BB"  # a -> A, full-width 1 -> 1, '-' and 中 -> blank
    dropped = PpOcrEngine(FakeRecognizer(columns), SYMBOLS, fold="drop")
    assert dropped.read_crops([crop])[0].text == "A1BB"  # the separator's column falls to its next best: blank


@settings(max_examples=50, deadline=None)
@given(st.integers(0, 2**32 - 1), st.sampled_from(["blank", "drop"]))
def test_folded_readings_hold_nothing_outside_the_alphabet(seed, fold):
    rng = np.random.default_rng(seed)
    columns = rng.dirichlet(np.full(len(SYMBOLS), 0.3), size=int(rng.integers(1, 30))).astype(np.float32)
    reading = PpOcrEngine(FakeRecognizer(columns), SYMBOLS, fold=fold).read_crops([np.zeros((20, 60), np.uint8)])[0]
    assert set(reading.text) <= set(ALPHABET) and 0.0 <= reading.confidence <= 1.0
    assert len(reading.char_confidences) == len(reading.text)


@pytest.fixture(scope="module")
def plates() -> tuple[list[np.ndarray], list[str]]:
    """Clean generated plates (grey) and their texts."""
    made = [clean_plate(text, seed=index) for index, text in enumerate(["ABC1234", "KTX7G05", "MN02468"])]
    return [plate for plate, _ in made], [text for _, text in made]


def test_the_wheels_recognizer_reads_clean_plates(plates):
    engine = load_engine("ppocr")
    crops, texts = plates
    assert [reading.text for reading in engine.read_crops([cv2.cvtColor(c, cv2.COLOR_GRAY2BGR) for c in crops])] \
        == texts


def test_the_net_starts_from_the_recognizers_weights_with_lpr_classes(plates):
    from lpr.models.ppocr_rec import PpOcrRecognizer

    crops, texts = plates
    nets = {part: PpOcrRecognizer(train=part) for part in ("head", "neck", "all")}
    learning = {part: {name for name, p in net.named_parameters() if p.requires_grad} for part, net in nets.items()}
    assert learning["head"] < learning["neck"] < learning["all"]
    net = nets["head"].eval()
    with torch.no_grad():
        logits = net(torch.from_numpy(plates_to_batch(crops, 48, 192)))
    assert logits.shape == (3, 24, len(ALPHABET) + 1)
    assert [r.text for r in ctc_greedy_decode(logits.log_softmax(2).numpy())] == texts


def test_a_net_of_another_height_or_an_onnx_without_symbols_is_refused(exported_crnn):
    from lpr.core.errors import LprError
    from lpr.models.ppocr_rec import PpOcrRecognizer

    with pytest.raises(LprError, match="48-row input"):
        PpOcrRecognizer(input_height=32)
    _, run_dir = exported_crnn
    with pytest.raises(LprError, match="no PP-OCR recognizer"):
        PpOcrRecognizer(onnx=str(next(run_dir.glob("*.onnx"))))


@pytest.mark.slow
def test_fine_tuning_a_few_steps_exports_a_reader_that_reads_alike_on_both_runtimes(tmp_path_factory, photo_folder,
                                                                                    plates):
    from lpr.cli.export import export

    run_dir = train_run(tmp_path_factory, "ppocr_plates", [
        "experiment=ppocr_plates", "data.roots=null", "data.synth.count={train: 32, val: 8, test: 8}",
        "data.batch_size=8", "trainer.max_steps=3", "trainer.val_check_interval=3", "callbacks.rich_progress_bar=null",
        "+trainer.enable_progress_bar=false", f"paths.cache_dir={tmp_path_factory.mktemp('cache')}"])
    metrics = export(compose_config("export", [f"ckpt_path={best_ckpt(run_dir)}", f"verify.plates_dir={photo_folder}",
                                               "verify.max_plates=6"], run_dir / "export"))
    assert metrics["verify/argmax_agree"] == 1.0
    crops, _ = plates
    on_torch = load_engine(best_ckpt(run_dir)).read_crops(crops)
    on_onnx = load_engine(next((run_dir / "export").glob("*.onnx"))).read_crops(crops)
    assert [r.text for r in on_torch] == [r.text for r in on_onnx]


def test_boxes_csv_with_text_is_a_labelled_plate_root_split_by_drive(tmp_path):
    folder = tmp_path / "dashcam"
    folder.mkdir()
    rows = []
    for drive in ("dayride_type1_001", "dayride_type1_002", "dayride_type1_003"):
        for frame in (10, 11):
            name = f"{drive}.mp4_t_{frame}.jpg"
            cv2.imwrite(str(folder / name), np.full((120, 200, 3), 90, np.uint8))
            rows += [[name, 20, 30, 80, 20, f"B{frame}XYZ"], [name, 120, 40, 30, 10, ""]]  # one plate unread
    with (folder / "boxes.csv").open("w", newline="") as handle:
        csv.writer(handle).writerows([["image", "x", "y", "w", "h", "text"], *rows])
    samples, problems = load_plate_samples(folder)
    assert not problems and len(samples) == 6
    assert all(s.box == (20, 30, 80, 20) and s.text.startswith("B") for s in samples)
    split = photo_split()
    shares = {share: {s.name.split(".")[0] for s in plate_split(folder, share, split)}
              for share in ("train", "val", "test")}
    assert shares == {"train": {"dayride_type1_001"}, "val": {"dayride_type1_002"}, "test": {"dayride_type1_003"}}


def test_a_teachers_sure_readings_of_unlabelled_photos_become_a_plate_root(photo_folder, tmp_path):
    from lpr.core.pretrained import DETECTOR
    from tests.conftest import run_in_process

    photos = tmp_path / "unlabelled"
    photos.mkdir()
    for path in photo_folder.glob("*.jpg"):  # the photos without their labels
        (photos / path.name).write_bytes(path.read_bytes())
    run_dir = tmp_path / "label"
    result = run_in_process("lpr.label", "ckpt_path=ppocr", f"input={photos}", "subset=all",
                            f"locate.detector.model={DETECTOR}", "min_confidence=0.5", f"hydra.run.dir={run_dir}")
    assert result.returncode == 0, result.stderr[-2000:]
    labels = list(csv.DictReader((run_dir / "train" / "labels.csv").open()))
    truth = {s.image_path.stem: s.text for s in load_plate_samples(photo_folder)[0]}
    shown = [(row["text"].replace("O", "0"), truth[row["image"].rsplit("-", 1)[0]].replace("O", "0"))
             for row in labels]  # the clean plates' mono font draws O as 0 does
    assert all(text in plate for text, plate in shown), shown  # what the crop shows: the detector may cut a plate short
    assert sum(text == plate for text, plate in shown) >= 2, shown
    assert all(cv2.imread(str(run_dir / "train" / row["image"])) is not None for row in labels)
    assert [s.text for s in plate_split(run_dir, "train", photo_split())] == [row["text"] for row in labels]
    assert plate_split(run_dir, "test", photo_split()) == []  # pseudo-labels only train
