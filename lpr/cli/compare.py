"""Compare training runs: `python -m lpr.compare DIR... [--out DIR] [--sort METRIC] [--metrics PATTERN...]`.

A training run is any folder below a DIR that holds `metrics.json` and a config whose `task_name` is train
(`.hydra/config.yaml`, or `config_resolved.yaml` for runs started without the Hydra CLI). For each run the
table shows the command-line overrides that differ between the runs (`.hydra/overrides.yaml`), then the
metrics that match `--metrics` (`val/acc_best`, zero-shot accuracies, parameters, training time, speed).
Rows are sorted by the runs' `optimized_metric` (the sweep objective), best first. The table is printed
as Markdown and written as compare.md, compare.csv and compare.png into `--out` (default: the first DIR).

Evaluations of a finished run live inside it, one folder each: `<run>/eval/<name>/metrics.json`. Their
keys appear as `<name>/<key>`, so a zero-shot test on seed-chars,
    python -m lpr.eval ckpt_path=<run>/checkpoints/best.ckpt data.root=.../seed-chars hydra.run.dir=<run>/eval/seed-chars
shows as the column `seed-chars/eval/acc`; experiments/zoo_benchmark.py also writes `<run>/eval/speed/`.
"""
import argparse
import csv
import json
import math
from fnmatch import fnmatch
from pathlib import Path

import matplotlib.pyplot as plt
from hydra.core.override_parser.overrides_parser import OverridesParser
from omegaconf import OmegaConf

from lpr.cli.run_files import atomic_open, write_text_atomic
from lpr.core.errors import LprError, exit_on_lpr_error

DEFAULT_METRICS = ["val/acc_best", "test/acc", "*/eval/acc", "*/chars_per_s", "model/params", "train_time_s",
                   "epochs"]


def run_config(run_dir: Path):
    """The run's composed config (Hydra's own copy first), or None when the folder is not a run."""
    for path in (run_dir / ".hydra" / "config.yaml", run_dir / "config_resolved.yaml"):
        if path.is_file():
            return OmegaConf.load(path)
    return None


def run_overrides(run_dir: Path) -> dict[str, str]:
    """`{key: value}` of the command-line overrides that made this run (`+`/`++`/`~` prefixes dropped)."""
    path = run_dir / ".hydra" / "overrides.yaml"
    if not path.is_file():
        return {}
    parsed = OverridesParser.create().parse_overrides(list(OmegaConf.load(path)))
    return {override.key_or_group: override.get_value_element_as_str() for override in parsed}


def run_metrics(run_dir: Path) -> dict:
    """The run's metrics.json merged with each evaluation's under `eval/<name>/`, keyed `<name>/<key>`."""
    metrics = json.loads((run_dir / "metrics.json").read_text())
    for evaluation in sorted((run_dir / "eval").glob("*/metrics.json")):
        name = evaluation.parent.name
        metrics.update({f"{name}/{key}": value for key, value in json.loads(evaluation.read_text()).items()})
    return metrics


def find_runs(dirs: list[Path]) -> list[dict]:
    """Every training run below `dirs`: its path, overrides, metrics and optimized metric."""
    runs = []
    for top in dirs:
        if not top.is_dir():
            raise LprError(f"{top}: not a folder")
        for metrics_path in sorted(top.rglob("metrics.json")):
            run_dir = metrics_path.parent
            config = run_config(run_dir)
            if config is None or config.get("task_name") != "train":
                continue
            runs.append({"dir": run_dir, "overrides": run_overrides(run_dir), "metrics": run_metrics(run_dir),
                         "objective": config.get("optimized_metric", "val/acc_best")})
    if not runs:
        raise LprError(f"{' '.join(map(str, dirs))}: no training runs below (metrics.json beside a train config)")
    return runs


def differing_overrides(runs: list[dict]) -> list[str]:
    """Override keys whose value is not the same in every run, in the order they were first given."""
    keys = list(dict.fromkeys(key for run in runs for key in run["overrides"]))
    return [key for key in keys if len({run["overrides"].get(key) for run in runs}) > 1]


def metric_columns(runs: list[dict], patterns: list[str]) -> list[str]:
    """Metric keys matching `patterns` that at least one run has, in pattern order."""
    present = list(dict.fromkeys(key for run in runs for key in run["metrics"]))
    columns = []
    for pattern in patterns:
        columns += [key for key in present if fnmatch(key, pattern) and key not in columns]
    return columns


def number(value) -> float:
    """A metric as a float for sorting and plotting; NaN where a run lacks it."""
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else math.nan


def format_cell(key: str, value) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        if key.endswith("acc") or key.endswith("acc_best"):
            return f"{value:.4f}"
        return f"{value:.1f}" if abs(value) >= 10 else f"{value:.3g}"
    return str(value)


def table_rows(runs: list[dict], columns: list[str], sort_by: str, root: Path) -> list[dict]:
    """One dict per run (`run` path relative to `root`, then `columns`), best `sort_by` first, runs lacking it last."""
    def rank(run):
        value = number(run["metrics"].get(sort_by))
        return math.inf if math.isnan(value) else -value

    rows = []
    for run in sorted(runs, key=rank):
        values = {**run["metrics"], **run["overrides"]}
        name = run["dir"].relative_to(root) if run["dir"].is_relative_to(root) else run["dir"]
        rows.append({"run": str(name), **{key: values.get(key) for key in columns}})
    return rows


def markdown(rows: list[dict]) -> str:
    header = list(rows[0])
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(format_cell(key, row[key]) for key in header) + " |" for row in rows]
    return "\n".join(lines) + "\n"


def plot(rows: list[dict], label_keys: list[str], sort_by: str, out_path: Path):
    """Accuracies per run as bars (left) and the objective against training time (right)."""
    labels = [" ".join(f"{key.split('.')[-1]}={row[key]}" for key in label_keys) or row["run"] for row in rows]
    accuracy_keys = [key for key in rows[0] if key == sort_by or key.endswith("/acc")]
    figure, (bars, tradeoff) = plt.subplots(1, 2, figsize=(13, 1.5 + 0.3 * len(rows) * len(accuracy_keys)))
    height = 0.8 / len(accuracy_keys)
    for offset, key in enumerate(accuracy_keys):
        bars.barh([i + offset * height for i in range(len(rows))], [number(row[key]) for row in rows],
                  height=height, label=key)
    bars.set_yticks([i + (len(accuracy_keys) - 1) * height / 2 for i in range(len(rows))], labels, fontsize=8)
    bars.invert_yaxis()
    bars.set_xlim(0, 1)
    bars.set_xlabel("accuracy")
    bars.legend(fontsize=8, loc="lower center", bbox_to_anchor=(0.5, 1.0), ncol=len(accuracy_keys), frameon=False)
    if "train_time_s" in rows[0]:
        times = [number(row["train_time_s"]) for row in rows]
        scores = [number(row[sort_by]) for row in rows]
        tradeoff.scatter(times, scores)
        for label, time_s, score in zip(labels, times, scores):
            tradeoff.annotate(label, (time_s, score), fontsize=7, xytext=(3, 3), textcoords="offset points")
        tradeoff.set_xlabel("training time (s)")
        tradeoff.set_ylabel(sort_by)
    else:
        tradeoff.axis("off")
    figure.tight_layout()
    figure.savefig(out_path, dpi=100)
    plt.close(figure)


def compare(dirs: list[Path], out_dir: Path | None = None, sort_by: str | None = None,
            patterns: list[str] = DEFAULT_METRICS) -> Path:
    """Tabulate the runs below `dirs`; returns the Markdown file written (CSV and PNG beside it)."""
    runs = find_runs(dirs)
    sort_by = sort_by or runs[0]["objective"]
    if not any(sort_by in run["metrics"] for run in runs):
        found = sorted({key for run in runs for key in run["metrics"]})
        raise LprError(f"{dirs[0]}: no run has {sort_by} in its metrics.json (a run stopped before it validated?); "
                       f"--sort one of: {', '.join(found) or 'none'}")
    out_dir = out_dir or dirs[0]
    overrides = differing_overrides(runs)
    rows = table_rows(runs, overrides + metric_columns(runs, [sort_by, *patterns]), sort_by, dirs[0])
    table = markdown(rows)
    print(table, end="")
    out_dir.mkdir(parents=True, exist_ok=True)
    write_text_atomic(out_dir / "compare.md", table)
    with atomic_open(out_dir / "compare.csv", newline="") as file:
        writer = csv.DictWriter(file, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    plot(rows, overrides, sort_by, out_dir / "compare.png")
    print(f"\n{len(rows)} runs; wrote {out_dir / 'compare.md'}, compare.csv, compare.png")
    return out_dir / "compare.md"


@exit_on_lpr_error
def main(argv: list[str] | None = None):
    parser = argparse.ArgumentParser(prog="python -m lpr.compare", description=__doc__.split("\n")[0])
    parser.add_argument("dirs", nargs="+", type=Path, help="folders holding runs (a multirun, logs/train, ...)")
    parser.add_argument("--out", type=Path, help="where to write compare.md/.csv/.png (default: the first DIR)")
    parser.add_argument("--sort", help="metric to sort by, best (highest) first (default: the runs' objective)")
    parser.add_argument("--metrics", nargs="+", default=DEFAULT_METRICS,
                        help="metric keys or glob patterns to show (default: %(default)s)")
    args = parser.parse_args(argv)
    compare(args.dirs, args.out, args.sort, args.metrics)

