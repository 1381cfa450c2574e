"""How every entry point starts: Hydra's main over the repository's configs/, with lpr's one-line errors."""
import functools
from pathlib import Path

import hydra

from lpr.core.errors import exit_on_lpr_error

CONFIG_DIR = Path(__file__).resolve().parents[2] / "configs"


def command(task, config_name: str):
    """`python -m lpr.<name>` for a task that takes the composed config: an LprError is one `error:` line and exit
    code 2. The task's return value goes back to Hydra (a sweeper's objective). Hydra reports a config it cannot
    compose (an unknown key or group) in its own words and exits 1 before the task starts: that exit is lpr's 2."""
    started = []

    @functools.wraps(task)
    def run(cfg):
        started.append(True)
        return exit_on_lpr_error(task)(cfg)

    hydra_main = hydra.main(version_base="1.3", config_path=str(CONFIG_DIR), config_name=config_name)(run)

    def main():
        try:
            return hydra_main()
        except SystemExit as stop:
            if stop.code == 1 and not started:
                raise SystemExit(2) from None
            raise

    return main
