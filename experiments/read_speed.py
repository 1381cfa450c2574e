"""Steady-state speed of `lpr.read`: its reading loop repeated in one process, per region of the OpenALPR photos.

    .venv/bin/python experiments/read_speed.py CKPT [--repeats 5] [--subset holdout] [OVERRIDE ...]

`lpr.read` times its reading loop once, in a fresh process, so its `plates_per_s` on a few dozen photos also holds
the process's one-off set-up (first calls into OpenCV, NumPy and torch). Here `lpr.cli.read.read` runs `--repeats`
times per region in one process (photos decoded each time, as a read does) and the median `plates_per_s` is the
figure; the first run of the process is reported apart. OVERRIDEs are Hydra overrides of configs/read.yaml (default
`locate=box threads=2`). Prints a table and writes RUN_DIR/metrics.json (`<region>/plates_per_s`, `..._min`,
`..._max`, `first_run/plates_per_s`).
"""
import argparse
import contextlib
import io
import os
import platform
import statistics
import tempfile
from pathlib import Path

from hydra import compose, initialize_config_dir
from omegaconf import open_dict

from lpr.cli.read import read
from lpr.cli.run_files import write_metrics
from lpr.core.config import shared_data_dir

REPO = Path(__file__).resolve().parents[1]
REGIONS = ("us", "eu", "br")


def quiet_read(cfg) -> dict:
    """One lpr.read run into a scratch run dir, its printed lines swallowed."""
    with open_dict(cfg):
        cfg.paths.output_dir = tempfile.mkdtemp()
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        return read(cfg)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("ckpt")
    parser.add_argument("overrides", nargs="*")
    parser.add_argument("--data", default=str(shared_data_dir() / "openalpr-endtoend"))
    parser.add_argument("--subset", default="holdout")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--run-dir", default=str(REPO / "logs" / "read_speed"))
    args = parser.parse_args()
    figures, first_run = {}, None
    print(f"Machine: {platform.machine()}, {len(os.sched_getaffinity(0))} CPU cores\n")
    print("| region | n | plates/s (median) | min | max | exact |\n|---|---|---|---|---|---|")
    with initialize_config_dir(config_dir=str(REPO / "configs"), version_base="1.3"):
        for region in REGIONS:
            cfg = compose("read", overrides=[f"ckpt_path={args.ckpt}", f"input={Path(args.data) / region}",
                                             f"subset={args.subset}", "locate=box", "threads=2", *args.overrides])
            runs = [quiet_read(cfg) for _ in range(args.repeats + (first_run is None))]
            if first_run is None:  # the process's first read carries its one-off set-up
                first_run, runs = runs[0]["plates_per_s"], runs[1:]
            rates = [run["plates_per_s"] for run in runs]
            figures.update({f"{region}/plates_per_s": statistics.median(rates), f"{region}/plates_per_s_min": min(rates),
                            f"{region}/plates_per_s_max": max(rates), f"{region}/plate_acc": runs[0]["plate/acc"],
                            f"{region}/n": runs[0]["plate/n"]})
            print(f"| {region} | {runs[0]['plate/n']} | {statistics.median(rates):.0f} | {min(rates):.0f} | "
                  f"{max(rates):.0f} | {100 * runs[0]['plate/acc']:.1f} % |")
    figures["first_run/plates_per_s"] = first_run
    Path(args.run_dir).mkdir(parents=True, exist_ok=True)
    print(f"\nFirst read of the process ({REGIONS[0]}): {first_run:.0f} plates/s")
    write_metrics(Path(args.run_dir), {**figures, "ckpt_path": args.ckpt, "overrides": args.overrides,
                                       "repeats": args.repeats, "subset": args.subset})
    print(f"Figures: {Path(args.run_dir) / 'metrics.json'}")


if __name__ == "__main__":
    main()
