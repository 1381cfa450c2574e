"""Fixtures that read the shared data (../shared/data, or LPR_SHARED_DATA): real character crops (seed-chars) and
real photos with labelled plates (openalpr-endtoend), and one tiny training on seed-chars.

Where the shared data is missing, every test here is skipped with one reason and tests/unit still runs.
"""
import os
from pathlib import Path

import pytest

from tests.conftest import REPO, best_ckpt, train_run

SHARED_DATA = Path(os.environ.get("LPR_SHARED_DATA", REPO.parent / "shared" / "data"))  # as configs/paths
SEED_CHARS = SHARED_DATA / "seed-chars"
OPENALPR = SHARED_DATA / "openalpr-endtoend"
MISSING = "../shared/data not found (set LPR_SHARED_DATA): integration tests skipped"
HERE = Path(__file__).resolve().parent


def shared_data_found() -> bool:
    return SEED_CHARS.is_dir() and OPENALPR.is_dir()


def pytest_collection_modifyitems(config, items):
    """Without the shared data, one skip marker, with one reason, on every integration test."""
    if shared_data_found():
        return
    skip = pytest.mark.skip(reason=MISSING)
    for item in items:
        if HERE in Path(item.path).resolve().parents:
            item.add_marker(skip)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    """Those skips are reported from this one place: `-ra` shows one line for all of them, not one per test."""
    report = yield
    if report.skipped and call.when == "setup" and not shared_data_found():
        report.longrepr = (__file__, None, MISSING)
    return report


def pytest_report_header(config):
    return None if shared_data_found() else MISSING


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
    """A finished training run dir of a small CNN on seed-chars."""
    return train_run(tmp_path_factory, "tiny_run", TINY_TRAIN)


@pytest.fixture(scope="session")
def tiny_ckpt(tiny_run) -> Path:
    return best_ckpt(tiny_run)
