"""User-facing errors: one clear line and a non-zero exit instead of a traceback."""
import errno
import functools
import logging
import re
import sys

from omegaconf.errors import InterpolationToMissingValueError, MissingMandatoryValue
from pydantic import ValidationError

log = logging.getLogger("lpr")

EXIT_CODE = 2  # what every lpr entry point exits with on bad input, as argparse does
# What `pip install lpr` leaves out, by the extra that brings it: the base install reads plates with onnxruntime;
# training, evaluation and export need these.
EXTRAS = {"torch": "train", "torchvision": "train", "lightning": "train", "torchmetrics": "train",
          "albumentations": "train", "tensorboard": "train", "pycocotools": "train", "rich": "train", "onnx": "export",
          "onnx2torch": "train", "rapidocr": "ppocr"}


class LprError(Exception):
    """A problem with the user's input (file, folder, config value) that they can fix."""


def config_error(error: ValidationError, target: str) -> LprError:
    """A pydantic refusal of a config value (the first one) as one line naming the value, its owner and the rule."""
    first = error.errors()[0]
    where = ".".join(str(part) for part in first["loc"])
    if not where:  # a check of the whole object, not of one value
        return LprError(f"config for {target}: {first['msg']}")
    return LprError(f"config value `{where}` for {target}: {first['msg']} (got {first['input']!r})")


def missing_value(key: str) -> LprError:
    """A config value the command needs and nobody gave (`???`)."""
    return LprError(f"{key}: no value given (add {key}=... to the command)")


def as_lpr_error(error: BaseException) -> LprError | None:
    """The user's problem an exception reports, as an LprError; None for an exception that is lpr's own bug.

    A file the system refuses (an output folder that cannot be written, a path beneath a file, a full disk) is the
    user's to fix wherever it happens, so an OSError naming a file is one line too; so is a package of an extra the
    install left out."""
    if isinstance(error, LprError):
        return error
    if isinstance(error, ValidationError):
        return config_error(error, error.title.removesuffix(".__init__"))
    if isinstance(error, (MissingMandatoryValue, InterpolationToMissingValueError)):  # the latter names it in its
        # message only
        named = re.search(r"Missing mandatory value: (\S+)", str(error))
        return missing_value(named.group(1) if named else error.full_key)
    if isinstance(error, ModuleNotFoundError) and (error.name or "").split(".")[0] in EXTRAS:
        extra = EXTRAS[error.name.split(".")[0]]
        return LprError(f"this needs {error.name.split('.')[0]}, which the base install leaves out: pip install "
                        f"'lpr[{extra}]' (in a checkout: pip install -e '.[{extra}]')")
    if isinstance(error, FileExistsError):  # lpr makes its folders with exist_ok: something else is in the way
        return LprError(f"{error.filename}: exists and is not a folder")
    if isinstance(error, OSError) and error.filename is not None:
        return LprError(f"{error.filename}: {error.strerror or error}")
    if isinstance(error, OSError) and error.errno in (errno.ENOSPC, errno.EDQUOT):  # a write that names no file
        return LprError(f"the run folder's files: {error.strerror}")
    return None


def fail(error: LprError):
    print(f"error: {error}", file=sys.stderr)
    sys.exit(EXIT_CODE)


def exit_on_lpr_error(main):
    """Turn the user's problem raised anywhere below an entry point (`as_lpr_error`) into `error: ...` and exit 2.

    So is a pydantic ValidationError: objects built outside `lpr.core.config.instantiate` (a partial called at `setup`)
    check their arguments with `validate_call` too. A config value left `???` names itself.
    """

    @functools.wraps(main)
    def wrapper(*args, **kwargs):
        try:
            return main(*args, **kwargs)
        except (LprError, ValidationError, MissingMandatoryValue, InterpolationToMissingValueError, OSError,
                ModuleNotFoundError) as error:
            problem = as_lpr_error(error)
            if problem is None:
                raise
            fail(problem)

    return wrapper
