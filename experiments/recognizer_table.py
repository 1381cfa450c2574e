"""Plate readers on every real source's labelled boxes: the cross-source table of recognizers.

    .venv/bin/python experiments/recognizer_table.py --reader NAME=MODEL [NAME=MODEL ...] [--set NAME:OVERRIDE ...]
        [--subset holdout|development] [--threads 2] [--out logs/bench/recognizer_table]
        [--results experiments/RESULTS.md | --no-results]

MODEL: `ppocr` (the PP-OCR recognizer of RapidOCR's wheel), any exported MODEL.onnx or PP-OCR rec ONNX (read with
onnxruntime only), or a checkpoint (.ckpt, torch). `--set NAME:KEY=VALUE` adds an lpr.read override to one reader
(e.g. `asis_drop:ppocr.fold=drop`). Each reader reads the labelled box (`locate=box`) of every plate in `subset` of
the OpenALPR regions, ro-dashcam (split by drive) and open-images (split by photo): `holdout` to report,
`development` (every other photo) to choose. Prints exact-plate accuracy per source and plates/s, writes
OUT/metrics.json and appends the table to RESULTS.md's benchmark runs.
"""
import argparse

from lpr.cli.run_files import write_metrics
from lpr.core.config import shared_data_dir

from detector_benchmark import run
from results_md import append_run, output_arguments

SOURCES = {"us": "openalpr-endtoend/us", "eu": "openalpr-endtoend/eu", "br": "openalpr-endtoend/br",
           "ro-dashcam": "plate-boxes/ro-dashcam", "open-images": "plate-boxes/open-images"}


def reader_overrides(model: str, extra: list[str]) -> list[str]:
    """lpr.read's overrides that name a model: checkpoints on torch, the rest on onnxruntime."""
    if model.endswith(".ckpt"):
        return [f"ckpt_path={model}", *extra]
    return ["backend=onnx", f"model_path={model}", *extra]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reader", nargs="+", required=True, help="NAME=MODEL (ppocr, MODEL.onnx or a .ckpt)")
    parser.add_argument("--set", nargs="*", default=[], help="NAME:OVERRIDE, an lpr.read override of one reader")
    parser.add_argument("--subset", choices=("holdout", "development"), default="holdout")
    parser.add_argument("--threads", type=int, default=2)
    output_arguments(parser, "recognizer_table")
    args = parser.parse_args()
    readers = dict(spec.split("=", 1) for spec in args.reader)
    extra = {name: [] for name in readers}
    for setting in args.set:
        name, override = setting.split(":", 1)
        extra[name].append(override)
    scores = {}
    for name, model in readers.items():
        for source, folder in SOURCES.items():
            overrides = [*reader_overrides(model, extra[name]), f"input={shared_data_dir() / folder}",
                         "locate=box", f"subset={args.subset}", f"threads={args.threads}"]
            metrics = run("lpr.read", overrides, args.out / args.subset / name / source)
            scores[f"{name}/{source}/exact"] = metrics["plate/acc"]
            scores[f"{name}/{source}/n"] = metrics["plate/n"]
            scores[f"{name}/{source}/plates_per_s"] = metrics["plates_per_s"]
            print(f"{name} {source}: {100 * metrics['plate/acc']:.1f} % of {metrics['plate/n']}", flush=True)
    header = " | ".join(f"{source} ({scores[f'{next(iter(readers))}/{source}/n']})" for source in SOURCES)
    lines = [f"| reader | {header} | plates/s |", "|---" * (len(SOURCES) + 2) + "|"]
    for name in readers:
        cells = [f"{100 * scores[f'{name}/{source}/exact']:.1f} %" for source in SOURCES]
        speed = min(scores[f"{name}/{source}/plates_per_s"] for source in SOURCES)
        settings = f" ({', '.join(extra[name])})" if extra[name] else ""
        lines.append(f"| {name}{settings} | " + " | ".join(cells) + f" | {speed:.0f} |")
    print("\n".join(lines))
    write_metrics(args.out / args.subset, scores)
    if args.results:
        models = "; ".join(f"{name} = `{model}`" for name, model in readers.items())
        append_run(args.results, f"Labelled boxes, {args.subset} share, exact plate; {models}. plates/s: the "
                   "slowest source, lpr.read end to end (photo decoding included).", lines)


if __name__ == "__main__":
    main()
