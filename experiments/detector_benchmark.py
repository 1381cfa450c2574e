"""The plate detector against the OpenCV locator, alone and in front of a reader, on photos none of them trained on.

    .venv/bin/python experiments/detector_benchmark.py --detector DETECTOR_CKPT --reader READER_CKPT [--threads 2]

- Locate: `lpr.detect subset=test` on each OpenALPR region's held-out photos (the photo split's test share, the
  same photos as `lpr.read subset=holdout`) and on ro-dashcam's held-out drive (configs/data/detect.yaml's shares):
  recall and precision at IoU 0.5, mAP50. Beside it, the share of held-out photos where the OpenCV locator's pick
  (`lpr.read locate=auto`, ranked by the reader) is the labelled box, its `locate/recall`.
- Read: the same reader with `locate=box` (the labelled box), `locate=auto` and `locate=detector`, exact and CER.
- Speed: both models exported (`lpr.export`, verified against torch), then photos/s end to end (decode, detect,
  read) with onnxruntime only: `lpr.read ckpt_path=MODEL.onnx locate=detector`.
- The detector's training time, from its run's metrics.json.
Prints the table, writes OUT/metrics.json and appends the section to experiments/RESULTS.md's benchmark runs.
"""
import argparse
import json
import platform
import shlex
import subprocess
import sys
import time
from pathlib import Path

from hydra import compose, initialize_config_dir

from lpr.cli.run_files import write_metrics
from lpr.core.config import shared_data_dir

from plates_benchmark import REGIONS, run_read
from results_md import RUNS_HEADING, write_results_section

REPO = Path(__file__).resolve().parents[1]


def run(module: str, overrides: list[str], run_dir: Path) -> dict:
    """`python -m MODULE OVERRIDES hydra.run.dir=RUN_DIR`; its metrics.json, or one line and exit on failure."""
    finished = subprocess.run([sys.executable, "-m", module, *overrides, f"hydra.run.dir={run_dir}"], cwd=REPO,
                              capture_output=True, text=True)
    if finished.returncode != 0:
        raise SystemExit(f"{module} failed: {(finished.stderr.strip().splitlines() or ['no output'])[-1]}")
    return json.loads((run_dir / "metrics.json").read_text())


def dashcam_root() -> dict:
    """ro-dashcam's entry of the detector's data config: its path, drive pattern and held-out drives."""
    with initialize_config_dir(config_dir=str(REPO / "configs"), version_base="1.3"):
        cfg = compose("train", ["experiment=detector", f"paths.shared_data_dir={shared_data_dir().resolve()}"])
    return next(root for root in cfg.data.roots if "ro-dashcam" in root.path)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--detector", required=True, help="checkpoint of experiment=detector")
    parser.add_argument("--reader", required=True, help="a reader checkpoint (either engine)")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--out", default=str(REPO / "logs" / "detector_benchmark"))
    parser.add_argument("--results", default=str(REPO / "experiments" / "RESULTS.md"))
    parser.add_argument("--no-results", action="store_true")
    args = parser.parse_args()
    out, photos = Path(args.out).resolve(), shared_data_dir().resolve() / "openalpr-endtoend"
    threads = f"threads={args.threads}"
    metrics = {"command": ".venv/bin/python experiments/detector_benchmark.py " + shlex.join(sys.argv[1:])}

    exported = {name: run("lpr.export", [f"ckpt_path={ckpt}"], out / f"export-{name}")["model_path"]
                for name, ckpt in (("detector", args.detector), ("reader", args.reader))}
    dashcam = dashcam_root()
    places = {region: (photos / region, []) for region in REGIONS}
    places["ro-dashcam"] = (Path(dashcam.path), [f"root.group='{dashcam.group}'",
                                                 "root.shares={" + ", ".join(f"{share}: [{', '.join(groups)}]"
                                                                for share, groups in dashcam.shares.items()) + "}"])
    for place, (folder, root) in places.items():
        found = run("lpr.detect", [f"detector={args.detector}", f"input={folder}", "subset=test", threads, *root],
                    out / f"detect-{place}")
        for key in ("recall_50", "precision_50", "map_50"):
            metrics[f"{place}/detector/{key}"] = found[f"detect/{key}"]
        metrics[f"{place}/n_plates"] = found["n_true"]
        if place not in REGIONS:
            continue
        for locate in ("box", "auto", "detector"):
            extra = [f"locate.detector.model={args.detector}"] if locate == "detector" else []
            read = run_read(args.reader, folder, locate, "holdout", args.threads, out / f"read-{place}-{locate}",
                            extra=extra)
            metrics[f"{place}/{locate}/exact"], metrics[f"{place}/{locate}/cer"] = read["plate/acc"], read["plate/cer"]
            if locate != "box":
                metrics[f"{place}/{locate}/locate_recall"] = read["locate/recall"]
        onnx = run("lpr.read", [f"ckpt_path={exported['reader']}", f"input={folder}",
                                "subset=holdout", "locate=detector", f"locate.detector.model={exported['detector']}",
                                threads], out / f"onnx-{place}")
        metrics[f"{place}/onnx/photos_per_s"], metrics[f"{place}/onnx/exact"] = onnx["photos_per_s"], onnx["plate/acc"]
    trained = json.loads((Path(args.detector).parents[1] / "metrics.json").read_text())
    metrics["detector/train_time_s"] = trained.get("train_time_s")
    write_metrics(out, metrics)

    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=REPO, capture_output=True,
                            text=True).stdout.strip()
    lines = [f"### {time.strftime('%Y-%m-%d %H:%M')} `experiments/detector_benchmark.py`", "",
             f"Command: `{metrics['command']}`  ", f"Machine: {platform.platform()}, {args.threads} threads; "
             f"commit {commit}. Detector trained in {metrics['detector/train_time_s']} s.  ",
             "Held-out photos only (the photo split's test share; ro-dashcam: its held-out drive). Locate: recall / "
             "precision at IoU 0.5 and mAP50 of the detector; `auto`: the share of photos where the OpenCV "
             "locator's pick (ranked by the reader) is the labelled box. Read: exact / CER of the reader.", "",
             "| photos | plates | detector R / P / mAP50 | OpenCV pick at IoU 0.5 | read: box | read: auto | "
             "read: detector | detector+reader onnxruntime photos/s |", "|---|---|---|---|---|---|---|---|"]
    for place in places:
        cells = [f"{100 * metrics[f'{place}/detector/recall_50']:.1f} / "
                 f"{100 * metrics[f'{place}/detector/precision_50']:.1f} / {metrics[f'{place}/detector/map_50']:.3f}"]
        if place in REGIONS:
            cells += [f"{100 * metrics[f'{place}/auto/locate_recall']:.1f} %"]
            cells += [f"{100 * metrics[f'{place}/{locate}/exact']:.1f} % / {metrics[f'{place}/{locate}/cer']:.3f}"
                      for locate in ("box", "auto", "detector")]
            cells += [f"{metrics[f'{place}/onnx/photos_per_s']:.1f}"]
        else:
            cells += ["-"] * 5
        lines.append(f"| {place} | {metrics[f'{place}/n_plates']} | " + " | ".join(cells) + " |")
    if not args.no_results:
        write_results_section(Path(args.results), RUNS_HEADING, "\n".join(lines), append=True)
    print("\n".join(lines))


if __name__ == "__main__":
    main()
