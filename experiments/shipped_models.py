"""The models lpr ships (lpr/pretrained/) against a fresh training of their recipes, on photos neither trained on.

    .venv/bin/python experiments/shipped_models.py --reader-run RUN --detector-run RUN [--threads 2]
        [--out logs/bench/shipped_models] [--results experiments/RESULTS.md | --no-results]

RUN: a finished `python -m lpr.train experiment=reader_clean` (`experiment=detector_clean`) run dir, a fresh
training of the recipe the shipped file came from. Both are exported (`lpr.export`, verified against torch) and
read with onnxruntime only, as `lpr read PHOTO` reads with the shipped ones, on each OpenALPR region's held-out
photos: the reader on the labelled box (`locate=box`) and both from the whole photo (`locate=detector`), exact and
CER. A shipped file that reads far from its recipe's fresh training is stale: rerun the recipe and ship that.
Prints the table, writes OUT/metrics.json and appends to experiments/RESULTS.md's benchmark runs.
"""
import argparse
from pathlib import Path

from lpr.cli.run_files import write_metrics
from lpr.core.config import shared_data_dir
from lpr.core.pretrained import DETECTOR, READER

from detector_benchmark import run
from plates_benchmark import REGIONS
from results_md import append_run, output_arguments


def exported(run_dir: Path, name: str, out: Path) -> Path:
    """The run's best checkpoint exported to OUT/NAME.onnx (verified against torch by lpr.export)."""
    onnx = out / f"{name}.onnx"
    run("lpr.export", [f"ckpt_path={run_dir / 'checkpoints' / 'best.ckpt'}", f"output={onnx}"], out / f"export-{name}")
    return onnx


def figures(reader: Path, detector: Path, out: Path, threads: int) -> dict:
    """Exact and CER per region, box and from the photo, and photos/s from the photo, with onnxruntime only."""
    scores = {}
    for region in REGIONS:
        photos = shared_data_dir() / "openalpr-endtoend" / region
        common = [f"ckpt_path={reader}", f"input={photos}", "subset=holdout", f"threads={threads}"]
        for mode, locate in (("box", ["locate=box"]),
                             ("photo", ["locate=detector", f"locate.detector.model={detector}"])):
            metrics = run("lpr.read", [*common, *locate], out / f"{mode}-{region}")
            scores.update({f"{mode}/{region}/exact": metrics["plate/acc"],
                           f"{mode}/{region}/cer": metrics["plate/cer"]})
            if mode == "photo":
                scores[f"photo/{region}/photos_per_s"] = metrics["photos_per_s"]
    return scores


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reader-run", type=Path, required=True, help="a fresh `experiment=reader_clean` run dir")
    parser.add_argument("--detector-run", type=Path, required=True, help="a fresh `experiment=detector_clean` run")
    parser.add_argument("--threads", type=int, default=2)
    output_arguments(parser, "shipped_models")
    args = parser.parse_args()
    fresh = (exported(args.reader_run, "fresh_reader", args.out),
             exported(args.detector_run, "fresh_detector", args.out))
    table = {"shipped": figures(READER, DETECTOR, args.out / "shipped", args.threads),
             "fresh": figures(*fresh, args.out / "fresh", args.threads)}
    lines = ["| models | " + " | ".join(f"{region} box / photo" for region in REGIONS) + " | photos/s |",
             "|---" * (len(REGIONS) + 2) + "|"]
    for name, scores in table.items():
        cells = [f"{100 * scores[f'box/{r}/exact']:.1f} / {100 * scores[f'photo/{r}/exact']:.1f} %" for r in REGIONS]
        speed = "/".join(f"{scores[f'photo/{r}/photos_per_s']:.0f}" for r in REGIONS)
        lines.append(f"| {name} | " + " | ".join(cells) + f" | {speed} |")
    print("\n".join(lines))
    write_metrics(args.out, {f"{name}/{key}": value for name, scores in table.items() for key, value in scores.items()})
    if args.results:
        append_run(args.results, "Held-out photos, exact match, onnxruntime only.", lines)


if __name__ == "__main__":
    main()
