"""Building objects from Hydra config, with errors a user can act on."""
import hydra
from hydra.errors import InstantiationException
from omegaconf import DictConfig

from lpr.errors import LprError


def instantiate(node: DictConfig, **kwargs):
    """hydra.utils.instantiate, but a bad value surfaces as one LprError line instead of a chained traceback."""
    try:
        return hydra.utils.instantiate(node, **kwargs)
    except InstantiationException as error:
        cause = error.__cause__
        while isinstance(cause, InstantiationException) and cause.__cause__ is not None:
            cause = cause.__cause__
        if isinstance(cause, LprError):
            raise cause from None
        target = node.get("_target_", "?") if isinstance(node, DictConfig) else "?"
        detail = str(cause or error).splitlines()[-1]
        raise LprError(f"config for {target}: {detail}") from None


def instantiate_group(group: DictConfig | None) -> list:
    """Every `_target_` entry of a group such as callbacks/ or logger/, in order."""
    if not group:
        return []
    return [instantiate(node) for node in group.values() if isinstance(node, DictConfig) and "_target_" in node]
