"""The `lpr` command: every job is a verb, and a verb's overrides reach its Hydra config as `python -m` gives them."""
import importlib
import subprocess
import sys
from pathlib import Path

from lpr.cli.verbs import VERBS

LPR = str(Path(sys.executable).parent / "lpr")  # the console script pyproject.toml declares


def lpr(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([LPR, *args], capture_output=True, text=True, timeout=300)


def test_help_lists_every_verb_and_each_is_a_command():
    listed = lpr("--help")
    assert listed.returncode == 0
    for verb in VERBS:
        assert f"  {verb} " in listed.stdout
        assert callable(importlib.import_module(f"lpr.cli.{verb}").main)


def test_a_verbs_help_leads_with_its_forms_then_its_config():
    helped = lpr("read", "--help")
    assert helped.returncode == 0 and helped.stdout.startswith("Read plates: `lpr read PHOTO_OR_FOLDER`")
    assert "== Config ==" in helped.stdout and "ckpt_path" in helped.stdout


def test_an_unknown_verb_is_one_line_and_exit_2():
    finished = lpr("fly")
    assert finished.returncode == 2 and finished.stderr.strip() == \
        f"error: lpr fly: no such verb; one of {', '.join(VERBS)}"


def test_overrides_reach_the_verbs_config(tmp_path):
    shown = lpr("read", "ckpt_path=model.ckpt", f"input={tmp_path}", "locate=box", "--cfg", "job")
    assert shown.returncode == 0, shown.stderr[-2000:]
    assert "ckpt_path: model.ckpt" in shown.stdout and "mode: box" in shown.stdout
    empty = lpr("compare", str(tmp_path))
    assert empty.returncode == 2 and "no training runs" in empty.stderr
