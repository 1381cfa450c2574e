"""User-facing errors: one clear line and a non-zero exit instead of a traceback."""
import functools
import logging
import sys

from omegaconf.errors import MissingMandatoryValue
from pydantic import ValidationError

log = logging.getLogger("lpr")


class LprError(Exception):
    """A problem with the user's input (file, folder, config value) that they can fix."""


def config_error(error: ValidationError, target: str) -> LprError:
    """A pydantic refusal of a config value (the first one) as one line naming the value, its owner and the rule."""
    first = error.errors()[0]
    where = ".".join(str(part) for part in first["loc"])
    if not where:  # a check of the whole object, not of one value
        return LprError(f"config for {target}: {first['msg']}")
    return LprError(f"config value `{where}` for {target}: {first['msg']} (got {first['input']!r})")


def exit_on_lpr_error(main):
    """Turn an LprError raised anywhere below an entry point into `error: ...` and exit code 2.

    So is a pydantic ValidationError: objects built outside `lpr.core.config.instantiate` (a partial called at `setup`)
    check their arguments with `validate_call` too. A config value left `???` names itself.
    """

    @functools.wraps(main)
    def wrapper(*args, **kwargs):
        try:
            return main(*args, **kwargs)
        except (LprError, ValidationError, MissingMandatoryValue) as error:
            if isinstance(error, ValidationError):
                error = config_error(error, error.title.removesuffix(".__init__"))
            elif isinstance(error, MissingMandatoryValue):
                error = LprError(f"{error.full_key}: no value given (add {error.full_key}=... to the command)")
            print(f"error: {error}", file=sys.stderr)
            sys.exit(2)

    return wrapper
