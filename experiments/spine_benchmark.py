"""Benchmark of the spine (issue 3): the seed recipe on seed-chars, the baseline on generated characters,
and the baseline's zero-shot accuracy on seed-chars.

    python experiments/spine_benchmark.py [--seed-chars DIR] [--skip-seed]

Runs the real CLIs, one run dir each under logs/bench/spine/, then prints a table and writes it to
logs/bench/spine/summary.json.
"""
import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

from lpr.core.config import shared_data_dir

OUT = Path("logs/bench/spine")


def run(run_dir: Path, module: str, *overrides: str) -> dict:
    """`python -m MODULE OVERRIDES` with its run dir at `run_dir`; its metrics.json plus the command's wall time."""
    started = time.perf_counter()
    subprocess.run([sys.executable, "-m", module, *overrides, f"hydra.run.dir={run_dir}",
                    "callbacks.rich_progress_bar=null" if module == "lpr.train" else "logger=[]"], check=True)
    metrics = json.loads((run_dir / "metrics.json").read_text())
    metrics["wall_s"] = round(time.perf_counter() - started, 1)
    return metrics


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed-chars", default=str(shared_data_dir() / "seed-chars"))
    parser.add_argument("--skip-seed", action="store_true", help="only the baseline and its zero-shot eval")
    args = parser.parse_args()
    rows = {}
    if not args.skip_seed:
        rows["seed"] = run(OUT / "seed", "lpr.train", "experiment=seed", f"data.root={args.seed_chars}")
    rows["baseline"] = run(OUT / "baseline", "lpr.train", "experiment=baseline")
    rows["baseline_zero_shot"] = run(OUT / "baseline_zero_shot", "lpr.eval",
                                     f"ckpt_path={OUT / 'baseline' / 'checkpoints' / 'best.ckpt'}",
                                     f"data.root={args.seed_chars}")
    print("\n| run | val/acc_best | test/acc | epochs | train_time_s | wall_s |\n|---|---|---|---|---|---|")
    for name, m in rows.items():
        cells = [m.get("val/acc_best"), m.get("test/acc"), m.get("epochs"), m.get("train_time_s"), m["wall_s"]]
        print(f"| {name} | " + " | ".join("" if c is None else f"{c:.4f}" if isinstance(c, float) else str(c)
                                         for c in cells) + " |")
    (OUT / "summary.json").write_text(json.dumps(rows, indent=2))


if __name__ == "__main__":
    main()
