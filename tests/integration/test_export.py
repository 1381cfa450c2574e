"""lpr.export as configured: both runtimes are checked on the shared data's real character crops (seed-chars val) and
real plate boxes (openalpr-endtoend eu)."""
import pytest

from tests.conftest import compose_config


@pytest.mark.slow
def test_export_verifies_on_real_character_crops(small_ckpt, tmp_path):
    from lpr.cli.export import export

    metrics = export(compose_config("export", [f"ckpt_path={small_ckpt}"], tmp_path))
    assert metrics["verify/n"] == 216 and metrics["verify/argmax_agree"] == 1.0  # all of seed-chars' val crops
    assert metrics["verify/max_abs_diff"] < 1e-4 and metrics["verify/torch_acc"] == metrics["verify/onnx_acc"]


@pytest.mark.slow
def test_crnn_export_verifies_on_real_plate_boxes(small_crnn_ckpt, tmp_path):
    from lpr.cli.export import export

    metrics = export(compose_config("export", [f"ckpt_path={small_crnn_ckpt}", "verify.max_plates=24"], tmp_path))
    assert metrics["engine"] == "crnn" and metrics["verify/n"] == 24
    assert metrics["verify/argmax_agree"] == 1.0 and metrics["verify/max_abs_diff"] < 1e-4
