"""Nothing lost: runs resume from last.ckpt with their state, and a seed makes them repeatable."""
import json
import os
import re
import signal
import subprocess
import sys
import time

import pytest
import torch

from lpr.core.errors import LprError
from lpr.models.seed_cnn import SeedCNN
from lpr.training.checkpoint import load_trained
from tests.conftest import REPO, compose_config, run_in_process


@pytest.fixture
def run(tiny_train):
    from lpr.cli.train import train

    return lambda run_dir, *overrides: train(compose_config("train", [*tiny_train, *overrides], run_dir))


def test_same_seed_same_metrics(synth_run, run, tmp_path):
    again = run(tmp_path)
    first = json.loads((synth_run / "metrics.json").read_text())
    for key in ("train/loss", "val/loss", "val/acc_best", "test/acc"):
        assert float(again[key]) == first[key], key


def test_resume_continues_from_last_checkpoint_with_its_best_score(synth_run, run, tmp_path):
    last = torch.load(synth_run / "checkpoints" / "last.ckpt", weights_only=False)
    assert last["epoch"] == 1
    assert last["state_dict"]["val_acc_best.max_value"] > 0  # the best score travels with the checkpoint
    resumed = run(tmp_path / "resumed", "trainer.max_epochs=3", f"ckpt_path={synth_run}")
    assert resumed["epochs"] == 3
    assert float(resumed["val/acc_best"]) >= float(last["state_dict"]["val_acc_best.max_value"])
    assert torch.load(tmp_path / "resumed" / "checkpoints" / "last.ckpt", weights_only=False)["epoch"] == 2
    assert not list(tmp_path.rglob("*.partial"))  # atomic writes leave no temporary files behind
    # random generators travel with the checkpoint: resuming changes nothing against an uninterrupted run
    straight = run(tmp_path / "straight", "trainer.max_epochs=3")
    for key in ("train/loss", "val/loss", "val/acc_best"):
        assert float(resumed[key]) == float(straight[key]), key


def test_resuming_a_finished_run_says_so_and_changes_nothing(tiny_train, synth_run, tmp_path):
    import shutil

    run_dir = shutil.copytree(synth_run, tmp_path / "finished")
    kept = {path: path.read_bytes() for path in (run_dir / "metrics.json", run_dir / "checkpoints" / "last.ckpt",
                                                 run_dir / "checkpoints" / "best.ckpt")}
    done = run_in_process("lpr.train", *tiny_train, f"ckpt_path={run_dir}", f"hydra.run.dir={run_dir}")
    assert done.returncode == 0 and "the run finished at step" in done.stderr, done.stderr[-2000:]
    assert all(path.read_bytes() == content for path, content in kept.items())


def test_a_run_folder_another_training_writes_to_is_refused(tiny_train, tmp_path):
    from lpr.cli.run_files import run_folder_held

    with run_folder_held(tmp_path):  # as a first training holds it while it runs
        done = run_in_process("lpr.train", *tiny_train, f"hydra.run.dir={tmp_path}")
        assert done.returncode == 2 and f"error: {tmp_path}: another training is writing to this run folder" in \
            done.stderr, done.stderr[-2000:]
    assert not (tmp_path / "checkpoints").exists() and not (tmp_path / "metrics.json").exists()


def test_resume_path_must_exist(run, tmp_path):
    with pytest.raises(LprError, match="checkpoint to resume from not found"):
        run(tmp_path, f"ckpt_path={tmp_path / 'nowhere'}")


def test_last_checkpoint_is_the_latest_epoch_when_best_stops_improving(run, tmp_path):
    # a monitor that never improves after epoch 0: acc_best cannot fall, and mode=min needs it to
    run(tmp_path, "callbacks.model_checkpoint.monitor=val/acc_best", "callbacks.model_checkpoint.mode=min")
    checkpoints = tmp_path / "checkpoints"
    assert torch.load(checkpoints / "best.ckpt", weights_only=False)["epoch"] == 0
    assert torch.load(checkpoints / "last.ckpt", weights_only=False)["epoch"] == 1


def test_checkpoint_from_another_model_config_is_refused(synth_ckpt, tmp_path):
    checkpoint = torch.load(synth_ckpt, weights_only=False)
    assert load_trained(synth_ckpt, kind="classifier").input_size == 28
    checkpoint["hyper_parameters"]["net"] = SeedCNN([8], [3])  # the weights are of another net
    mismatched = tmp_path / "mismatched.ckpt"
    torch.save(checkpoint, mismatched)
    with pytest.raises(LprError, match="mismatched.ckpt: weights do not fit"):
        load_trained(mismatched, kind="classifier")
    checkpoint["hyper_parameters"]["engine"] = "crnn"
    torch.save(checkpoint, tmp_path / "plate.ckpt")
    with pytest.raises(LprError, match="plate.ckpt: a whole-plate \\(crnn\\) recognizer checkpoint, not a character"):
        load_trained(tmp_path / "plate.ckpt", kind="classifier")
    del checkpoint["state_dict"]
    del checkpoint["hyper_parameters"]["engine"]
    torch.save(checkpoint, tmp_path / "empty.ckpt")
    with pytest.raises(LprError, match="empty.ckpt: holds no weights"):
        load_trained(tmp_path / "empty.ckpt")


def test_init_from_fine_tunes_a_trained_model_and_refuses_other_weights(synth_ckpt, small_crnn_ckpt, run, tmp_path):
    fresh = run(tmp_path / "fresh", "trainer.max_epochs=1")
    tuned = run(tmp_path / "tuned", "trainer.max_epochs=1", f"init_from={synth_ckpt}")
    assert tuned["epochs"] == 1  # a new run: epochs count from zero
    assert float(tuned["train/loss"]) < 0.8 * float(fresh["train/loss"])  # it starts from the trained weights
    with pytest.raises(LprError, match="crnn.ckpt: weights do not fit the model"):
        run(tmp_path / "other", f"init_from={small_crnn_ckpt}")
    with pytest.raises(LprError, match="nowhere.ckpt: checkpoint to start from not found"):
        run(tmp_path / "missing", f"init_from={tmp_path / 'nowhere.ckpt'}")


@pytest.mark.slow
def test_sigterm_saves_a_checkpoint_and_the_run_resumes_in_its_folder(tiny_train, synth_run, tmp_path):
    """What a scheduler or `timeout` does: SIGTERM mid-training. The run stops within seconds with its last.ckpt;
    `ckpt_path=<run dir>` alone resumes it in the same folder and ends where the uninterrupted run (synth_run, the
    same training without progress lines) ends."""
    progress = ("callbacks.rich_progress_bar", "+trainer.enable_progress_bar")  # tiny_train's are off: on here
    logged = [*(o for o in tiny_train if not o.startswith(progress)), "callbacks.rich_progress_bar.every_n_steps=5"]
    run_dir = tmp_path / "run"
    process = subprocess.Popen([sys.executable, "-m", "lpr.train", *logged, f"hydra.run.dir={run_dir}"], cwd=REPO,
                               env={**os.environ, "NO_ALBUMENTATIONS_UPDATE": "1"}, stderr=subprocess.PIPE, text=True)
    lines = []
    for line in process.stderr:  # progress lines, as a job without a terminal logs them
        lines.append(line)
        if "epoch 1 step" in line:
            break
    signalled = time.perf_counter()
    process.send_signal(signal.SIGTERM)
    lines += process.stderr.readlines()
    assert process.wait(timeout=60) == 143, "".join(lines[-20:])
    assert time.perf_counter() - signalled < 10
    assert any(line.startswith("stopped by SIGTERM in epoch 1:") and f"ckpt_path={run_dir}" in line
               for line in lines), "".join(lines[-20:])
    assert "Traceback" not in "".join(lines) and not (run_dir / "metrics.json").exists()
    # a job without a terminal logs plain progress lines: every 5 steps against one budget, each validation's figures
    steps = re.findall(r"epoch (\d) step (\d+)/(\d+) \([\d.]+ steps/s, \d+m\d\ds left\)", "".join(lines))
    assert [int(step) for _, step, _ in steps][:2] == [5, 10] and len({budget for *_, budget in steps}) == 1
    assert re.search(r"epoch 0 validated: .*val/acc=", "".join(lines))
    stopped_at = torch.load(run_dir / "checkpoints" / "last.ckpt", weights_only=False)["global_step"]

    resumed = run_in_process("lpr.train", f"ckpt_path={run_dir}")
    assert resumed.returncode == 0, resumed.stderr[-2000:]
    metrics = json.loads((run_dir / "metrics.json").read_text())
    uninterrupted = json.loads((synth_run / "metrics.json").read_text())
    steps = [torch.load(d / "checkpoints" / "last.ckpt", weights_only=False)["global_step"] for d in (run_dir, synth_run)]
    assert 0 < stopped_at < steps[0] == steps[1]
    assert metrics["epochs"] == uninterrupted["epochs"] == 2 and metrics["best_ckpt"].startswith(str(run_dir))
    assert len(list((run_dir / "tensorboard").glob("events.out.tfevents.*"))) >= 2  # one TensorBoard, continued
