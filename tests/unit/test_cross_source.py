"""experiments/cross_source.py: which photos each protocol trains on and is read on, and when a run is reused
(no training here: the end-to-end check is the script itself)."""
import importlib
import json
from pathlib import Path

import pytest

from tests.conftest import REPO


@pytest.fixture
def cross_source(monkeypatch):
    monkeypatch.syspath_prepend(str(REPO / "experiments"))  # it imports its sibling scripts by name
    return importlib.import_module("cross_source")


def test_a_left_out_region_is_never_trained_on(cross_source):
    photos = Path("/photos")
    runs = {name: (protocol, data, read_on) for protocol, name, data, read_on
            in cross_source.trainings(["zero_shot", "leave_one_out", "in_distribution"], ["us", "br"], photos)}
    assert runs["zero_shot"] == ("zero_shot", ["data.roots=null"], ["us", "br"])
    assert runs["leave_one_out-us"] == ("leave_one_out", ["data.roots=[/photos/eu,/photos/br]"], ["us"])
    assert runs["leave_one_out-br"] == ("leave_one_out", ["data.roots=[/photos/us,/photos/eu]"], ["br"])
    assert runs["in_distribution"] == ("in_distribution", [], ["us", "br"])
    assert len(runs) == 4


def test_a_finished_run_is_reused_only_for_the_same_overrides(cross_source, tmp_path):
    (tmp_path / "checkpoints").mkdir()
    (tmp_path / "checkpoints" / "best.ckpt").write_bytes(b"")
    (tmp_path / "metrics.json").write_text("{}")
    (tmp_path / "provenance.json").write_text(json.dumps(
        {"argv": ["lpr/train.py", "trainer.max_steps=20", "data.roots=null", "hydra.run.dir=logs/elsewhere"]}))
    assert cross_source.train(tmp_path, ["data.roots=null", "trainer.max_steps=20", f"hydra.run.dir={tmp_path}"],
                              threads=1) is None
    with pytest.raises(SystemExit, match="other overrides"):
        cross_source.train(tmp_path, ["trainer.max_steps=4000", "data.roots=null"], threads=1)
