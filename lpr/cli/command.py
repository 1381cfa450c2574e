"""How every entry point starts: Hydra's main over the repository's configs/, with lpr's one-line errors."""
import functools
import inspect
import os
from collections.abc import Callable

import hydra
from hydra.errors import HydraException, OverrideParseException
from omegaconf.errors import OmegaConfBaseException

from lpr.core.config import CONFIG_DIR
from lpr.core.errors import LprError, as_lpr_error, exit_on_lpr_error, fail


QUOTING = " (a value with non-ASCII letters, brackets or parentheses is quoted: \"key='/my photos/é (1).jpg'\")"


def quoted(value: str) -> str:
    """A value as Hydra's override grammar reads it verbatim, whatever its characters (a path)."""
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


def hydra_problem(error: BaseException) -> LprError:
    """Hydra's refusal of a command line (an unknown key or group, a bad override) in its own words, on one line."""
    text = " ".join(str(error).split())
    cause = error.__cause__
    if isinstance(cause, OmegaConfBaseException):
        text += f" ({str(cause).splitlines()[0]})"
    if isinstance(error, OverrideParseException):
        text += QUOTING
    return LprError(f"config: {text}")


def command(task, config_name: str, argv_hook: Callable[[list[str]], list[str]] | None = None):
    """`python -m lpr.<name>` for a task that takes the composed config: the user's problem is one `error:` line and
    exit code 2, in the task or before it (Hydra refusing an override, a run folder that cannot be made). The task's
    return value goes back to Hydra (a sweeper's objective). `argv_hook` may rewrite the overrides before Hydra
    reads them."""

    @functools.wraps(task)
    def run(cfg):
        return exit_on_lpr_error(task)(cfg)

    hydra_main = hydra.main(version_base="1.3", config_path=str(CONFIG_DIR), config_name=config_name)(run)

    def main():
        import sys

        if {"--help", "-h"} & set(sys.argv[1:]):  # the command's forms first, then Hydra's config and flags
            print(inspect.getdoc(sys.modules[task.__module__]), end="\n\n")
        if argv_hook is not None:
            sys.argv[1:] = argv_hook(sys.argv[1:])
        os.environ["HYDRA_FULL_ERROR"] = "1"  # Hydra raises instead of printing a trimmed traceback: lpr reports
        try:
            return hydra_main()
        except KeyboardInterrupt:  # a training stops in its own way (lpr.cli.train.stopped); any other verb here
            print("stopped by Ctrl-C: this run's outputs are not written", file=sys.stderr)
            raise SystemExit(130) from None
        except (HydraException, OmegaConfBaseException) as error:
            fail(hydra_problem(error))
        except (OSError, ModuleNotFoundError) as error:
            problem = as_lpr_error(error)
            if problem is None:
                raise
            fail(problem)

    return main
