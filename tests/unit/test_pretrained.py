"""The models lpr ships (lpr/pretrained/): read offline, torch-free, from `Reader()` and `lpr read PHOTO`."""
import csv
import os
import shutil
import subprocess
import sys
from pathlib import Path

import cv2
import matplotlib
import numpy as np
import pytest
import yaml

from lpr.core.pretrained import DETECTOR, FAST_READER, READER, RECIPES, TEXT_DETECTOR
from tests.conftest import REPO, TRAIN_EXTRA, assert_clean_error, clean_plate, run_without_torch, synthetic_photo

LPR = str(Path(sys.executable).parent / "lpr")


def test_the_shipped_models_are_there_small_and_described():
    for model, most_bytes in ((READER, 25_000_000), (FAST_READER, 4_000_000), (DETECTOR, 4_000_000),
                              (TEXT_DETECTOR, 12_000_000)):
        assert model.stat().st_size < most_bytes
    assert FAST_READER.with_suffix(".json").is_file() and DETECTOR.with_suffix(".json").is_file()
    card = (READER.parent / "MODEL_CARD.md").read_text()
    assert all(recipe in card for recipe in RECIPES.values()) and "Licence" in card
    notice = (READER.parent / "NOTICE-PP-OCR.md").read_text()  # weights derived from PaddleOCR's, Apache-2.0
    assert "Apache License" in (READER.parent / "LICENSE-Apache-2.0.txt").read_text() and "Baidu" in notice
    assert TEXT_DETECTOR.name in notice and TEXT_DETECTOR.name in card


def test_the_shipped_reader_reads_generated_plates_without_torch(tmp_path):
    texts = ["ABC1234", "7XYZ123", "BRA2E19"]
    for index, text in enumerate(texts):
        cv2.imwrite(str(tmp_path / f"{index}.png"), clean_plate(text, seed=1)[0])
    script = ("import sys\n"
              "for name in ('torch', 'torchvision', 'torchmetrics', 'lightning'): sys.modules[name] = None\n"
              "from lpr import Reader\n"
              "print(' '.join(plates[0].text for plates in Reader(detector=None).read(sys.argv[1:])))\n")
    done = subprocess.run([sys.executable, "-c", script, *(str(tmp_path / f"{i}.png") for i in range(3))],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.split() == texts


def test_lpr_read_a_photo_reads_it_with_the_shipped_models(tmp_path):
    photo, box = synthetic_photo(clean_plate("KX42ZQ7", seed=3, height=48)[0], seed=3)
    path = tmp_path / "my car.jpg"
    cv2.imwrite(str(path), photo)
    done = subprocess.run([LPR, "read", str(path), f"hydra.run.dir={tmp_path / 'run'}"], capture_output=True,
                          text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    with (tmp_path / "run" / "predictions.csv").open() as handle:
        rows = list(csv.DictReader(handle))
    assert [row["image"] for row in rows] == ["my car.jpg"] and rows[0]["status"] == "read"
    x, y, w, h = (int(rows[0][key]) for key in "xywh")
    assert abs(x - box[0]) < box[2] / 2 and abs(y - box[1]) < box[3]  # the plate's place in the photo
    named = run_without_torch("lpr.read", f"input={path}", f"ckpt_path={READER}", "locate=none",
                              f"hydra.run.dir={tmp_path / 'named'}")
    assert named.returncode == 0, named.stderr[-2000:]


def test_a_real_photo_with_two_plates_composited_in_gives_two_rows(tmp_path):
    """A photograph (matplotlib's sample of Grace Hopper, not a generated scene) with two generated plates pasted in:
    the shipped detector finds both and the shipped reader gives a row each, where each plate is."""
    photo = cv2.imread(str(Path(matplotlib.get_data_path()) / "sample_data" / "grace_hopper.jpg"))
    truth = []
    for seed, (printed, x, y) in enumerate([("KX42ZQ7", 40, 420), ("7RB-4409", 296, 480)]):
        plate = clean_plate(printed, seed=seed, height=44)[0]
        h, w = plate.shape
        photo[y:y + h, x:x + w] = cv2.cvtColor(plate, cv2.COLOR_GRAY2BGR)
        truth.append([x, y, x + w, y + h])
    path = tmp_path / "two plates.jpg"
    cv2.imwrite(str(path), photo, [cv2.IMWRITE_JPEG_QUALITY, 95])
    done = subprocess.run([LPR, "read", str(path), f"hydra.run.dir={tmp_path / 'run'}"], capture_output=True,
                          text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    with (tmp_path / "run" / "predictions.csv").open() as handle:
        rows = [row for row in csv.DictReader(handle) if row["status"] == "read"]
    centres = [(int(row["x"]) + int(row["w"]) / 2, int(row["y"]) + int(row["h"]) / 2) for row in rows]
    holds = [[x0 < cx < x1 and y0 < cy < y1 for cx, cy in centres] for x0, y0, x1, y1 in truth]
    assert len(rows) == 2 and all(sum(row) == 1 for row in holds), rows  # each plate holds one found box's centre


def test_a_base_install_reads_and_detects_and_training_names_its_extra(tmp_path):
    """`pip install .` without extras (the train extra's packages unimportable): the shipped models read and find
    plates; a training says in one line which extra it needs."""
    from lpr.core.errors import EXTRAS

    assert set(TRAIN_EXTRA) <= set(EXTRAS)  # whichever of them is missing is named with its extra
    photo, _ = synthetic_photo(clean_plate("KX42ZQ7", seed=3, height=48)[0], seed=3)
    path = tmp_path / "car.jpg"
    cv2.imwrite(str(path), photo)
    read = run_without_torch("lpr.read", f"input={path}", f"ckpt_path={READER}", "locate=detector",
                             f"locate.detector.model={DETECTOR}", f"hydra.run.dir={tmp_path / 'read'}")
    assert read.returncode == 0 and read.stdout.startswith("car.jpg\t"), read.stderr[-2000:]
    detect = run_without_torch("lpr.detect", f"detector={DETECTOR}", f"input={path}",
                               f"hydra.run.dir={tmp_path / 'detect'}")
    assert detect.returncode == 0 and (tmp_path / "detect" / "boxes.csv").is_file(), detect.stderr[-2000:]
    assert_clean_error(run_without_torch("lpr.train", "experiment=baseline", f"hydra.run.dir={tmp_path / 'train'}"),
                       "which the base install leaves out: pip install 'lpr[train]'")


def test_a_bare_path_after_a_hydra_flag_is_not_an_input():
    from lpr.cli.verbs import shipped_reading

    assert shipped_reading(["--cfg", "job", "ckpt_path=a.ckpt"]) == ["--cfg", "job", "ckpt_path=a.ckpt"]
    overrides = shipped_reading(["car.jpg", "ckpt_path=a.ckpt"])
    assert overrides == ["input='car.jpg'", "ckpt_path=a.ckpt"]  # a model named: no shipped one added


@pytest.mark.slow
def test_an_installed_lpr_carries_its_configs_and_models_and_works_where_it_runs(tmp_path):
    """`pip install .` (not editable): the configs and the shipped models travel in the package, and runs go to the
    folder the command runs in."""
    source = tmp_path / "source"
    left_out = {".venv", ".git", "logs", "data", "build", "lpr.egg-info", ".pytest_cache", ".hypothesis"}
    shutil.copytree(REPO, source, symlinks=True,
                    ignore=lambda folder, names: left_out & set(names) if Path(folder) == REPO else {"__pycache__"})
    site = tmp_path / "site"
    subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--no-build-isolation",
                    "--target", str(site), str(source)], check=True, capture_output=True, timeout=600)
    assert (site / "lpr" / "configs" / "train.yaml").is_file() and not (site / "lpr" / "configs").is_symlink()
    assert (site / "lpr" / "pretrained" / "plate_reader.onnx").is_file()
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    shown = subprocess.run([sys.executable, "-m", "lpr.train", "--cfg", "job", "--resolve", "--package", "paths"],
                           cwd=elsewhere, capture_output=True, text=True, env={**os.environ, "PYTHONPATH": str(site)})
    assert shown.returncode == 0, shown.stderr[-2000:]
    assert Path(yaml.safe_load(shown.stdout)["log_dir"]) == elsewhere / "logs"


def test_reader_reads_as_lpr_read_does_unless_told():
    """`Reader()`'s finders, margins, vote, floor and verifier are `lpr read locate=detector`'s
    (configs/locate/detector.yaml)."""
    from lpr import Reader

    locate = yaml.safe_load((REPO / "configs" / "locate" / "detector.yaml").read_text())
    as_read = Reader().pipeline
    assert as_read.margins == [tuple(locate["crop_margin"]), *map(tuple, locate["vote_margins"])]
    assert as_read.min_confidence == locate["min_confidence"] and len(as_read.margins) > 1
    assert as_read.check.plate_chars == tuple(locate["plate_chars"]) and as_read.check.min_digits == locate["min_digits"]
    assert [type(finder).__name__ for finder in as_read.finders] == ["PlateFinder", "TextFinder"]
    told = Reader(vote_margins=[], min_confidence=0.5, min_digits=0, text_finder=None).pipeline
    assert told.margins == [tuple(locate["crop_margin"])] and told.min_confidence == 0.5 and told.check.min_digits == 0
    assert [type(finder).__name__ for finder in told.finders] == ["PlateFinder"]


def test_the_fast_reader_is_named_fast_in_lpr_read_and_reader(tmp_path):
    from lpr import Reader

    plate = clean_plate("KX42ZQ7", seed=3, height=48)[0]
    photo, _ = synthetic_photo(plate, seed=3)
    cv2.imwrite(str(tmp_path / "car.jpg"), photo)
    done = subprocess.run([LPR, "read", str(tmp_path / "car.jpg"), "ckpt_path=fast",
                           f"hydra.run.dir={tmp_path / 'run'}"], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    metrics = yaml.safe_load((tmp_path / "run" / "metrics.json").read_text())
    assert metrics["ckpt_path"] == "fast" and metrics["locate"] == "detector"
    fast = Reader(reader="fast", detector=None)
    assert [engine.height for engine in fast.pipeline.engines] == [32]  # the 32 x 128 CRNN, not the default reader
    assert isinstance(fast.read(plate)[0].text, str)


def test_reader_takes_any_grey_array_and_refuses_an_empty_one():
    """A grey photo as H x W x 1 reads as H x W does; an empty array is one line, not "no plate"."""
    from lpr import Reader
    from lpr.core.errors import LprError

    plate = clean_plate("KX42ZQ7", seed=3, height=48)[0]
    plate = plate if plate.ndim == 2 else cv2.cvtColor(plate, cv2.COLOR_BGR2GRAY)
    reader = Reader(reader="fast", detector=None)
    assert reader.read(plate[:, :, None]) == reader.read(plate) != []
    for empty in (np.zeros((0, 0, 3), np.uint8), np.zeros((4, 0), np.uint8)):
        with pytest.raises(LprError, match=r"image: an empty array of shape"):
            reader.read(empty)
    with pytest.raises(LprError, match=r"give uint8 H x W \(x 1, 3 or 4\)"):
        reader.read(np.zeros((8, 8, 2), np.uint8))


def test_reader_and_lpr_read_give_the_same_rows(photo_folder, tmp_path):
    """The shipped reading as `lpr read PHOTOS` gives it and as `Reader().read` gives it: the same plates, boxes and
    confidences for every photo."""
    from lpr import Reader
    from lpr.cli.read import read
    from tests.conftest import compose_config

    photos = sorted(photo_folder.glob("*.jpg"))
    read(compose_config("read", [f"ckpt_path={READER}", "locate=detector",
                                 f"locate.detector.model={DETECTOR}", f"input={photo_folder}"], tmp_path))
    with (tmp_path / "predictions.csv").open() as handle:
        by_lpr_read = [(row["image"], row["text"], row["confidence"], *(int(row[k]) for k in "xywh"))
                       for row in csv.DictReader(handle) if row["status"] == "read"]
    by_reader = [(path.name, plate.text, f"{plate.confidence:.4f}", *plate.box)
                 for path, plates in zip(photos, Reader().read(photos)) for plate in plates]
    assert len(by_reader) >= len(photos) and sorted(by_reader) == sorted(by_lpr_read)
