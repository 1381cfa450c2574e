"""experiments/results_md.py: how experiments scripts add their figures to a section of RESULTS.md, and how README.md's
results are written from its figures of record."""
import importlib.util
import re

from tests.conftest import REPO

HEADING = "## Deployment: ONNX and speed"


def results_md_module():
    spec = importlib.util.spec_from_file_location("results_md", REPO / "experiments" / "results_md.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_results_are_appended_inside_their_own_section(tmp_path):
    write_results_section = results_md_module().write_results_section
    results_md = tmp_path / "RESULTS.md"
    write_results_section(results_md, HEADING, "first\n", append=True)
    results_md.write_text(results_md.read_text() + "\n## Later section\n\nkept\n")
    write_results_section(results_md, HEADING, "second\n", append=True)
    text = results_md.read_text()
    assert text.count(HEADING) == 1
    assert text.index("first") < text.index("second") < text.index("## Later section") < text.index("kept")


def test_a_section_is_replaced_without_append(tmp_path):
    write_results_section = results_md_module().write_results_section
    results_md = tmp_path / "RESULTS.md"
    results_md.write_text(f"# Results\n\n## Before\n\nkept\n\n{HEADING}\n\nold\n\n## After\n\nalso kept\n")
    write_results_section(results_md, HEADING, "new\n")
    text = results_md.read_text()
    assert "old" not in text and text.count(HEADING) == 1
    assert text.index("kept") < text.index("new") < text.index("## After") < text.index("also kept")


def test_scripts_append_their_runs_under_one_heading(tmp_path):
    module = results_md_module()
    assert module.RUNS_HEADING.startswith("## ")
    results_md = tmp_path / "RESULTS.md"
    results_md.write_text("# Results\n\n## Figures of record\n\nby hand\n")
    for run in ("run one", "run two"):
        module.write_results_section(results_md, module.RUNS_HEADING, run, append=True)
    text = results_md.read_text()
    assert text.index("by hand") < text.index(module.RUNS_HEADING) < text.index("run one") < text.index("run two")


def test_a_run_names_its_command_machine_and_commit(tmp_path, monkeypatch):
    module = results_md_module()
    monkeypatch.setattr("sys.argv", ["experiments/speed.py", "--threads", "2"])
    results_md = tmp_path / "RESULTS.md"
    module.append_run(results_md, "Held-out photos.", ["| a |", "|---|"])
    text = results_md.read_text()
    commit = module.subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True,
                                   cwd=REPO).stdout.strip()
    assert "`experiments/speed.py`" in text and "experiments/speed.py --threads 2`" in text
    assert f"commit `{commit}`" in text and text.index("Held-out photos.") < text.index("| a |")


LEDGER = """# Results

## Figures of record

| what | figure | exact command | machine | commit | README |
|---|---|---|---|---|---|
| speed | 120 plates/s | `python bench.py --threads 2` | 2-core CPU | `abc1234` | `bench.py` |
| a check of one run | 0 errors | `python check.py` | 2-core CPU | `abc1234` | |
| accuracy | 91.0 % | `python acc.py --subset holdout` | 2-core CPU | `def5678` | `acc.py` |
| a row without the column | 3 s | `python old.py` | 2-core CPU | `0123456` |

## Ledger of levers tried

| lever | figure | README |
|---|---|---|
| not a figure of record | 1 | `lever.py` |
"""


def test_the_readme_gets_one_table_of_the_ledger_rows_marked_for_it(tmp_path):
    module = results_md_module()
    (tmp_path / "RESULTS.md").write_text(LEDGER)
    readme = tmp_path / "README.md"
    readme.write_text("# lpr\n\n## Results\n\nold figures\n\n## After\n\nkept\n")
    module.write_readme(readme, tmp_path / "RESULTS.md")
    table = ["| what | figure | command |", "|---|---|---|", "| speed | 120 plates/s | `bench.py` |",
             "| accuracy | 91.0 % | `acc.py` |"]
    assert readme.read_text() == ("# lpr\n\n## Results\n\n" + module.README_INTRO + "\n\n" + "\n".join(table)
                                  + "\n\n## After\n\nkept\n")


def test_the_readmes_results_are_what_the_ledger_writes(tmp_path):
    """README.md's results are RESULTS.md's marked rows, as they are: after editing the ledger, run
    `python experiments/results_md.py --readme`."""
    module = results_md_module()
    readme = (REPO / "README.md").read_text()
    written = tmp_path / "README.md"
    written.write_text(readme)
    module.write_readme(written, REPO / "experiments" / "RESULTS.md")
    assert written.read_text() == readme, "README.md's Results differ: python experiments/results_md.py --readme"
    results = readme.split(f"\n{module.README_HEADING}\n")[1]
    assert len(module.readme_rows(REPO / "experiments" / "RESULTS.md")) > 10
    assert not re.search(r"\b(before|earlier|formerly|no longer|today|more draws|row above|rows below)\b", results)
