"""Cross-source figures for the whole-plate CRNN: how it reads a region's photos it has never seen any of.

    .venv/bin/python experiments/cross_source.py [--protocols zero_shot,leave_one_out,in_distribution]
        [--regions us,eu,br] [--experiment crnn_plates] [--no-refit] [--steps 4000] [--override KEY=VALUE ...]
        [--out logs/cross_source] [--threads 2] [--results experiments/RESULTS.md | --no-results]

The held-out photos of a region still come from the same cameras, places and plate styles as its training
share, so an in-distribution figure can come from memorising the three photo sets rather than from reading
plates. The cross-dataset protocol (Laroca et al. 2022: train without a dataset, test on it) separates the two:

- zero_shot: generated plates only (`data.roots=null`), read on the held-out photos of every region;
- leave_one_out: for each region, generated plates + the real train share of the other regions, read on that
  region's held-out photos only;
- in_distribution: the experiment's recipe as it is (generated + all regions), read on every region.

Each trains as the recipe's refit (`split.val_percent=0`: the train and val shares of the photos; --no-refit keeps
the experiment's val share).

Each training is `python -m lpr.train` into OUT/RUN (its log in OUT/RUN/train.log); a run dir that already holds
metrics.json and checkpoints/best.ckpt from the same lpr.train overrides is reused, and one stopped midway (its
last.ckpt, no metrics.json) is resumed from where it stopped, so a stopped benchmark goes on (a run dir from other
overrides is refused). Reading is `lpr.read locate=box subset=holdout formats=any` (the held-out
share of configs/split/, which no training here sees). Prints the table, writes OUT/metrics.json and appends the
table, under a dated heading, to experiments/RESULTS.md's benchmark runs.
"""
import argparse
import json
import os
import platform
import shlex
import statistics
import subprocess
import sys
import time
from pathlib import Path

from lpr.cli.run_files import write_metrics
from lpr.core.config import shared_data_dir

from crnn_benchmark import holdout_matches
from plates_benchmark import REGIONS, read_defaults, region_formats, run_read
from results_md import RUNS_HEADING, write_results_section

REPO = Path(__file__).resolve().parents[1]
PROTOCOLS = ("zero_shot", "leave_one_out", "in_distribution")


def trainings(protocols: list[str], regions: list[str], photos: Path) -> list[tuple[str, str, list[str], list[str]]]:
    """(protocol, run name, its data overrides, the regions it is read on) for each training the selection needs."""
    runs = []
    for protocol in protocols:
        if protocol == "zero_shot":
            runs.append((protocol, protocol, ["data.roots=null"], regions))
        elif protocol == "leave_one_out":
            for region in regions:
                others = ",".join(str(photos / other) for other in REGIONS if other != region)
                runs.append((protocol, f"{protocol}-{region}", [f"data.roots=[{others}]"], [region]))
        else:
            runs.append((protocol, protocol, [], regions))
    return runs


def same_training(overrides: list[str]) -> set[str]:
    """What makes two trainings the same: their overrides in any order, wherever their run dir was, resumed or not."""
    return {o for o in overrides if not o.startswith(("hydra.run.dir=", "ckpt_path="))}


def train(run_dir: Path, overrides: list[str], threads: int) -> float | None:
    """Train into run_dir; None when a finished run of the same command is already there, else the wall seconds."""
    if (run_dir / "provenance.json").is_file():
        trained_with = json.loads((run_dir / "provenance.json").read_text())["argv"][1:]
        if same_training(trained_with) != same_training(overrides):  # no run of other steps or data under this name
            raise SystemExit(f"{run_dir} was trained with other overrides ({' '.join(trained_with)}): "
                             "give another --out")
    if (run_dir / "metrics.json").is_file() and (run_dir / "checkpoints" / "best.ckpt").is_file():
        print(f"reusing {run_dir}", flush=True)
        return None
    if (run_dir / "checkpoints" / "last.ckpt").is_file():
        overrides = [*overrides, f"ckpt_path={run_dir}"]  # lpr.train goes on where it stopped, in the same folder
    run_dir.mkdir(parents=True, exist_ok=True)
    log = run_dir / "train.log"
    env = {**os.environ, "OMP_NUM_THREADS": str(threads), "MKL_NUM_THREADS": str(threads)}
    print(f"training {run_dir}", flush=True)
    started = time.perf_counter()
    with log.open("a") as out:
        finished = subprocess.run([sys.executable, "-m", "lpr.train", *overrides], cwd=REPO, env=env,
                                  stdout=out, stderr=subprocess.STDOUT)
    if finished.returncode != 0:
        last = (log.read_text().strip().splitlines() or ["no output"])[-1]
        raise SystemExit(f"training {run_dir.name} failed (exit {finished.returncode}: {last}); log: {log}")
    if not (run_dir / "checkpoints" / "best.ckpt").is_file():  # validation only runs at an epoch's end
        raise SystemExit(f"training {run_dir.name} ended before its first validation (no checkpoints/best.ckpt): "
                         f"give more --steps than an epoch has; log: {log}")
    return time.perf_counter() - started


def table(scores: dict, protocols: list[str], regions: list[str]) -> list[str]:
    """Markdown rows = regions and their mean, columns = protocols; a cell is `exact / CER (n)`."""
    lines = ["| region | " + " | ".join(protocols) + " |", "|---" * (len(protocols) + 1) + "|"]
    for region in [*regions, "mean"]:
        cells = []
        for protocol in protocols:
            cell = scores.get(f"{protocol}/{region}/exact")
            cells.append("-" if cell is None else f"{100 * cell:.1f} % / {scores[f'{protocol}/{region}/cer']:.3f}"
                         + (f" (n={scores[f'{protocol}/{region}/n']})" if region != "mean" else ""))
        lines.append(f"| {region} | " + " | ".join(cells) + " |")
    return lines


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--protocols", default=",".join(PROTOCOLS))
    parser.add_argument("--regions", default=",".join(REGIONS))
    parser.add_argument("--experiment", default="crnn_plates")
    parser.add_argument("--refit", action=argparse.BooleanOptionalAction, default=True,
                        help="train on the train and val shares of the photos (split.val_percent=0)")
    parser.add_argument("--steps", type=int, default=4000)
    parser.add_argument("--override", action="append", default=[],
                        help="one more lpr.train override, passed as given (repeatable)")
    parser.add_argument("--out", default=str(REPO / "logs" / "cross_source"))
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--results", default=str(REPO / "experiments" / "RESULTS.md"))
    parser.add_argument("--no-results", action="store_true", help="leave experiments/RESULTS.md as it is")
    args = parser.parse_args()
    protocols, regions = args.protocols.split(","), args.regions.split(",")
    for name, given, known in (("protocol", protocols, PROTOCOLS), ("region", regions, REGIONS)):
        if unknown := [value for value in given if value not in known]:
            parser.error(f"unknown {name} {', '.join(unknown)} (known: {', '.join(known)})")
    photos, out = shared_data_dir().resolve() / "openalpr-endtoend", Path(args.out).resolve()
    split, _ = read_defaults()
    command = ".venv/bin/python experiments/cross_source.py " + shlex.join(sys.argv[1:])

    scores, report = {"command": command, "steps": args.steps}, []
    for protocol, name, data, read_on in trainings(protocols, regions, photos):
        run_dir = out / name
        overrides = [f"experiment={args.experiment}", *(["split.val_percent=0"] if args.refit else []),
                     f"trainer.max_steps={args.steps}", f"hydra.run.dir={run_dir}",
                     "test=false", "callbacks.rich_progress_bar=null", "+trainer.enable_progress_bar=false",
                     *data, *args.override]
        seconds = train(run_dir, overrides, args.threads)
        if seconds is not None:
            scores[f"train_s/{name}"] = round(seconds, 1)
        report.append(f"{name} {'reused' if seconds is None else f'{seconds:.0f} s'}")
        ckpt = str(run_dir / "checkpoints" / "best.ckpt")
        holdout_matches(ckpt, split, photos)
        for region in read_on:
            any_formats = region_formats(region)[0][0]  # the unconstrained reader: no region's formats told
            metrics = run_read(ckpt, photos / region, "box", "holdout", args.threads, run_dir / f"read-{region}",
                               any_formats)
            for key, metric in (("exact", "plate/acc"), ("cer", "plate/cer"), ("n", "plate/n")):
                scores[f"{protocol}/{region}/{key}"] = metrics[metric]
            print(f"{protocol} {region}: exact {metrics['plate/acc']:.3f} CER {metrics['plate/cer']:.3f} "
                  f"n {metrics['plate/n']}", flush=True)
    for protocol in protocols:
        for key in ("exact", "cer"):
            scores[f"{protocol}/mean/{key}"] = statistics.mean(scores[f"{protocol}/{region}/{key}"]
                                                               for region in regions)
    write_metrics(out, scores)

    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=REPO, capture_output=True,
                            text=True).stdout.strip() or "unknown"
    if subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=REPO, capture_output=True,
                      text=True).stdout.strip():
        commit += " + uncommitted changes"
    recipe = f"experiment={args.experiment}" + (" split.val_percent=0" if args.refit else "")
    lines = [f"### {time.strftime('%Y-%m-%d %H:%M')} `experiments/cross_source.py`: {recipe}, {args.steps} steps", "",
             f"Command: `{command}`  ",
             f"Machine: {platform.platform()}, {args.threads} threads; commit {commit}.  ",
             f"Trainings: {', '.join(report)}.  ",
             "Photos: the `holdout` share of each openalpr-endtoend region (configs/split/default.yaml), read with "
             "`locate=box formats=any`. zero_shot: trained on generated plates only; leave_one_out: generated + "
             "the other two regions' real train share; in_distribution: generated + all three. Cell: exact / "
             "CER (n plates); mean: unweighted over the regions.", "",
             *table(scores, protocols, regions)]
    if not args.no_results:
        write_results_section(Path(args.results), RUNS_HEADING, "\n".join(lines), append=True)
    print("\n".join(lines))


if __name__ == "__main__":
    main()
