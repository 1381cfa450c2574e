"""How fast `from lpr import Reader` is, as a user calls it: cold start, first read, and photos/s, per backend.

    .venv/bin/python experiments/reader_api_speed.py [--reader-ckpt CKPT --detector-ckpt CKPT] [--threads 2]
        [--repeats 3] [--starts 4] [--out logs/bench/reader_api_speed] [--results experiments/RESULTS.md | --no-results]

onnx: `Reader()`, the shipped models on onnxruntime. torch: `Reader(reader=CKPT, detector=CKPT)`, checkpoints of
the same recipes (`experiment=reader_clean`, `experiment=detector_clean`), when given. Cold start: a fresh Python
process timing `from lpr import Reader`, `Reader(...)` and the first `read` of one photo (the median of `--starts`
processes). photos/s: one Reader reading each region's held-out OpenALPR photos (paths, decoded on each read, as a
user's files are) as one list, `--repeats` times; the median. Prints a table, writes OUT/metrics.json and appends to
experiments/RESULTS.md's benchmark runs.
"""
import argparse
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

from lpr.cli.run_files import write_metrics
from lpr.core.config import shared_data_dir
from lpr.data.samples import load_plate_samples
from lpr.data.split import PhotoSplit

from plates_benchmark import REGIONS, read_defaults
from results_md import append_run, output_arguments

COLD_START = """
import json, sys, time
start = time.perf_counter()
from lpr import Reader
imported = time.perf_counter()
reader = Reader(**json.loads(sys.argv[1]))
loaded = time.perf_counter()
reader.read(sys.argv[2])
read = time.perf_counter()
print(json.dumps({"import_s": imported - start, "load_s": loaded - imported, "first_read_s": read - loaded}))
"""


def cold_start(models: dict, photo: Path, starts: int) -> dict:
    """Median seconds, over `starts` fresh processes, to import lpr, build the Reader and read one photo."""
    runs = [json.loads(subprocess.run([sys.executable, "-c", COLD_START, json.dumps(models), str(photo)], check=True,
                                      capture_output=True, text=True).stdout) for _ in range(starts)]
    times = {key: statistics.median(run[key] for run in runs) for key in runs[0]}
    return {**times, "total_s": sum(times.values())}


def photos_per_s(models: dict, photos: list[Path], repeats: int) -> float:
    """Median photos/s of one Reader reading `photos` as one list."""
    from lpr import Reader

    reader, rates = Reader(**models), []
    for _ in range(repeats):
        start = time.perf_counter()
        reader.read(photos)
        rates.append(len(photos) / (time.perf_counter() - start))
    return statistics.median(rates)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reader-ckpt", type=Path, help="a plate reader checkpoint: the torch rows")
    parser.add_argument("--detector-ckpt", type=Path, help="a plate detector checkpoint: the torch rows")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--starts", type=int, default=4)
    output_arguments(parser, "reader_api_speed")
    args = parser.parse_args()
    if (args.reader_ckpt is None) != (args.detector_ckpt is None):
        parser.error("give both --reader-ckpt and --detector-ckpt, or neither")

    backends = {"onnx": {"threads": args.threads}}
    if args.reader_ckpt:
        backends["torch"] = {"reader": str(args.reader_ckpt), "detector": str(args.detector_ckpt),
                             "threads": args.threads}
    split: PhotoSplit = read_defaults()[0]
    held_out = {region: [s.image_path for s in load_plate_samples(shared_data_dir() / "openalpr-endtoend" / region)[0]
                         if split.held_out(s.name)] for region in REGIONS}
    metrics, lines = {}, ["| backend | import s | Reader() s | first read s | " +
                          " | ".join(f"{region} photos/s" for region in REGIONS) + " |",
                          "|---|---|---|---|" + "---|" * len(REGIONS)]
    for backend, models in backends.items():
        start = cold_start(models, held_out[REGIONS[0]][0], args.starts)
        rates = {region: photos_per_s(models, photos, args.repeats) for region, photos in held_out.items()}
        metrics.update({f"{backend}/{key}": value for key, value in start.items()})
        metrics.update({f"{backend}/{region}/photos_per_s": rate for region, rate in rates.items()})
        lines.append(f"| {backend} | {start['import_s']:.2f} | {start['load_s']:.2f} | {start['first_read_s']:.2f} | "
                     + " | ".join(f"{rates[region]:.1f}" for region in REGIONS) + " |")
    table = "\n".join(lines)
    print(table)
    args.out.mkdir(parents=True, exist_ok=True)
    write_metrics(args.out, metrics)
    if args.results:
        append_run(args.results, f"{args.threads} threads; held-out photos, read as paths.", lines)


if __name__ == "__main__":
    main()
