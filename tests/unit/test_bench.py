"""lpr.bench on a few generated photos: the structure of metrics.json and of the table in its run dir, not the
speed; and it never touches experiments/RESULTS.md (only experiments scripts write that)."""
import json

import pytest

from lpr.core.errors import LprError
from tests.conftest import REPO, compose_config

TINY = ["max_photos=3", "latency_items=2", "batch1_chars=5", "char_batch=8", "warmup=1"]
RESULTS_MD = REPO / "experiments" / "RESULTS.md"


def results_md_state():
    return (RESULTS_MD.read_bytes(), RESULTS_MD.stat().st_mtime_ns) if RESULTS_MD.exists() else None


@pytest.mark.slow  # two fresh processes, one importing torch and lightning
def test_bench_measures_both_backends(exported, small_ckpt, photo_folder, tmp_path, capsys):
    from lpr.cli.bench import bench

    _, export_dir = exported
    run_dir = tmp_path / "run"
    overrides = [f"ckpt_path={small_ckpt}", f"model_path={export_dir / 'char_classifier.onnx'}",
                 f"inputs=[{photo_folder}]", "note=test", *TINY]
    before = results_md_state()
    metrics = bench(compose_config("bench", overrides, run_dir))
    assert results_md_state() == before  # bench writes its own run dir only
    assert json.loads((run_dir / "metrics.json").read_text()) == metrics
    assert metrics["n_plates"] == 3 and metrics["threads"] == 2
    for backend in ("torch", "onnx"):
        for key in ("chars/per_s_batch1", "chars/per_s_batched", "crops/plates_per_s", "crops/p50_ms", "crops/p95_ms",
                    "photos/per_s", "photos/p50_ms", "photos/p95_ms", "peak_rss_mb", "crops/stage_ms/segment",
                    "crops/stage_ms/model", "photos/stage_ms/locate", "photos/stage_ms/decode"):
            assert metrics[f"{backend}/{key}"] > 0, key
        assert metrics[f"{backend}/crops/p95_ms"] >= metrics[f"{backend}/crops/p50_ms"]
        assert 0.0 <= metrics[f"{backend}/crops/acc"] <= 1.0 and 0.0 <= metrics[f"{backend}/photos/acc"] <= 1.0
    assert metrics["agree/onnx/crops"] == 1.0 and metrics["agree/onnx/photos"] == 1.0
    table = (run_dir / "results.md").read_text()
    assert "| torch |" in table and "| onnx |" in table and "test" in table
    assert table in capsys.readouterr().out  # printed as well


@pytest.mark.slow
def test_bench_measures_the_whole_plate_engine(exported_crnn, small_crnn_ckpt, photo_folder, tmp_path):
    from lpr.cli.bench import bench

    _, export_dir = exported_crnn
    overrides = [f"ckpt_path={small_crnn_ckpt}", f"model_path={export_dir / 'plate_recognizer.onnx'}",
                 f"inputs=[{photo_folder}]", *TINY]
    before = results_md_state()
    metrics = bench(compose_config("bench", overrides, tmp_path / "run"))
    assert results_md_state() == before
    for backend in ("torch", "onnx"):
        for key in ("crops/plates_per_s", "photos/per_s", "crops/stage_ms/preprocess", "crops/stage_ms/model",
                    "photos/stage_ms/locate"):
            assert metrics[f"{backend}/{key}"] > 0, key
        assert f"{backend}/crops/stage_ms/segment" not in metrics and f"{backend}/chars/per_s_batched" not in metrics
    assert metrics["agree/onnx/crops"] == 1.0 and metrics["agree/onnx/photos"] == 1.0


def test_bench_has_no_results_md_setting(tmp_path):
    from hydra.errors import ConfigCompositionException

    with pytest.raises(ConfigCompositionException):
        compose_config("bench", ["ckpt_path=x.ckpt", "model_path=x.onnx", f"results_md={tmp_path / 'RESULTS.md'}"],
                       tmp_path / "run")


def test_missing_onnx_model_is_an_lpr_error(photo_folder, tmp_path):
    from lpr.cli.bench import bench

    cfg = compose_config("bench", ["ckpt_path=none.ckpt", f"model_path={tmp_path / 'none.onnx'}", "backends=[onnx]",
                                   f"inputs=[{photo_folder}]", *TINY], tmp_path / "run")
    with pytest.raises(LprError, match="ONNX model not found"):
        bench(cfg)


def test_inputs_without_labelled_boxes_are_an_lpr_error(tmp_path):
    from lpr.cli.bench import bench

    folder = tmp_path / "crops"
    folder.mkdir()
    (folder / "a.png").write_bytes(b"")
    cfg = compose_config("bench", ["ckpt_path=x.ckpt", "model_path=x.onnx", f"inputs=[{folder}]"], tmp_path / "run")
    with pytest.raises(LprError, match="no labelled plate boxes"):
        bench(cfg)
