"""The package is layered by stage (core < vision < data | models < training < reading < cli): import-linter's
contract in pyproject.toml ([tool.importlinter]) holds, a broken contract is reported, and `python -m lpr.<name>`
runs the command of lpr.cli."""
import importlib
import subprocess
import sys

import pytest

from tests.conftest import REPO

LINT_IMPORTS = "import sys; from importlinter.cli import lint_imports_command; sys.exit(lint_imports_command())"


def lint_imports(*args: str) -> subprocess.CompletedProcess:
    """import-linter's `lint-imports` command with this interpreter, from the repository root, without its cache."""
    return subprocess.run([sys.executable, "-c", LINT_IMPORTS, "--no-cache", "--no-logo", *args], cwd=REPO,
                          capture_output=True, text=True, timeout=300)


def test_the_layers_contract_of_pyproject_is_kept():
    done = lint_imports()
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-2000:]
    assert "Contracts: 1 kept, 0 broken." in done.stdout, done.stdout[-4000:]


def test_a_broken_layers_contract_fails(tmp_path):
    """The same check with the stages turned upside down must fail: the test above can catch a broken layer."""
    config = tmp_path / "upside_down.toml"
    config.write_text('[tool.importlinter]\nroot_package = "lpr"\n\n[[tool.importlinter.contracts]]\n'
                      'name = "upside down"\ntype = "layers"\nlayers = ["lpr.core", "lpr.cli"]\n')
    done = lint_imports(str(config))
    assert done.returncode == 1, done.stdout[-4000:] + done.stderr[-2000:]
    assert "BROKEN" in done.stdout and "lpr.cli" in done.stdout


@pytest.mark.parametrize("name", ["train", "eval", "read", "export", "bench", "compare", "val", "detect"])
def test_python_m_lpr_name_runs_the_command_of_lpr_cli(name):
    """`python -m lpr.<name>` keeps working: lpr/<name>.py is a shim over lpr/cli/<name>.py."""
    shim, command = importlib.import_module(f"lpr.{name}"), importlib.import_module(f"lpr.cli.{name}")
    assert shim.main is command.main
