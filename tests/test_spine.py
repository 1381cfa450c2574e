import json

import pytest

from tests.conftest import SEED_CHARS, TINY_TRAIN, compose_config


def test_tiny_training_leaves_checkpoint_and_metrics(tiny_run):
    assert (tiny_run / "checkpoints" / "best.ckpt").is_file()
    assert (tiny_run / "checkpoints" / "last.ckpt").is_file()
    metrics = json.loads((tiny_run / "metrics.json").read_text())
    assert metrics["epochs"] == 2
    assert 0.0 < metrics["val/acc_best"] <= 1.0
    assert metrics["train_time_s"] > 0
    assert list((tiny_run / "tensorboard").glob("events.out.tfevents.*"))


def test_eval_reproduces_validation_accuracy(tiny_run, tmp_path):
    from lpr.eval import evaluate

    cfg = compose_config("eval", [f"ckpt_path={tiny_run / 'checkpoints' / 'best.ckpt'}", f"data.root={SEED_CHARS}"],
                         tmp_path)
    metrics = evaluate(cfg)
    train_metrics = json.loads((tiny_run / "metrics.json").read_text())
    assert metrics["n"] == 216
    assert metrics["test/acc"] == pytest.approx(train_metrics["val/acc_best"], abs=1e-6)
    assert (tmp_path / "confusion_matrix.png").stat().st_size > 0
    assert json.loads((tmp_path / "metrics.json").read_text())["test/acc"] == metrics["test/acc"]


def test_a_step_budget_ending_before_the_first_validation_still_finishes(tmp_path):
    """A smoke run (`trainer.max_steps` inside epoch 1) must not fail on early stopping's never-logged metric."""
    from lpr.train import train

    metrics = train(compose_config("train", TINY_TRAIN + ["+trainer.max_steps=3"], tmp_path))
    assert "val/acc" not in metrics and metrics["train/loss"] > 0
    assert (tmp_path / "checkpoints" / "last.ckpt").is_file() and (tmp_path / "metrics.json").is_file()
