"""Where a seed CNN training step spends its time on CPU, layer by layer, with and without channels_last.

    python experiments/profile_seed_cnn.py [--model seed_cnn] [--batch 32] [--steps 10]

Times forward+backward of each layer with torch.profiler over real-size batches and prints the share of
each; the figures explain the epoch time of `experiment=seed` (864 images at batch 32).
"""
import argparse

import torch
from hydra import compose, initialize_config_dir
from hydra.utils import instantiate
from pathlib import Path
from torch.profiler import ProfilerActivity, profile

CONFIGS = Path(__file__).resolve().parents[1] / "configs"


def step_time(module, batch: int, steps: int) -> tuple[float, object]:
    images, labels = torch.rand(batch, 1, 28, 28), torch.randint(0, 36, (batch,))
    optimizer = torch.optim.Adam(module.parameters())
    for _ in range(2):  # warm-up: oneDNN picks its kernels
        torch.nn.functional.cross_entropy(module(images), labels).backward()
    with profile(activities=[ProfilerActivity.CPU]) as prof:
        for _ in range(steps):
            optimizer.zero_grad()
            torch.nn.functional.cross_entropy(module(images), labels).backward()
            optimizer.step()
    total_ms = sum(e.self_cpu_time_total for e in prof.key_averages()) / 1000 / steps
    return total_ms, prof


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="seed_cnn")
    parser.add_argument("--batch", type=int, default=32)
    parser.add_argument("--steps", type=int, default=10)
    args = parser.parse_args()
    with initialize_config_dir(config_dir=str(CONFIGS), version_base="1.3"):
        cfg = compose("train", overrides=[f"model={args.model}", "data=chars", "data.root=unused"])
    for channels_last in (False, True):
        cfg.model.channels_last = channels_last
        module = instantiate(cfg.model)
        ms, prof = step_time(module, args.batch, args.steps)
        print(f"\n{args.model} channels_last={channels_last}: {ms:.1f} ms per training step of {args.batch} "
              f"-> {ms * 864 / args.batch / 1000:.1f} s per 864-image epoch (compute only)")
        print(prof.key_averages().table(sort_by="self_cpu_time_total", row_limit=8))


if __name__ == "__main__":
    main()
