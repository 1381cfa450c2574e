"""Stop a training run mid-epoch, resume it from its run dir, and compare with an uninterrupted run.

    python experiments/kill_resume.py [--seed-chars DIR] [--epochs 15] [--kill-after 6] [--signal KILL|TERM|INT]

Both runs: seed_cnn_v1 on seed-chars, same seed. The stopped run gets the signal once `last.ckpt` holds epoch
`--kill-after` and a few batches of the next epoch have run: SIGKILL loses that epoch's batches (the run resumes
from the epoch's end), SIGTERM (a scheduler, `timeout`) and SIGINT (Ctrl-C) save them in last.ckpt first. It is
then resumed with `ckpt_path=<run dir>`. Prints and writes logs/bench/kill_resume/summary.json: how long the stop
took, its exit code, the steps kept, and both runs' val/acc_best.
"""
import argparse
import json
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import torch

from lpr.core.config import shared_data_dir

OUT = Path("logs/bench/kill_resume")


def train_command(run_dir: Path, args, *extra: str) -> list[str]:
    return [sys.executable, "-m", "lpr.train", "experiment=seed", f"data.root={args.seed_chars}", "model=seed_cnn_v1",
            f"trainer.max_epochs={args.epochs}", "callbacks.early_stopping=null", "callbacks.rich_progress_bar=null",
            "model.log_confusion=false", f"hydra.run.dir={run_dir}", *extra]


def last_epoch(run_dir: Path) -> int | None:
    path = run_dir / "checkpoints" / "last.ckpt"
    return torch.load(path, weights_only=False)["epoch"] if path.exists() else None


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed-chars", default=str(shared_data_dir() / "seed-chars"))
    parser.add_argument("--epochs", type=int, default=15)
    parser.add_argument("--kill-after", type=int, default=6)
    parser.add_argument("--signal", choices=["KILL", "TERM", "INT"], default="KILL")
    args = parser.parse_args()
    shutil.rmtree(OUT, ignore_errors=True)  # a stale last.ckpt would end the wait below at once

    subprocess.run(train_command(OUT / "uninterrupted", args), check=True, capture_output=True)
    killed_dir = OUT / "killed"
    process = subprocess.Popen(train_command(killed_dir, args), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    while (last_epoch(killed_dir) or -1) < args.kill_after:
        time.sleep(0.2)
    time.sleep(0.5)  # into the next epoch
    process.send_signal(getattr(signal, f"SIG{args.signal}"))
    signalled = time.perf_counter()
    exit_code = process.wait()
    stop_seconds = round(time.perf_counter() - signalled, 2)
    killed_at = last_epoch(killed_dir)
    kept_steps = torch.load(killed_dir / "checkpoints" / "last.ckpt", weights_only=False)["global_step"]
    leftovers = [str(p) for p in killed_dir.rglob("*.partial")]
    subprocess.run(train_command(killed_dir, args, f"ckpt_path={killed_dir}"), check=True, capture_output=True)

    uninterrupted = json.loads((OUT / "uninterrupted" / "metrics.json").read_text())
    resumed = json.loads((killed_dir / "metrics.json").read_text())
    summary = {"signal": args.signal, "exit_code": exit_code, "stop_seconds": stop_seconds, "steps_kept": kept_steps,
               "last_ckpt_epoch": killed_at, "partial_files_left": leftovers,
               "uninterrupted/val/acc_best": uninterrupted["val/acc_best"], "resumed/val/acc_best": resumed["val/acc_best"],
               "difference_points": round(100 * (resumed["val/acc_best"] - uninterrupted["val/acc_best"]), 2),
               "epochs": [uninterrupted["epochs"], resumed["epochs"]]}
    print(json.dumps(summary, indent=2))
    (OUT / "summary.json").write_text(json.dumps(summary, indent=2))


if __name__ == "__main__":
    main()
