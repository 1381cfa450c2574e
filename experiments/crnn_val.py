"""Plate checkpoints compared on their real-photo val share, the only place lpr chooses between runs.

Whole-plate checkpoints and `experiment=plates` ones alike: both keep the photo split they trained with.

    .venv/bin/python experiments/crnn_val.py CKPT [CKPT ...] [--threads 2] [--run-dir logs/crnn_val]

An argument "[CKPT_A,CKPT_B]" is one ensemble reader (lpr.read ckpt_path=[...]).

Runs `python -m lpr.read subset=val locate=box` per region with each checkpoint (all must share one real-photo
split), prints per checkpoint the val plates read exactly in each region and in all, and writes the same figures
to RUN_DIR/metrics.json as flat keys (`<ckpt>:val/<region>/plate_acc`, `<ckpt>:val/plate_acc`, `..._n`).
Nothing here looks at the holdout.
"""
import argparse
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(REPO), str(REPO / "experiments")]

from plates_benchmark import REGIONS, run_read  # noqa: E402

from lpr.config import shared_data_dir  # noqa: E402
from lpr.run_files import write_metrics  # noqa: E402


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("ckpts", nargs="+")
    parser.add_argument("--data", default=str(shared_data_dir() / "openalpr-endtoend"))
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--run-dir", default=str(REPO / "logs" / "crnn_val"))
    args = parser.parse_args()
    figures = {}
    print("| checkpoint | " + " | ".join(REGIONS) + " | all |\n|---|" + "---|" * (len(REGIONS) + 1))
    with tempfile.TemporaryDirectory() as scratch:
        for index, ckpt in enumerate(args.ckpts):
            counts = {}
            for region in REGIONS:
                metrics = run_read(ckpt, Path(args.data) / region, "box", "val", args.threads,
                                   Path(scratch) / f"{index}-{region}")
                counts[region] = (round(metrics["plate/acc"] * metrics["plate/n"]), metrics["plate/n"])
            counts["all"] = tuple(sum(count[i] for count in counts.values()) for i in (0, 1))
            for where, (right, total) in counts.items():
                key = f"{ckpt}:val/plate_acc" if where == "all" else f"{ckpt}:val/{where}/plate_acc"
                figures[key], figures[f"{key}_n"] = right / total, total
            cells = [f"{right}/{total}" for right, total in counts.values()]
            cells[-1] = f"**{cells[-1]}** ({100 * figures[f'{ckpt}:val/plate_acc']:.1f} %)"
            print(f"| `{ckpt}` | " + " | ".join(cells) + " |", flush=True)
    Path(args.run_dir).mkdir(parents=True, exist_ok=True)
    print(f"Figures: {write_metrics(args.run_dir, figures)}", file=sys.stderr)


if __name__ == "__main__":
    main()
