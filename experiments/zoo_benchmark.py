"""Architecture benchmark (issue 5): every char net trained on generated characters, tested zero-shot on the
real seed-chars, timed, and compared; then the fast nets trained on seed-chars against a 60 s budget.

    nice -n 10 .venv/bin/python experiments/zoo_benchmark.py [--models seed_cnn,small_cnn] [--out logs/zoo]

Runs the real CLIs, one run dir per model: `lpr.train experiment=zoo_synth model=M` into OUT/synth/M, `lpr.eval`
of its best checkpoint into OUT/synth/M/eval/seed-chars/, inference speed into OUT/synth/M/eval/speed/,
`lpr.train experiment=zoo_seed model=M` into OUT/seed-chars/M, and `lpr.compare` over OUT/synth and
OUT/seed-chars (compare.md / .csv / .png there). Steps whose results exist are skipped, so an interrupted
benchmark continues where it stopped when given the same --out.
"""
import argparse
import subprocess
import sys
import time
from pathlib import Path

import torch

from lpr.cli.compare import compare
from lpr.cli.run_files import write_metrics
from lpr.core.config import shared_data_dir
from lpr.training.checkpoint import load_trained


def lpr_cli(module: str, *overrides: str):
    subprocess.run([sys.executable, "-m", module, *overrides], check=True)


def train(run_dir: Path, *overrides: str):
    """One training run into `run_dir`, unless an earlier benchmark already finished it."""
    if not (run_dir / "metrics.json").is_file():
        lpr_cli("lpr.train", *overrides, f"hydra.run.dir={run_dir}")


def chars_per_second(ckpt_path: Path, batch_size: int, repeats: int) -> float:
    """Inference throughput of the net alone (batches of random input, after one warm-up batch)."""
    model = load_trained(ckpt_path, kind="classifier")
    batch = torch.rand(batch_size, 1, model.input_size, model.input_size)
    with torch.inference_mode():
        model(batch)
        started = time.perf_counter()
        for _ in range(repeats):
            model(batch)
    return batch_size * repeats / (time.perf_counter() - started)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", default="seed_cnn,seed_cnn_v1,small_cnn,resnet")
    parser.add_argument("--seed-models", default="small_cnn,resnet", help="trained on seed-chars with 60 s budget")
    parser.add_argument("--seed-chars", type=Path, default=shared_data_dir() / "seed-chars")
    parser.add_argument("--out", type=Path, default=Path("logs/zoo") / time.strftime("%Y-%m-%d_%H-%M-%S"))
    parser.add_argument("--speed-batch", type=int, default=256)
    parser.add_argument("--speed-repeats", type=int, default=10)
    args = parser.parse_args()

    for model in args.models.split(","):
        run_dir = args.out / "synth" / model
        train(run_dir, "experiment=zoo_synth", f"model={model}")
        best = run_dir / "checkpoints" / "best.ckpt"
        zero_shot_dir = run_dir / "eval" / args.seed_chars.name
        if not (zero_shot_dir / "metrics.json").is_file():
            lpr_cli("lpr.eval", f"ckpt_path={best}", f"data.root={args.seed_chars}", f"hydra.run.dir={zero_shot_dir}")
        speed_dir = run_dir / "eval" / "speed"
        speed_dir.mkdir(parents=True, exist_ok=True)
        write_metrics(speed_dir, {"chars_per_s": round(chars_per_second(best, args.speed_batch, args.speed_repeats)),
                                  "threads": torch.get_num_threads()})
    compare([args.out / "synth"])

    for model in filter(None, args.seed_models.split(",")):
        train(args.out / "seed-chars" / model, "experiment=zoo_seed", f"model={model}", f"data.root={args.seed_chars}")
    if args.seed_models:
        compare([args.out / "seed-chars"])


if __name__ == "__main__":
    main()
