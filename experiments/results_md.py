"""How experiments scripts record figures in RESULTS.md: only scripts under experiments/ write it."""
import argparse
import os
import platform
import re
import subprocess
import sys
import time
from pathlib import Path


# Every script appends its tables under this one heading, at the end; the tables of record at the top are kept by hand.
RUNS_HEADING = "## Benchmark runs"


def write_results_section(results_md: Path, heading: str, body: str, append: bool = False) -> None:
    """Replace one `## heading` section of RESULTS.md with `body` (or, with append, add `body` at its end),
    creating it if missing; every other section stays as it is."""
    text = results_md.read_text() if results_md.exists() else "# Results\n"
    section = re.compile(rf"^{re.escape(heading)}\n(.*?)(?=^## |\Z)", re.S | re.M).search(text)
    if section is None:
        text = f"{text.rstrip()}\n\n{heading}\n\n{body.strip()}\n"
    else:
        kept = section.group(1).strip() + "\n\n" if append and section.group(1).strip() else ""
        rest = text[section.end():]
        text = f"{text[:section.start()]}{heading}\n\n{kept}{body.strip()}\n" + (f"\n{rest}" if rest else "")
    results_md.write_text(text)


def append_run(results_md: Path, detail: str, lines: list[str]) -> None:
    """Add this script's run at the end of the benchmark runs: a dated heading, its exact command, machine and commit,
    `detail`, then `lines` (its table)."""
    script = Path(sys.argv[0]).name
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True,
                            cwd=Path(__file__).parent).stdout.strip()
    body = "\n".join([f"### {time.strftime('%Y-%m-%d %H:%M')} `experiments/{script}`", "",
                      f"Command: `.venv/bin/python experiments/{script} {' '.join(sys.argv[1:])}` "
                      f"({platform.machine()}, {len(os.sched_getaffinity(0))} cores, commit `{commit}`). {detail}", "",
                      *lines])
    write_results_section(results_md, RUNS_HEADING, body, append=True)


def output_arguments(parser: argparse.ArgumentParser, name: str) -> None:
    """--out (default logs/bench/NAME under the project), --results (RESULTS.md) and --no-results (results None)."""
    project = Path(__file__).resolve().parents[1]
    parser.add_argument("--out", type=Path, default=project / "logs" / "bench" / name)
    parser.add_argument("--results", type=Path, default=Path(__file__).parent / "RESULTS.md")
    parser.add_argument("--no-results", dest="results", action="store_const", const=None)
