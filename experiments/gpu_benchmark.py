"""trainer=gpu (bf16 mixed precision) beside trainer=cpu on one machine: both engines, real CLI, in-repo data only.

    python experiments/gpu_benchmark.py [--out logs/bench/gpu] [--crnn-steps 1200] [--cpu-crnn-steps 150]

Trains the baseline (generated characters) on each device, then the whole-plate CRNN on generated plates
(`experiment=crnn_plates data.roots=null`: nothing outside the repo) for a fixed step budget on each; the CPU
gets fewer CRNN steps, its speed is what is compared. Every run uses the same data loader workers. Prints a
table and writes OUT/summary.json; each run keeps its own run dir (metrics.json, TensorBoard) under OUT.
"""
import argparse
import json
import sys
from pathlib import Path

import torch
from omegaconf import OmegaConf

from spine_benchmark import run


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("logs/bench/gpu"))
    parser.add_argument("--workers", type=int, default=6, help="data.num_workers of every run")
    parser.add_argument("--crnn-train-plates", type=int, default=5000)
    parser.add_argument("--crnn-steps", type=int, default=1200)
    parser.add_argument("--cpu-crnn-steps", type=int, default=150)
    args = parser.parse_args()
    if not torch.cuda.is_available():
        sys.exit("gpu_benchmark: no CUDA device here")
    crnn = ["experiment=crnn_plates", "data.roots=null",
            f"data.synth.count={{train: {args.crnn_train_plates}, val: 500, test: 500}}"]
    plan = {  # name: (trainer config, overrides, training steps or None for the baseline's epochs)
        "baseline_gpu": ("gpu", ["experiment=baseline"], None),
        "baseline_cpu": ("cpu", ["experiment=baseline"], None),
        "crnn_gpu": ("gpu", crnn + [f"trainer.max_steps={args.crnn_steps}"], args.crnn_steps),
        "crnn_cpu": ("cpu", crnn + [f"trainer.max_steps={args.cpu_crnn_steps}"], args.cpu_crnn_steps),
    }
    rows = {}
    for name, (device, overrides, steps) in plan.items():
        metrics = run(args.out / name, "lpr.train", *overrides, f"trainer={device}",
                      f"data.num_workers={args.workers}")
        metrics["device"] = torch.cuda.get_device_name() if device == "gpu" else f"cpu, {torch.get_num_threads()} threads"
        metrics["precision"] = OmegaConf.load(args.out / name / ".hydra" / "config.yaml").trainer.get("precision", "32")
        if steps:
            metrics["steps_per_s"] = round(steps / metrics["train_time_s"], 2)
        rows[name] = metrics
    print("\n| run | device | precision | val best | epochs | train_time_s | steps/s |\n|---|---|---|---|---|---|---|")
    for name, m in rows.items():
        best = m.get("val/acc_best", m.get("val/plate_acc_best"))
        print(f"| {name} | {m['device']} | {m['precision']} | {best:.4f} | {m['epochs']} | {m['train_time_s']} | "
              f"{m.get('steps_per_s', '')} |")
    (args.out / "summary.json").write_text(json.dumps(rows, indent=2))


if __name__ == "__main__":
    main()
