"""User-facing errors: one clear line and a non-zero exit instead of a traceback."""
import functools
import logging
import sys

log = logging.getLogger("lpr")


class LprError(Exception):
    """A problem with the user's input (file, folder, config value) that they can fix."""


def exit_on_lpr_error(main):
    """Turn an LprError raised anywhere below an entry point into `error: ...` and exit code 2."""

    @functools.wraps(main)
    def wrapper(*args, **kwargs):
        try:
            return main(*args, **kwargs)
        except LprError as error:
            print(f"error: {error}", file=sys.stderr)
            sys.exit(2)

    return wrapper
