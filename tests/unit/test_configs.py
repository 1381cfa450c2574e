"""Every config composes; the photo split has one owner (configs/split/) that every user of it reads."""
import os
import subprocess
import sys
from pathlib import Path

import pytest
import torch
import yaml
from hydra.utils import instantiate
from lightning.pytorch import Callback
from omegaconf import OmegaConf

from lpr.core.alphabet import ALPHABET
from lpr.data.split import PhotoSplit
from tests.conftest import CONFIGS, REPO, compose_config, hydra_config, photo_split

EXPERIMENTS = sorted(p.stem for p in (CONFIGS / "experiment").glob("*.yaml"))
MODELS = sorted(p.stem for p in (CONFIGS / "model").glob("*.yaml"))
ENTRY_POINTS = sorted(p.stem for p in CONFIGS.glob("*.yaml"))


@pytest.mark.parametrize("experiment", EXPERIMENTS)
def test_every_experiment_composes(experiment, tmp_path):
    cfg = compose_config("train", [f"experiment={experiment}"], tmp_path)
    assert cfg.data._target_ and cfg.model._target_ and cfg.trainer._target_
    assert cfg.callbacks.model_checkpoint.monitor.startswith("val/")


def test_the_whole_plate_variants_are_settings_of_one_experiment(tmp_path):
    """The refit, the 40 x 160 input and the conv-only head are overrides of experiment=crnn_plates, not copies."""
    assert not [name for name in EXPERIMENTS if name.startswith("crnn_plates_")]
    cfg = compose_config("train", ["experiment=crnn_plates", "split.val_percent=0", "data.input_height=40",
                                   "data.input_width=160", "model.net.rnn_hidden=0"], tmp_path)
    net = instantiate(cfg.model.net)
    assert instantiate(cfg.split).val_percent == 0 and (net.input_height, net.input_width) == (40, 160)
    assert net.rnn is None and net(torch.rand(2, 1, 40, 160)).shape == (2, 40, len(ALPHABET) + 1)


# The TensorBoard views of each model kind (configs/callbacks/views/), by the LightningModule a model config trains
VIEWS = {"chars": {"misclassified_grid", "train_batch_sample"}, "plates": {"contact_sheet"},
         "detection": {"detection_grid"}}
KINDS = {"lpr.training.char_module.CharClassifier": "chars", "lpr.training.plate_module.PlateRecognizer": "plates",
         "lpr.training.detect_module.PlateDetector": "detection",
         "lpr.training.text_map_module.PlateTextDetector": "detection"}


def test_the_views_are_one_config_of_each_kind():
    assert {path.stem: set(OmegaConf.load(path)) for path in (CONFIGS / "callbacks" / "views").glob("*.yaml")} == VIEWS


@pytest.mark.parametrize("choice", [*(f"model={model}" for model in MODELS),
                                    *(f"experiment={experiment}" for experiment in EXPERIMENTS)])
def test_a_run_gets_the_views_of_its_model_kind_and_no_others(choice):
    """A plate recognizer's run has no character views, a character classifier's no detector view, and so on."""
    cfg = hydra_config("train", [choice])
    kind = KINDS[cfg.model._target_]
    assert cfg.hydra.runtime.choices["callbacks/views"] == kind
    shown = {key for key in set().union(*VIEWS.values()) if cfg.callbacks.get(key) is not None}
    assert shown == VIEWS[kind]
    for key in shown:
        assert isinstance(instantiate(cfg.callbacks[key]), Callback)


def test_the_command_line_chooses_other_views_over_the_models():
    cfg = hydra_config("train", ["model=crnn", "callbacks/views=chars"])
    assert "contact_sheet" not in cfg.callbacks and VIEWS["chars"] <= set(cfg.callbacks)


@pytest.mark.parametrize("config_name", ENTRY_POINTS)
def test_every_entry_point_config_composes(config_name):
    cfg = hydra_config(config_name, [])
    assert cfg.task_name and cfg.paths.output_dir


def test_eval_config_composes(tmp_path):
    cfg = compose_config("eval", ["ckpt_path=x.ckpt", f"data.root={tmp_path}"], tmp_path)
    assert cfg.subset == "val" and "split" not in cfg  # eval's choice of folder is `subset`


@pytest.mark.parametrize("model", [m for m in MODELS if m.startswith("seed_cnn")])
def test_character_models_map_images_to_36_logits(model, tmp_path):
    cfg = compose_config("train", [f"model={model}", "data=chars", f"data.root={tmp_path}"], tmp_path)
    module = instantiate(cfg.model)
    logits = module(torch.rand(3, 1, cfg.data.image_size, cfg.data.image_size))
    assert logits.shape == (3, len(ALPHABET))


def test_run_dirs_follow_the_template_layout():
    cfg = hydra_config("train", [])
    assert Path(cfg.hydra.run.dir).parent == REPO / "logs/train/runs"
    assert Path(cfg.hydra.sweep.dir).parent == REPO / "logs/train/multiruns"


def test_paths_start_from_the_project_wherever_lpr_runs(tmp_path):
    shown = subprocess.run([sys.executable, "-m", "lpr.train", "--cfg", "job", "--resolve", "--package", "paths"],
                           cwd=tmp_path, capture_output=True, text=True,
                           env={key: value for key, value in os.environ.items() if key != "LPR_ROOT"})
    assert shown.returncode == 0, shown.stderr
    paths = yaml.safe_load(shown.stdout)
    assert Path(paths["log_dir"]) == REPO / "logs" and Path(paths["cache_dir"]) == REPO / "data" / "cache"


def test_the_photo_split_is_one_group_that_read_and_train_share():
    split = photo_split()
    assert isinstance(split, PhotoSplit)
    assert photo_split("train") == split  # one owner: configs/split/default.yaml
    moved = photo_split("read", ("split.val_percent=5",))
    assert moved.val_percent == 5 and (moved.salt, moved.held_out_from) == (split.salt, split.held_out_from)


def test_plate_data_and_the_harvest_take_the_top_level_split(tmp_path):
    cfg = compose_config("train", ["experiment=crnn_plates", "split.val_percent=7"], tmp_path)
    assert "split_percent" not in cfg.data and "split_salt" not in cfg.data
    datamodule = instantiate(cfg.data)
    assert datamodule.split == instantiate(cfg.split) and datamodule.split.val_percent == 7
    assert datamodule.hparams.split_percent == datamodule.split.percent
    assert datamodule.hparams.split_salt == datamodule.split.salt
    harvest = instantiate(compose_config("train", ["experiment=plates"], tmp_path / "plates").data.synth)
    assert harvest.split == photo_split("train")


def test_every_data_config_without_split_keys():
    for path in sorted((CONFIGS / "data").glob("*.yaml")):
        assert not {"split_percent", "split_salt"} & set(OmegaConf.load(path)), path.name


def test_bad_split_values_are_refused_by_name(tmp_path):
    from lpr.core.config import instantiate as lpr_instantiate
    from lpr.core.errors import LprError

    cfg = compose_config("read", ["ckpt_path=x", "input=x", "split.val_percent=-1"], tmp_path)
    with pytest.raises(LprError, match="val_percent"):
        lpr_instantiate(cfg.split)
    cfg = compose_config("read", ["ckpt_path=x", "input=x", "split.held_out_from=101"], tmp_path)
    with pytest.raises(LprError, match="held_out_from"):
        lpr_instantiate(cfg.split)


@pytest.mark.parametrize("data", ["synth", "synth_plates"])
def test_training_augmentation_draws_alike_in_two_runs_of_one_seed(data, tmp_path):
    """albumentations keeps generators of its own: a data config that does not seed them makes no two runs alike."""
    import numpy as np

    from lpr.core.config import instantiate as build

    image = np.random.default_rng(0).integers(0, 256, (32, 128), dtype=np.uint8)
    draws = []
    for run in range(2):
        datamodule = build(compose_config("train", [f"data={data}"], tmp_path / str(run)).data)
        augment = datamodule.augment if data == "synth_plates" else datamodule.train_augment()
        draws.append([augment(image=image)["image"] for _ in range(4)])
    assert all(np.array_equal(a, b) for a, b in zip(*draws))
