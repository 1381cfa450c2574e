"""experiments/results_md.py: how experiments scripts add their figures to a section of RESULTS.md."""
import importlib.util

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
