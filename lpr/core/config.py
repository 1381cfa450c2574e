"""Config validation and building objects from Hydra config, with errors a user can act on.

Every class that takes config declares its bounds with pydantic (a pydantic dataclass, or `validate_call` on
`__init__`); a refused value surfaces as one line naming it."""
import os
import re
from pathlib import Path
from typing import Annotated

import hydra
from hydra.errors import InstantiationException
from omegaconf import DictConfig, OmegaConf
from pydantic import AfterValidator, PositiveFloat, ValidationError

from lpr.core.errors import LprError, config_error

PACKAGE_DIR = Path(__file__).resolve().parents[1]
CONFIG_DIR = PACKAGE_DIR / "configs"
"""Hydra's configs: in a source checkout a link to its configs/, in an installed lpr a copy inside the package."""
PROJECT_DIR = PACKAGE_DIR.parent if (PACKAGE_DIR.parent / "pyproject.toml").is_file() else Path.cwd()
"""Where data/ and logs/ go, wherever a command runs: the source checkout lpr runs from; for an installed lpr, the
folder the command runs in."""
OmegaConf.register_new_resolver("lpr.project_dir", lambda: str(PROJECT_DIR), replace=True)


def ascending(bounds: tuple[float, float]) -> tuple[float, float]:
    """A [low, high] range must not run backwards."""
    if bounds[0] > bounds[1]:
        raise ValueError("must be [low, high] with low <= high")
    return bounds


PositiveRange = Annotated[tuple[PositiveFloat, PositiveFloat], AfterValidator(ascending)]
"""A config value [low, high] of positive numbers, such as a scale range, for `validate_call` signatures."""


def instantiate(node: DictConfig, **kwargs):
    """hydra.utils.instantiate, but a bad value surfaces as one LprError line instead of a chained traceback."""
    try:
        return hydra.utils.instantiate(node, **kwargs)
    except InstantiationException as error:
        cause, target = error, node.get("_target_", "?")
        while isinstance(cause, InstantiationException):  # nested targets wrap each other: find the innermost
            named = re.search(r"target '([^']+)'", str(cause))
            target = named.group(1) if named else target
            if cause.__cause__ is None:
                break
            cause = cause.__cause__
        if isinstance(cause, LprError):
            raise cause from None
        if isinstance(cause, ValidationError):
            raise config_error(cause, target) from None
        detail = str(cause).splitlines()[-1]
        raise LprError(f"config for {target}: {detail}") from None


def instantiate_group(group: DictConfig | None) -> list:
    """Every `_target_` entry of a group such as callbacks/ or logger/, in order."""
    if not group:
        return []
    return [instantiate(node) for node in group.values() if isinstance(node, DictConfig) and "_target_" in node]


def shared_data_dir() -> Path:
    """The shared development data where configs/paths/default.yaml finds it, for the scripts outside Hydra."""
    root = Path(os.environ.get("LPR_ROOT", PROJECT_DIR))
    return Path(os.environ.get("LPR_SHARED_DATA", root / ".." / "shared" / "data"))


def compose_config(name: str, overrides: list[str] = ()) -> DictConfig:
    """configs/NAME.yaml composed as its command would have it, outside any Hydra app (`Reader()` in a user's
    script); a Hydra app the caller runs in keeps its own state."""
    from hydra import compose, initialize_config_dir
    from hydra.core.global_hydra import GlobalHydra

    running = GlobalHydra.instance().hydra if GlobalHydra.instance().is_initialized() else None
    GlobalHydra.instance().clear()
    try:
        with initialize_config_dir(config_dir=str(CONFIG_DIR), version_base="1.3"):
            return compose(name, overrides=list(overrides))
    finally:
        GlobalHydra.instance().clear()
        if running is not None:
            GlobalHydra.instance().initialize(running)
