"""lpr.bench on a few photos: the structure of metrics.json and of its RESULTS.md section, not the speed."""
import json

import pytest

from lpr.bench import HEADING
from lpr.run_files import write_results_section
from lpr.errors import LprError
from tests.conftest import compose_config

TINY = ["max_photos=1", "latency_items=2", "batch1_chars=5", "char_batch=8", "warmup=1"]


@pytest.mark.slow  # two fresh processes, one importing torch and lightning
def test_bench_measures_both_backends(exported, small_ckpt, tmp_path):
    from lpr.bench import bench

    _, export_dir = exported
    results_md = tmp_path / "RESULTS.md"
    results_md.write_text("# Results\n\n## Other section\n\nkept\n")
    run_dir = tmp_path / "run"
    overrides = [f"ckpt_path={small_ckpt}", f"model_path={export_dir / 'char_classifier.onnx'}",
                 f"results_md={results_md}", "note=test", *TINY]
    metrics = bench(compose_config("bench", overrides, run_dir))
    assert json.loads((run_dir / "metrics.json").read_text()) == metrics
    assert metrics["n_plates"] == 3 and metrics["threads"] == 2
    for backend in ("torch", "onnx"):
        for key in ("chars/per_s_batch1", "chars/per_s_batched", "crops/plates_per_s", "crops/p50_ms", "crops/p95_ms",
                    "photos/per_s", "photos/p50_ms", "photos/p95_ms", "peak_rss_mb", "crops/stage_ms/segment",
                    "crops/stage_ms/model", "photos/stage_ms/locate", "photos/stage_ms/decode"):
            assert metrics[f"{backend}/{key}"] > 0, key
        assert metrics[f"{backend}/crops/p95_ms"] >= metrics[f"{backend}/crops/p50_ms"]
    assert metrics["agree/onnx/crops"] == 1.0 and metrics["agree/onnx/photos"] == 1.0
    text = results_md.read_text()
    assert "## Other section\n\nkept" in text and text.count(HEADING) == 1
    assert "| torch |" in text and "| onnx |" in text


@pytest.mark.slow
def test_bench_measures_the_whole_plate_engine(exported_crnn, small_crnn_ckpt, tmp_path):
    from lpr.bench import bench

    _, export_dir = exported_crnn
    overrides = [f"ckpt_path={small_crnn_ckpt}", f"model_path={export_dir / 'plate_recognizer.onnx'}",
                 "results_md=null", *TINY]
    metrics = bench(compose_config("bench", overrides, tmp_path / "run"))
    for backend in ("torch", "onnx"):
        for key in ("crops/plates_per_s", "photos/per_s", "crops/stage_ms/preprocess", "crops/stage_ms/model",
                    "photos/stage_ms/locate"):
            assert metrics[f"{backend}/{key}"] > 0, key
        assert f"{backend}/crops/stage_ms/segment" not in metrics and f"{backend}/chars/per_s_batched" not in metrics
    assert metrics["agree/onnx/crops"] == 1.0 and metrics["agree/onnx/photos"] == 1.0


def test_results_are_appended_inside_their_own_section(tmp_path):
    results_md = tmp_path / "RESULTS.md"
    write_results_section(results_md, HEADING, "first\n", append=True)
    results_md.write_text(results_md.read_text() + "\n## Later section\n\nkept\n")
    write_results_section(results_md, HEADING, "second\n", append=True)
    text = results_md.read_text()
    assert text.count(HEADING) == 1
    assert text.index("first") < text.index("second") < text.index("## Later section") < text.index("kept")


def test_missing_onnx_model_is_an_lpr_error(tmp_path):
    from lpr.bench import bench

    cfg = compose_config("bench", ["ckpt_path=none.ckpt", f"model_path={tmp_path / 'none.onnx'}", "backends=[onnx]",
                                   "results_md=null", *TINY], tmp_path / "run")
    with pytest.raises(LprError, match="ONNX model not found"):
        bench(cfg)
