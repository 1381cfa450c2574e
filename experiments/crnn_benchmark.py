"""Whole-plate reader beside the classic pipeline on the OpenALPR photos a checkpoint never trained on.

    .venv/bin/python experiments/crnn_benchmark.py --crnn CKPT [CKPT ...] [--classic CKPT] [--threads 2]

Several `--crnn` checkpoints are read as one ensemble (`lpr.read ckpt_path=[A,B]`: one vote per reading).

For each region and `locate=box` / `locate=auto`, runs `python -m lpr.read subset=holdout` (the held-out share
of the photo split, configs/split/default.yaml, which is also the CRNN's test share: check that the CRNN's training
split matches, see `holdout_matches`) with each checkpoint, and times the CRNN engine alone on the box crops (one
batch per region, and one crop per call). Adds the table, under a dated heading, at the end of
experiments/RESULTS.md's benchmark runs: earlier runs stay.
"""
import argparse
import platform
import statistics
import tempfile
import time
from pathlib import Path

import torch

from lpr.core.boxes import crop_box
from lpr.core.config import shared_data_dir
from lpr.core.images import read_image
from lpr.data.samples import load_plate_samples
from lpr.data.split import PhotoSplit
from lpr.reading.engines.ctc import CtcEngine
from lpr.reading.engines.load import load_engine
from lpr.models.checkpoint import checkpoint_kind, load_checkpoint

from plates_benchmark import REGIONS, read_defaults, region_formats, run_read
from results_md import RUNS_HEADING, write_results_section

REPO = Path(__file__).resolve().parents[1]


def holdout_matches(ckpt: str, split: PhotoSplit, data_root: Path) -> None:
    """Refuse a CRNN whose training photos are not exactly the complement of the benchmark's holdout."""
    data = load_checkpoint(ckpt).get("datamodule_hyper_parameters", {})
    if not data.get("roots"):
        return  # trained on generated plates only: every photo is unseen
    trained_with = PhotoSplit.from_percent(data["split_percent"], data["split_salt"])
    for region in REGIONS:
        for sample in load_plate_samples(data_root / region)[0]:
            if trained_with.held_out(sample.name) != split.held_out(sample.name):
                raise SystemExit(f"{ckpt}: its real-photo split differs from the benchmark holdout ({sample.name})")


def engine_speed(engines: list[CtcEngine], folder: Path, split: PhotoSplit, crop_margin) -> tuple[float, float, float]:
    """Plates/s of the CRNN engines alone (an ensemble's members one after the other) on the holdout box crops: all
    in one call (wall clock, and per second of this process's CPU time, which a machine shared with other jobs
    does not distort), and one crop per call (wall clock)."""
    samples = [s for s in load_plate_samples(folder)[0] if split.held_out(s.name)]
    crops = [crop_box(read_image(s.image_path, color=True), s.box, crop_margin)[0] for s in samples]

    def read(plate_crops):
        for engine in engines:
            engine.read_crops(plate_crops)

    read(crops)  # warm-up
    wall, cpu = [], []
    for _ in range(5):
        started, started_cpu = time.perf_counter(), time.process_time()
        read(crops)
        wall.append(len(crops) / (time.perf_counter() - started))
        cpu.append(len(crops) / (time.process_time() - started_cpu))
    started = time.perf_counter()
    for crop in crops:
        read([crop])
    return statistics.median(wall), statistics.median(cpu), len(crops) / (time.perf_counter() - started)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--crnn", required=True, nargs="+",
                        help="checkpoint of experiment=crnn_plates; several: read as one ensemble")
    parser.add_argument("--classic", help="character classifier checkpoint for the classic rows")
    parser.add_argument("--data", default=str(shared_data_dir() / "openalpr-endtoend"))
    parser.add_argument("--modes", default="box,auto")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--results", default=str(REPO / "experiments" / "RESULTS.md"))
    args = parser.parse_args()
    split, crop_margin = read_defaults()
    for ckpt in args.crnn:
        holdout_matches(ckpt, split, Path(args.data))
    torch.set_num_threads(args.threads)
    for ckpt in args.crnn:
        if checkpoint_kind(ckpt) != "crnn":
            raise SystemExit(f"{ckpt}: --crnn takes whole-plate (crnn) checkpoints")
    engines = [load_engine(ckpt) for ckpt in args.crnn]
    crnn = args.crnn[0] if len(args.crnn) == 1 else f"[{','.join(args.crnn)}]"  # lpr.read's ckpt_path
    crnn_name = "CRNN (whole plate)" if len(args.crnn) == 1 else f"CRNN ensemble of {len(args.crnn)}"
    readers = [(crnn_name, crnn)] + ([("classic (segment + CNN)", args.classic)] if args.classic else [])

    rows = []
    with tempfile.TemporaryDirectory() as scratch:
        for region in REGIONS:
            folder = Path(args.data) / region
            speed = engine_speed(engines, folder, split, crop_margin)
            for formats, label in region_formats(region):
                for name, ckpt in readers:
                    for mode in args.modes.split(","):
                        metrics = run_read(ckpt, folder, mode, "holdout", args.threads,
                                           Path(scratch) / f"{region}-{mode}-{len(rows)}", formats)
                        rows.append((label, name, mode, metrics, speed if name.startswith("CRNN") else None))
                        print(label, name, mode, metrics.get("plate/acc"), metrics.get("plate/cer"), flush=True)

    lines = [f"### {time.strftime('%Y-%m-%d %H:%M')} `experiments/crnn_benchmark.py`: {crnn_name}", "",
             f"Command: `.venv/bin/python experiments/crnn_benchmark.py --crnn {' '.join(args.crnn)}"
             + (f" --classic {args.classic}" if args.classic else "") + f" --threads {args.threads}`  ",
             f"Machine: {platform.machine()} CPU, {args.threads} threads, no GPU.  ",
             "Photos: the `holdout` subset of openalpr-endtoend (configs/split/default.yaml), which the "
             "CRNN never trained or validated on (its real-photo train + val shares are the other photos).", "",
             "| region | reader | locate | n | exact | exact, O = 0 | CER | length acc | lpr.read plates/s | "
             "engine plates/s: batch / batch per CPU-s / one at a time |",
             "|---|---|---|---|---|---|---|---|---|---|"]
    for region, name, mode, m, speed in rows:
        engine_column = " / ".join(f"{value:.0f}" for value in speed) if speed else "-"
        lines.append(f"| {region} | {name} | {mode} | {m['plate/n']} | {100 * m['plate/acc']:.1f} % | "
                     f"{100 * m['plate/acc_o0']:.1f} % | {m['plate/cer']:.3f} | {100 * m['plate/len_acc']:.1f} % | "
                     f"{m['plates_per_s']:.0f} | {engine_column} |")
    write_results_section(Path(args.results), RUNS_HEADING, "\n".join(lines), append=True)
    print("\n".join(lines))


if __name__ == "__main__":
    main()
