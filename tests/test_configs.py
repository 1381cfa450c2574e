from pathlib import Path

import pytest
import torch
from hydra.utils import instantiate

from lpr.alphabet import ALPHABET
from tests.conftest import CONFIGS, SEED_CHARS, compose_config

EXPERIMENTS = sorted(p.stem for p in (CONFIGS / "experiment").glob("*.yaml"))
MODELS = sorted(p.stem for p in (CONFIGS / "model").glob("*.yaml"))


@pytest.mark.parametrize("experiment", EXPERIMENTS)
def test_every_experiment_composes(experiment, tmp_path):
    cfg = compose_config("train", [f"experiment={experiment}"], tmp_path)
    assert cfg.data._target_ and cfg.model._target_ and cfg.trainer._target_
    assert cfg.callbacks.model_checkpoint.monitor.startswith("val/")


def test_eval_config_composes(tmp_path):
    cfg = compose_config("eval", ["ckpt_path=x.ckpt", f"data.root={SEED_CHARS}"], tmp_path)
    assert cfg.split == "val"


@pytest.mark.parametrize("model", [m for m in MODELS if m.startswith("seed_cnn")])
def test_character_models_map_images_to_36_logits(model, tmp_path):
    cfg = compose_config("train", [f"model={model}", "data=chars", f"data.root={SEED_CHARS}"], tmp_path)
    module = instantiate(cfg.model)
    logits = module(torch.rand(3, 1, cfg.data.image_size, cfg.data.image_size))
    assert logits.shape == (3, len(ALPHABET))


def test_run_dirs_follow_the_template_layout():
    from hydra import compose, initialize_config_dir

    with initialize_config_dir(config_dir=str(CONFIGS), version_base="1.3"):
        cfg = compose("train", return_hydra_config=True)
    assert Path(cfg.hydra.run.dir).parent == Path("logs/train/runs")
    assert Path(cfg.hydra.sweep.dir).parent == Path("logs/train/multiruns")
