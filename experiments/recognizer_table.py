"""Plate readers on every real source's labelled boxes: the cross-source table of recognizers.

    .venv/bin/python experiments/recognizer_table.py --reader NAME=MODEL [NAME=MODEL ...] [--set NAME:OVERRIDE ...]
        [--subset holdout|development] [--detector DETECTOR] [--threads 2] [--out logs/bench/recognizer_table]
        [--results experiments/RESULTS.md | --no-results]

MODEL: `ppocr` (the PP-OCR recognizer of RapidOCR's wheel), any exported MODEL.onnx or PP-OCR rec ONNX (read with
onnxruntime only), or a checkpoint (.ckpt, torch). `--set NAME:KEY=VALUE` adds an lpr.read override to one reader
(e.g. `asis_drop:ppocr.fold=drop`). Each reader reads the labelled box (`locate=box`; with `--detector`, from the
photo: every plate the detector finds, `locate=detector`, scored on the labelled plates) of every plate in `subset` of
the OpenALPR regions, ro-dashcam (split by drive) and open-images (split by photo): `holdout` to report,
`development` (every other photo) to choose. Prints exact-plate accuracy per source, plates/s through lpr.read
(photo decoding included) and crops/s of the engine alone (every source's crops at their labelled box, read in
batches of 64 on `--threads` threads), writes OUT/metrics.json and appends the table to RESULTS.md's benchmark runs.
"""
import argparse
import time

from hydra import compose, initialize_config_dir

from lpr.cli.run_files import write_metrics
from lpr.core.boxes import crop_box
from lpr.core.config import CONFIG_DIR, instantiate, shared_data_dir
from lpr.core.images import read_image
from lpr.data.samples import load_plate_samples
from lpr.reading.engines.load import load_engine

from detector_benchmark import run
from results_md import append_run, output_arguments

SOURCES = {"us": "openalpr-endtoend/us", "eu": "openalpr-endtoend/eu", "br": "openalpr-endtoend/br",
           "ro-dashcam": "plate-boxes/ro-dashcam", "open-images": "plate-boxes/open-images"}


def reader_overrides(model: str, extra: list[str]) -> list[str]:
    """lpr.read's overrides that name a model (a checkpoint reads on torch, an ONNX model on onnxruntime)."""
    return [f"ckpt_path={model}", *extra]


def labelled_crops(subset: str) -> list:
    """Every source's plate crops of `subset` at their labelled box, BGR."""
    with initialize_config_dir(config_dir=str(CONFIG_DIR), version_base="1.3"):
        split, crops = instantiate(compose("read", overrides=["ckpt_path=x", "input=x"]).split), []
    for folder in SOURCES.values():
        for sample in load_plate_samples(shared_data_dir() / folder)[0]:
            if split.held_out(sample.name) == (subset == "holdout"):
                crops.append(crop_box(read_image(sample.image_path, color=True), sample.box, (0.0, 0.0))[0])
    return crops


def engine_speed(model: str, crops: list, threads: int) -> float:
    """Crops per second of the engine alone, in batches of 64, after one warm-up batch."""
    engine = load_engine(model, threads=threads)
    engine.read_crops(crops[:64])
    started = time.perf_counter()
    for first in range(0, len(crops), 64):
        engine.read_crops(crops[first:first + 64])
    return len(crops) / (time.perf_counter() - started)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reader", nargs="+", required=True, help="NAME=MODEL (ppocr, MODEL.onnx or a .ckpt)")
    parser.add_argument("--set", nargs="*", default=[], help="NAME:OVERRIDE, an lpr.read override of one reader")
    parser.add_argument("--subset", choices=("holdout", "development"), default="holdout")
    parser.add_argument("--detector", help="read from the photo with this detector (checkpoint or ONNX)")
    parser.add_argument("--threads", type=int, default=2)
    output_arguments(parser, "recognizer_table")
    args = parser.parse_args()
    readers = dict(spec.split("=", 1) for spec in args.reader)
    extra = {name: [] for name in readers}
    for setting in args.set:
        name, override = setting.split(":", 1)
        extra[name].append(override)
    scores, mode = {}, "photo" if args.detector else "box"
    locate = ["locate=detector", f"locate.detector.model={args.detector}"] if args.detector else ["locate=box"]
    for name, model in readers.items():
        for source, folder in SOURCES.items():
            overrides = [*reader_overrides(model, extra[name]), f"input={shared_data_dir() / folder}", *locate,
                         f"subset={args.subset}", f"threads={args.threads}"]
            metrics = run("lpr.read", overrides, args.out / args.subset / mode / name / source)
            scores[f"{name}/{source}/exact"] = metrics["plate/acc"]
            scores[f"{name}/{source}/n"] = metrics["plate/n"]
            scores[f"{name}/{source}/plates_per_s"] = metrics["plates_per_s"]
            print(f"{name} {source}: {100 * metrics['plate/acc']:.1f} % of {metrics['plate/n']}", flush=True)
    crops = labelled_crops(args.subset)
    for name, model in readers.items():
        scores[f"{name}/crops_per_s"] = engine_speed(model, crops, args.threads)
    header = " | ".join(f"{source} ({scores[f'{next(iter(readers))}/{source}/n']})" for source in SOURCES)
    lines = [f"| reader | {header} | plates/s (lpr.read) | crops/s (engine) |", "|---" * (len(SOURCES) + 3) + "|"]
    for name in readers:
        cells = [f"{100 * scores[f'{name}/{source}/exact']:.1f} %" for source in SOURCES]
        speed = min(scores[f"{name}/{source}/plates_per_s"] for source in SOURCES)
        settings = f" ({', '.join(extra[name])})" if extra[name] else ""
        lines.append(f"| {name}{settings} | " + " | ".join(cells) + f" | {speed:.0f} | "
                     f"{scores[f'{name}/crops_per_s']:.0f} |")
    print("\n".join(lines))
    write_metrics(args.out / args.subset / mode, scores)
    if args.results:
        models = "; ".join(f"{name} = `{model}`" for name, model in readers.items())
        read = f"from the photo (detector `{args.detector}`)" if args.detector else "labelled boxes"
        append_run(args.results, f"Read {read}, {args.subset} share, exact plate; {models}. plates/s: the slowest "
                   "source, lpr.read end to end (photo decoding included).", lines)


if __name__ == "__main__":
    main()
