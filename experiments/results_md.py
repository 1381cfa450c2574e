"""How experiments scripts record figures in RESULTS.md: only scripts under experiments/ write it."""
import re
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
