"""How every entry point starts: Hydra's main over the repository's configs/, with lpr's one-line errors."""
from pathlib import Path

import hydra

from lpr.core.errors import exit_on_lpr_error

CONFIG_DIR = Path(__file__).resolve().parents[2] / "configs"


def command(task, config_name: str):
    """`python -m lpr.<name>` for a task that takes the composed config: an LprError is one `error:` line and exit
    code 2. The task's return value goes back to Hydra (a sweeper's objective)."""
    return hydra.main(version_base="1.3", config_path=str(CONFIG_DIR), config_name=config_name)(exit_on_lpr_error(task))
