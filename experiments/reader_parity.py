"""`lpr read` and `Reader()` read alike: the shipped models over the held-out photos of every real source, once through
the command (lpr.cli.read on read.yaml's config) and once through the Python API, and the rows compared (text,
confidence to 4 places, box). Both assemble their reader in lpr.reading.assemble; this holds them to it on real
photos. Writes OUT/metrics.json (per source: photos, rows each way, identical).

    .venv/bin/python experiments/reader_parity.py [--threads T]
"""
import argparse
import csv
import time

from recognizer_table import SOURCES
from results_md import append_run, output_arguments

from lpr import Reader
from lpr.cli.read import read
from lpr.cli.run_files import write_metrics
from lpr.core.config import compose_config, instantiate, shared_data_dir
from lpr.reading.subset import select_samples


def held_out_photos(folder, split) -> list:
    """The held-out share's photo paths of one source, each once."""
    samples, _ = select_samples(folder, subset="holdout", split=split, ckpt_paths=None)
    return sorted({sample.image_path for sample in samples})


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--threads", type=int, default=2)
    output_arguments(parser, "reader_parity")
    args = parser.parse_args()
    reader = Reader(threads=args.threads)
    lines = ["| source | photos | rows `lpr read` | rows `Reader()` | identical | s |", "|---|---|---|---|---|---|"]
    metrics = {}
    for name, source in SOURCES.items():
        started = time.perf_counter()
        folder = shared_data_dir() / source
        photos = held_out_photos(folder, instantiate(compose_config("read", [f"input={folder}"]).split))
        run_dir = args.out / name
        run_dir.mkdir(parents=True, exist_ok=True)
        cfg = compose_config("read", ["ckpt_path=shipped", "locate=detector", "locate.detector.model=shipped",
                                      f"input={folder}", "subset=holdout", f"threads={args.threads}"])
        cfg.paths.output_dir = str(run_dir)
        read(cfg)
        with open(run_dir / "predictions.csv", newline="") as handle:
            by_command = sorted((row["image"], row["text"], row["confidence"], *(row[k] for k in "xywh"))
                                for row in csv.DictReader(handle) if row["status"] == "read")
        by_reader = sorted((photo.name, plate.text, f"{plate.confidence:.4f}", *(str(v) for v in plate.box))
                           for photo, plates in zip(photos, reader.read(photos)) for plate in plates)
        same = by_command == by_reader
        metrics.update({f"{name}/photos": len(photos), f"{name}/rows_lpr_read": len(by_command),
                        f"{name}/rows_reader": len(by_reader), f"{name}/identical": same})
        lines.append(f"| {name} | {len(photos)} | {len(by_command)} | {len(by_reader)} | {'yes' if same else 'NO'} | "
                     f"{time.perf_counter() - started:.0f} |")
        print(lines[-1], flush=True)
    print("\n".join(lines))
    write_metrics(args.out, metrics)
    if args.results:
        append_run(args.results, "The shipped models (`lpr read PHOTOS` against `Reader().read(PHOTOS)`), the held-out "
                   "photos of each source; rows compared on text, confidence and box.", lines)


if __name__ == "__main__":
    main()
