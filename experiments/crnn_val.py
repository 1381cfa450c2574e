"""Whole-plate checkpoints compared on their real-photo val share, the only place lpr chooses between runs.

    .venv/bin/python experiments/crnn_val.py CKPT [CKPT ...] [--threads 2]

Runs `python -m lpr.read subset=val locate=box` per region with each checkpoint (all must share one
real-photo split) and prints, per checkpoint, the exact reads of each
region's val plates and of all of them. Nothing here looks at the holdout.
"""
import argparse
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(REPO), str(REPO / "experiments")]

from plates_benchmark import REGIONS, run_read  # noqa: E402


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("ckpts", nargs="+")
    parser.add_argument("--data", default=str(REPO.parent / "shared" / "data" / "openalpr-endtoend"))
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    print("| checkpoint | " + " | ".join(REGIONS) + " | all |\n|---|" + "---|" * (len(REGIONS) + 1))
    with tempfile.TemporaryDirectory() as scratch:
        for index, ckpt in enumerate(args.ckpts):
            counts = []
            for region in REGIONS:
                metrics = run_read(ckpt, Path(args.data) / region, "box", "val", args.threads,
                                   Path(scratch) / f"{index}-{region}")
                counts.append((round(metrics["plate/acc"] * metrics["plate/n"]), metrics["plate/n"]))
            right, total = sum(c[0] for c in counts), sum(c[1] for c in counts)
            cells = [f"{r}/{n}" for r, n in counts] + [f"**{right}/{total}** ({100 * right / total:.1f} %)"]
            print(f"| `{ckpt}` | " + " | ".join(cells) + " |", flush=True)


if __name__ == "__main__":
    main()
