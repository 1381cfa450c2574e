"""lpr.export and the onnxruntime reader: export matches PyTorch, the onnx reader needs no torch and reads alike."""
import csv
import json

import numpy as np
import onnxruntime as ort
import pytest
import torch

from lpr.core.errors import LprError
from tests.conftest import PLATE_TEXTS, compose_config, run_without_torch

@pytest.fixture
def tiny_photo(photo_folder, tmp_path):
    path = tmp_path / "plate.png"
    path.write_bytes(sorted(photo_folder.glob("*.jpg"))[0].read_bytes())
    return path


def read_without_torch(*overrides):
    return run_without_torch("lpr.read", *overrides)


def read_predictions(run_dir):
    with (run_dir / "predictions.csv").open() as rows:
        return list(csv.DictReader(rows))


@pytest.mark.slow  # imports lightning (lpr.training.checkpoint) and exports: over 10 s on a shared 2-core machine
def test_export_matches_torch_on_character_crops_and_writes_reader_info(exported):
    metrics, run_dir = exported
    model_path = run_dir / "char_classifier.onnx"
    assert json.loads((run_dir / "metrics.json").read_text()) == metrics
    assert metrics["engine"] == "classic" and metrics["verify/n"] == 72 and metrics["verify/argmax_agree"] == 1.0
    assert metrics["verify/max_abs_diff"] < 1e-4 and metrics["verify/torch_acc"] == metrics["verify/onnx_acc"]
    info = json.loads(model_path.with_suffix(".json").read_text())
    assert info["alphabet"] == "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ" and info["input_size"] == 28
    assert info["segment"]["height"] == 64 and info["preprocessing"]["function"] == "lpr.core.preprocess.chars_to_batch"
    session = ort.InferenceSession(str(model_path), providers=["CPUExecutionProvider"])
    for batch in (1, 5):  # dynamic batch axis, probabilities out
        probabilities = session.run(None, {"chars": np.random.rand(batch, 1, 28, 28).astype(np.float32)})[0]
        assert probabilities.shape == (batch, 36) and np.allclose(probabilities.sum(1), 1.0, atol=1e-5)


@pytest.mark.slow
def test_export_refuses_disagreement_broken_crnn_and_missing_checkpoints(small_ckpt, char_root, tmp_path):
    from lpr.cli.export import export

    with pytest.raises(LprError, match="disagrees with PyTorch.*the unverified model is removed"):
        export(compose_config("export", [f"ckpt_path={small_ckpt}", f"verify.data_dir={char_root / 'val'}",
                                         "verify.max_images=8", "verify.tolerance=-1"], tmp_path / "strict"))
    assert not list((tmp_path / "strict").glob("char_classifier.*"))  # neither the .onnx nor its .json
    crnn = tmp_path / "crnn.ckpt"
    torch.save({"hyper_parameters": {"engine": "crnn", "net": None}, "state_dict": {}}, crnn)
    with pytest.raises(LprError, match="crnn.ckpt: its hyperparameters do not describe a PlateRecognizer"):
        export(compose_config("export", [f"ckpt_path={crnn}"], tmp_path / "crnn"))
    torch.save({"hyper_parameters": {"engine": "crnn"}, "state_dict": {}}, crnn)
    with pytest.raises(LprError, match="crnn.ckpt: not an lpr checkpoint"):
        export(compose_config("export", [f"ckpt_path={crnn}"], tmp_path / "crnn"))
    with pytest.raises(LprError, match="checkpoint not found"):
        export(compose_config("export", [f"ckpt_path={tmp_path / 'none.ckpt'}"], tmp_path / "missing"))
    with pytest.raises(LprError, match="must end in .onnx"):
        export(compose_config("export", [f"ckpt_path={small_ckpt}", f"output={tmp_path / 'model.bin'}"],
                              tmp_path / "suffix"))


@pytest.mark.slow
def test_onnx_reader_runs_without_torch_and_reads_like_torch(exported, small_ckpt, photo_folder, tmp_path):
    from lpr.cli.read import read

    _, export_dir = exported
    onnx_run = tmp_path / "onnx"
    done = read_without_torch(f"ckpt_path={export_dir / 'char_classifier.onnx'}",
                              f"input={photo_folder}", "locate=box", f"hydra.run.dir={onnx_run}")
    assert done.returncode == 0, done.stderr
    torch_run = tmp_path / "torch"
    read(compose_config("read", [f"ckpt_path={small_ckpt}", f"input={photo_folder}", "locate=box"], torch_run))
    onnx_predictions, torch_predictions = read_predictions(onnx_run), read_predictions(torch_run)
    assert len(onnx_predictions) == len(PLATE_TEXTS) and onnx_predictions == torch_predictions
    metrics = json.loads((onnx_run / "metrics.json").read_text())
    assert metrics["backend"] == "onnx" and metrics["plate/n"] == len(PLATE_TEXTS)
    assert "plate/cer" not in metrics  # CER is torchmetrics': the torch-free reader leaves it out


@pytest.mark.slow
def test_crnn_export_matches_torch_on_plate_boxes_and_reads_without_torch(exported_crnn, small_crnn_ckpt,
                                                                         photo_folder, tmp_path):
    from lpr.cli.read import read

    metrics, export_dir = exported_crnn
    model_path = export_dir / "plate_recognizer.onnx"
    assert metrics["engine"] == "crnn" and metrics["verify/n"] == len(PLATE_TEXTS)
    assert metrics["verify/argmax_agree"] == 1.0 and metrics["verify/max_abs_diff"] < 1e-4
    info = json.loads(model_path.with_suffix(".json").read_text())
    assert (info["engine"], info["input_height"], info["input_width"], info["blank"]) == ("crnn", 32, 128, 0)
    assert info["preprocessing"]["function"] == "lpr.core.preprocess.plates_to_batch"
    session = ort.InferenceSession(str(model_path), providers=["CPUExecutionProvider"])
    for batch in (1, 3):  # dynamic batch axis, log-probabilities per column out
        log_probs = session.run(None, {"plates": np.random.rand(batch, 1, 32, 128).astype(np.float32)})[0]
        assert log_probs.shape == (batch, 64, 37) and np.allclose(np.exp(log_probs).sum(2), 1.0, atol=1e-5)

    onnx_run, torch_run = tmp_path / "onnx", tmp_path / "torch"
    done = read_without_torch(f"ckpt_path={model_path}", f"input={photo_folder}", "locate=box",
                              f"hydra.run.dir={onnx_run}")
    assert done.returncode == 0, done.stderr
    read(compose_config("read", [f"ckpt_path={small_crnn_ckpt}", f"input={photo_folder}", "locate=box"], torch_run))
    onnx_predictions, torch_predictions = read_predictions(onnx_run), read_predictions(torch_run)
    assert len(onnx_predictions) == len(PLATE_TEXTS) and onnx_predictions == torch_predictions


@pytest.mark.slow
def test_load_engine_reads_an_export_by_its_reader_info(exported, exported_crnn, tmp_path):
    from lpr.reading.engines.classic import ClassicEngine
    from lpr.reading.engines.ctc import CtcEngine
    from lpr.reading.engines.load import load_engine
    from lpr.reading.engines.onnx_model import load_reader_info, reader_info_path

    model_path = exported[1] / "char_classifier.onnx"
    classic = load_engine(model_path, threads=1)
    assert isinstance(classic, ClassicEngine) and classic.input_size == 28
    assert classic.segmenter.height == load_reader_info(model_path)["segment"]["height"]  # segmented as exported
    assert isinstance(load_engine(exported_crnn[1] / "plate_recognizer.onnx"), CtcEngine)
    copy = tmp_path / "copy.onnx"
    copy.write_bytes(model_path.read_bytes())
    with pytest.raises(LprError, match="copy.json: reader info not found"):
        load_engine(copy)
    reader_info_path(copy).write_text(json.dumps({**load_reader_info(model_path), "alphabet": "ABC"}))
    with pytest.raises(LprError, match="alphabet 'ABC' is not lpr's"):
        load_engine(copy)
    reader_info_path(copy).write_text(json.dumps({**load_reader_info(model_path), "input_size": 32}))
    with pytest.raises(LprError, match="does not match the 32x32 input"):
        load_engine(copy)


def test_without_torch_the_torch_backend_fails_so_the_check_above_means_something(tiny_photo, tmp_path):
    (tmp_path / "any.ckpt").write_bytes(b"")
    done = read_without_torch(f"ckpt_path={tmp_path / 'any.ckpt'}", f"input={tiny_photo}", "locate=none",
                              f"hydra.run.dir={tmp_path / 'run'}")
    assert done.returncode != 0 and "torch" in done.stderr


def test_bad_model_path_is_one_error_line(tmp_path, tiny_photo):
    corrupt = tmp_path / "corrupt.onnx"
    corrupt.write_bytes(b"not a model")
    for model_path, problem in ((tmp_path / "none.onnx", "ONNX model not found"),
                                (corrupt, "not a readable ONNX model"), ("null", "ckpt_path: no value given")):
        done = read_without_torch(f"ckpt_path={model_path}", f"input={tiny_photo}",
                                  f"hydra.run.dir={tmp_path / 'run'}")
        errors = [line for line in done.stderr.splitlines() if line.startswith("error:")]
        assert done.returncode == 2 and len(errors) == 1 and problem in errors[0], done.stderr
