"""The spine of a run on generated characters: train leaves a checkpoint and metrics, eval reproduces them."""
import json

import pytest

from lpr.data.synth_chars import CharSynth
from tests.conftest import compose_config


def test_tiny_training_leaves_checkpoint_and_metrics(synth_run):
    assert (synth_run / "checkpoints" / "best.ckpt").is_file()
    assert (synth_run / "checkpoints" / "last.ckpt").is_file()
    metrics = json.loads((synth_run / "metrics.json").read_text())
    assert metrics["epochs"] == 2
    assert 0.0 < metrics["val/acc_best"] <= 1.0 and 0.0 <= metrics["test/acc"] <= 1.0  # generated data has a test split
    assert metrics["train_time_s"] > 0 and metrics["model/params"] > 0
    assert list((synth_run / "tensorboard").glob("events.out.tfevents.*"))
    assert {"config_resolved.yaml", "provenance.json"} <= {path.name for path in synth_run.iterdir()}


def test_eval_reproduces_validation_accuracy(synth_run, tiny_train, cache_dir, tmp_path):
    from lpr.cli.eval import evaluate

    train_cfg = compose_config("train", tiny_train, tmp_path / "train_cfg")
    root = CharSynth(**{k: v for k, v in train_cfg.data.synth.items() if k != "_target_"}).ensure(cache_dir)
    cfg = compose_config("eval", [f"ckpt_path={synth_run / 'checkpoints' / 'best.ckpt'}", f"data.root={root}"],
                         tmp_path)
    metrics = evaluate(cfg)
    train_metrics = json.loads((synth_run / "metrics.json").read_text())
    assert metrics["n"] == 36 * train_cfg.data.synth.per_class.val
    assert metrics["eval/acc"] == pytest.approx(train_metrics["val/acc_best"], abs=1e-6)
    assert (tmp_path / "confusion_matrix.png").stat().st_size > 0
    assert json.loads((tmp_path / "metrics.json").read_text())["eval/acc"] == metrics["eval/acc"]
    test_split = evaluate(compose_config("eval", [f"ckpt_path={synth_run / 'checkpoints' / 'best.ckpt'}",
                                                  f"data.root={root}", "subset=test"], tmp_path / "test"))
    assert test_split["eval/acc"] == pytest.approx(train_metrics["test/acc"], abs=1e-6)


def test_a_step_budget_ending_before_the_first_validation_still_finishes(tiny_train, tmp_path):
    """A smoke run (`trainer.max_steps` inside epoch 1) must not fail on early stopping's never-logged metric."""
    from lpr.cli.train import train

    metrics = train(compose_config("train", tiny_train + ["+trainer.max_steps=3"], tmp_path))
    assert "val/acc" not in metrics and metrics["train/loss"] > 0
    assert (tmp_path / "checkpoints" / "last.ckpt").is_file() and (tmp_path / "metrics.json").is_file()
