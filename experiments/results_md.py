"""How experiments scripts record figures in RESULTS.md: only scripts under experiments/ write it. README.md's
results are written from RESULTS.md's figures of record: `python experiments/results_md.py --readme`."""
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
# The ledger: one table, a row a figure; a row whose README cell holds a command is a row of README.md's results.
LEDGER_HEADING = "## Figures of record"
README_HEADING = "## Results"
README_INTRO = ("On a 2-core x86_64 CPU unless a row names a GPU. `experiments/RESULTS.md` gives every figure with its "
                "exact command, machine and commit; this table is written from it "
                "(`python experiments/results_md.py --readme`).")
PROJECT = Path(__file__).resolve().parents[1]


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


def table_cells(line: str) -> list[str]:
    """The cells of one Markdown table row (`\\|` is a pipe inside a cell)."""
    return [cell.strip() for cell in re.split(r"(?<!\\)\|", line.strip().removeprefix("|").removesuffix("|"))]


def readme_rows(results_md: Path) -> list[tuple[str, str, str]]:
    """(what, figure, command) of each row of the ledger whose README cell holds a command, in the ledger's order."""
    section = re.search(rf"^{re.escape(LEDGER_HEADING)}\n(.*?)(?=^## |\Z)", results_md.read_text(), re.S | re.M)
    if section is None:
        raise ValueError(f"{results_md}: no `{LEDGER_HEADING}` section")
    header, _, *rows = [line for line in section.group(1).splitlines() if line.startswith("|")]
    columns = table_cells(header)
    what, figure, readme = (columns.index(name) for name in ("what", "figure", "README"))
    shown = []
    for row in rows:
        cells = table_cells(row)
        if len(cells) > readme and cells[readme]:
            shown.append((cells[what], cells[figure], cells[readme]))
    return shown


def readme_results(results_md: Path) -> str:
    """README.md's results section: one table, what | figure | command, of the ledger's rows marked for it."""
    lines = [README_INTRO, "", "| what | figure | command |", "|---|---|---|"]
    lines += [f"| {what} | {figure} | {command} |" for what, figure, command in readme_rows(results_md)]
    return "\n".join(lines) + "\n"


def write_readme(readme: Path, results_md: Path) -> None:
    """Write README.md's `## Results` section from RESULTS.md's figures of record; the rest of README stays."""
    write_results_section(readme, README_HEADING, readme_results(results_md))


def output_arguments(parser: argparse.ArgumentParser, name: str) -> None:
    """--out (default logs/bench/NAME under the project), --results (RESULTS.md) and --no-results (results None)."""
    project = Path(__file__).resolve().parents[1]
    parser.add_argument("--out", type=Path, default=project / "logs" / "bench" / name)
    parser.add_argument("--results", type=Path, default=Path(__file__).parent / "RESULTS.md")
    parser.add_argument("--no-results", dest="results", action="store_const", const=None)


def main():
    parser = argparse.ArgumentParser(description="Write README.md's results from RESULTS.md's figures of record.")
    parser.add_argument("--readme", nargs="?", type=Path, const=PROJECT / "README.md", required=True,
                        help="the README to write (default README.md)")
    parser.add_argument("--results", type=Path, default=Path(__file__).parent / "RESULTS.md")
    args = parser.parse_args()
    write_readme(args.readme, args.results)
    print(f"{args.readme}: {README_HEADING} written from {args.results}")


if __name__ == "__main__":
    main()
