"""Nothing lost: runs resume from last.ckpt with their state, and a seed makes them repeatable."""
import json

import torch

from lpr.train import train
from tests.conftest import TINY_TRAIN, compose_config


def run(run_dir, *overrides):
    return train(compose_config("train", [*TINY_TRAIN, *overrides], run_dir))


def test_same_seed_same_metrics(tiny_run, tmp_path):
    again = run(tmp_path)
    first = json.loads((tiny_run / "metrics.json").read_text())
    for key in ("train/loss", "val/loss", "val/acc_best"):
        assert float(again[key]) == first[key], key


def test_resume_continues_from_last_checkpoint_with_its_best_score(tiny_run, tmp_path):
    last = torch.load(tiny_run / "checkpoints" / "last.ckpt", weights_only=False)
    assert last["epoch"] == 1
    assert last["state_dict"]["val_acc_best.max_value"] > 0  # the best score travels with the checkpoint
    resumed = run(tmp_path, "trainer.max_epochs=3", f"ckpt_path={tiny_run}")
    assert resumed["epochs"] == 3
    assert float(resumed["val/acc_best"]) >= float(last["state_dict"]["val_acc_best.max_value"])
    assert torch.load(tmp_path / "checkpoints" / "last.ckpt", weights_only=False)["epoch"] == 2
    assert not list(tmp_path.rglob("*.partial"))  # atomic writes leave no temporary files behind
