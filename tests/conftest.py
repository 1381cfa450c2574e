"""Shared fixtures: composed Hydra configs pointing into tmp dirs, real data, and one tiny trained checkpoint."""
import os
import subprocess
import sys
from pathlib import Path

import pytest
from hydra import compose, initialize_config_dir
from hydra.core.global_hydra import GlobalHydra
from hydra.core.hydra_config import HydraConfig
from omegaconf import DictConfig, open_dict

REPO = Path(__file__).resolve().parents[1]
CONFIGS = REPO / "configs"
SHARED_DATA = Path(os.environ.get("LPR_SHARED_DATA", REPO.parent / "shared" / "data"))  # as configs/paths
SEED_CHARS = SHARED_DATA / "seed-chars"
OPENALPR = SHARED_DATA / "openalpr-endtoend"


def pytest_configure(config):
    """The tests read real images from the shared data: say so once instead of failing in every module."""
    if not SEED_CHARS.is_dir() or not OPENALPR.is_dir():
        pytest.exit(f"{SHARED_DATA}: the shared data the tests read is missing (put the repository beside shared/, "
                    "as in CI, or set LPR_SHARED_DATA)", returncode=4)


def compose_config(config_name: str, overrides: list[str], run_dir: Path) -> DictConfig:
    """The config an entry point would get, with its run dir set to `run_dir` (as Hydra would at run time)."""
    GlobalHydra.instance().clear()
    with initialize_config_dir(config_dir=str(CONFIGS), version_base="1.3"):
        cfg = compose(config_name, overrides=overrides, return_hydra_config=True)
    with open_dict(cfg):
        cfg.hydra.runtime.output_dir = str(run_dir)
        cfg.hydra.job.num = 0
    HydraConfig.instance().set_config(cfg)
    run_dir.mkdir(parents=True, exist_ok=True)
    with open_dict(cfg):
        del cfg.hydra
    GlobalHydra.instance().clear()
    return cfg


def run_cli(module: str, *overrides: str, cwd: Path = REPO) -> subprocess.CompletedProcess:
    """Run `python -m MODULE OVERRIDES...` as a user would; returns the finished process."""
    env = {**os.environ, "NO_ALBUMENTATIONS_UPDATE": "1"}
    return subprocess.run([sys.executable, "-m", module, *overrides], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=600)


# One epoch of the original CNN on a subset: fast, and good enough to exercise eval and reading.
TINY_TRAIN = ["experiment=seed", f"data.root={SEED_CHARS}", "model=seed_cnn_v1", "trainer.max_epochs=2",
              "callbacks.rich_progress_bar=null", "+trainer.enable_progress_bar=false",
              "model.optimizer.lr=0.001", "model.log_confusion=false"]


# Three real photos, one per region, with their labelled boxes.
PHOTOS = [("br", "FZB9581"), ("eu", "eu11"), ("us", "0b86cecf-67d1-4fc0-87c9-b36b0ee228bb")]


@pytest.fixture
def openalpr_folder(tmp_path) -> Path:
    """A small OpenALPR-style folder: links to three real photos and their labels."""
    folder = tmp_path / "photos"
    folder.mkdir()
    for region, stem in PHOTOS:
        for suffix in (".jpg", ".txt"):
            (folder / f"{stem}{suffix}").symlink_to(OPENALPR / region / f"{stem}{suffix}")
    return folder


@pytest.fixture(scope="session")
def tiny_run(tmp_path_factory) -> Path:
    """A finished training run dir (checkpoints/best.ckpt, metrics.json) of a small CNN on seed-chars."""
    from lpr.train import train

    run_dir = tmp_path_factory.mktemp("tiny_run")
    train(compose_config("train", TINY_TRAIN, run_dir))
    return run_dir


@pytest.fixture(scope="session")
def tiny_ckpt(tiny_run) -> Path:
    return tiny_run / "checkpoints" / "best.ckpt"


@pytest.fixture(scope="session")
def small_ckpt(tmp_path_factory):
    """A character checkpoint as lpr.train saves it (net in the hyperparameters), seeded weights, no training."""
    import torch

    from lpr.models.small_cnn import SmallCNN
    from lpr.module import CharClassifier

    torch.manual_seed(0)
    hyper_parameters = {"net": SmallCNN([8, 16], input_size=28), "optimizer": None, "log_confusion": False}
    path = tmp_path_factory.mktemp("ckpt") / "small.ckpt"
    torch.save({"hyper_parameters": hyper_parameters,
                "state_dict": CharClassifier(**hyper_parameters).state_dict()}, path)
    return path


@pytest.fixture(scope="session")
def small_crnn_ckpt(tmp_path_factory):
    """A whole-plate checkpoint as lpr.train saves it (engine "crnn", net in the hyperparameters), seeded weights."""
    import torch

    from lpr.models.crnn import CRNN
    from lpr.plate_module import PlateRecognizer

    torch.manual_seed(0)
    hyper_parameters = {"net": CRNN([8, 16], [[2, 2], [2, 1]], rnn_hidden=16), "optimizer": None, "engine": "crnn"}
    path = tmp_path_factory.mktemp("crnn_ckpt") / "crnn.ckpt"
    torch.save({"hyper_parameters": hyper_parameters,
                "state_dict": PlateRecognizer(**hyper_parameters).state_dict()}, path)
    return path


@pytest.fixture(scope="session")
def exported(small_ckpt, tmp_path_factory):
    from lpr.export import export

    run_dir = tmp_path_factory.mktemp("export")
    return export(compose_config("export", [f"ckpt_path={small_ckpt}", "verify.max_images=72"], run_dir)), run_dir


@pytest.fixture(scope="session")
def exported_crnn(small_crnn_ckpt, tmp_path_factory):
    from lpr.export import export

    run_dir = tmp_path_factory.mktemp("export_crnn")
    return export(compose_config("export", [f"ckpt_path={small_crnn_ckpt}", "verify.max_plates=24"], run_dir)), run_dir
