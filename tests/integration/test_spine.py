"""The spine on the shared seed-chars: a tiny training leaves a checkpoint and metrics, eval reproduces them."""
import json

import pytest

from tests.conftest import compose_config
from tests.integration.conftest import SEED_CHARS


def test_tiny_training_leaves_checkpoint_and_metrics(tiny_run):
    assert (tiny_run / "checkpoints" / "best.ckpt").is_file()
    assert (tiny_run / "checkpoints" / "last.ckpt").is_file()
    metrics = json.loads((tiny_run / "metrics.json").read_text())
    assert metrics["epochs"] == 2
    assert 0.0 < metrics["val/acc_best"] <= 1.0
    assert metrics["train_time_s"] > 0
    assert list((tiny_run / "tensorboard").glob("events.out.tfevents.*"))


def test_eval_reproduces_validation_accuracy(tiny_run, tmp_path):
    from lpr.cli.eval import evaluate

    cfg = compose_config("eval", [f"ckpt_path={tiny_run / 'checkpoints' / 'best.ckpt'}", f"data.root={SEED_CHARS}"],
                         tmp_path)
    metrics = evaluate(cfg)
    train_metrics = json.loads((tiny_run / "metrics.json").read_text())
    assert metrics["n"] == 216
    assert metrics["eval/acc"] == pytest.approx(train_metrics["val/acc_best"], abs=1e-6)
    assert (tmp_path / "confusion_matrix.png").stat().st_size > 0
    assert json.loads((tmp_path / "metrics.json").read_text())["eval/acc"] == metrics["eval/acc"]


def test_a_trained_classifier_reads_real_characters(tiny_run):
    """Two epochs on seed-chars already read most of its val crops: the data and the training fit together."""
    metrics = json.loads((tiny_run / "metrics.json").read_text())
    assert metrics["val/acc_best"] > 0.5
