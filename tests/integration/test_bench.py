"""lpr.bench as configured: on the shared OpenALPR photos of every region, both backends read alike; only its run
dir is written, never experiments/RESULTS.md."""
import json

import pytest

from tests.conftest import REPO, compose_config

RESULTS_MD = REPO / "experiments" / "RESULTS.md"


@pytest.mark.slow  # an export, then two fresh processes, one importing torch and lightning
def test_bench_on_the_configured_photos(small_ckpt, char_root, tmp_path):
    from lpr.cli.bench import bench
    from lpr.cli.export import export

    export_dir = tmp_path / "export"
    export(compose_config("export", [f"ckpt_path={small_ckpt}", f"verify.data_dir={char_root / 'val'}"], export_dir))
    before = RESULTS_MD.read_bytes() if RESULTS_MD.exists() else None
    run_dir = tmp_path / "run"
    metrics = bench(compose_config("bench", [
        f"ckpt_path={small_ckpt}", f"model_path={export_dir / 'char_classifier.onnx'}", "max_photos=1",
        "latency_items=2", "batch1_chars=5", "char_batch=8", "warmup=1"], run_dir))
    assert (RESULTS_MD.read_bytes() if RESULTS_MD.exists() else None) == before
    assert metrics["n_plates"] == 3  # one photo of each configured folder: us, eu, br
    assert json.loads((run_dir / "metrics.json").read_text()) == metrics
    assert metrics["agree/onnx/crops"] == 1.0 and metrics["agree/onnx/photos"] == 1.0
    for backend in ("torch", "onnx"):
        assert metrics[f"{backend}/photos/per_s"] > 0 and metrics[f"{backend}/crops/plates_per_s"] > 0
    assert "| torch |" in (run_dir / "results.md").read_text()
