"""lpr checkpoints read back with torch alone: the file (once a version), its kind, and the trained net with its
weights. Reading (lpr.reading) loads checkpoints through this, never through Lightning or lpr.training: a checkpoint
holds its net (hyperparameter `net`) and the net's weights (`net.` in its state_dict)."""
import copy
import functools
from pathlib import Path

import torch
from torch import nn

from lpr.core.errors import LprError

KINDS = {"classifier": "character classifier", "crnn": "whole-plate (crnn) recognizer", "detector": "plate detector",
         "text_detector": "plate text detector (PP-OCR's, fine-tuned)"}


def load_checkpoint(ckpt_path: str | Path) -> dict:
    """The raw checkpoint dict (read-only: reading asks for it several times, so one version of a file is read from
    disk once); a run dir stands for its checkpoints/best.ckpt. A missing or corrupt file raises LprError naming it."""
    path = Path(ckpt_path)
    if path.is_dir() and (path / "checkpoints" / "best.ckpt").is_file():
        path = path / "checkpoints" / "best.ckpt"
    if not path.is_file():
        raise LprError(f"{path}: checkpoint not found")
    stat = path.stat()
    try:
        return load_checkpoint_version(path.resolve(), stat.st_ino, stat.st_mtime_ns, stat.st_size)
    except Exception as error:  # torch raises many types for a damaged file
        raise LprError(f"{path}: not a readable checkpoint ({type(error).__name__}: {error})") from None


@functools.lru_cache(maxsize=8)  # every checkpoint of an ensemble (lpr.read ckpt_path=[...]) stays read once
def load_checkpoint_version(path: Path, inode: int, mtime_ns: int, size: int) -> dict:
    # lpr checkpoints hold the net's class in their hyperparameters, so they are not weights-only.
    return torch.load(path, map_location="cpu", weights_only=False)


def checkpoint_kind(ckpt_path: str | Path, kind: str | None = None) -> str:
    """What an lpr checkpoint holds (a key of KINDS); `kind` refuses any other."""
    hyper_parameters = load_checkpoint(ckpt_path).get("hyper_parameters", {})
    if "net" not in hyper_parameters:
        raise LprError(f"{ckpt_path}: not an lpr checkpoint (no model hyperparameters)")
    found = hyper_parameters.get("engine", "classifier")
    if found not in KINDS:
        raise LprError(f"{ckpt_path}: a `{found}` checkpoint; lpr loads {' or '.join(KINDS.values())} ones")
    if kind is not None and found != kind:
        raise LprError(f"{ckpt_path}: a {KINDS[found]} checkpoint, not a {KINDS[kind]}"
                       + (" (read plates with it: python -m lpr.read)" if found == "crnn" else ""))
    return found


def load_weights(model: nn.Module, checkpoint: dict, ckpt_path: str | Path, prefix: str = "") -> nn.Module:
    """model with the checkpoint's weights (those under `prefix`, the prefix dropped); weights of another
    architecture raise LprError naming the file."""
    if "state_dict" not in checkpoint:
        raise LprError(f"{ckpt_path}: holds no weights (state_dict)")
    weights = {key[len(prefix):]: value for key, value in checkpoint["state_dict"].items() if key.startswith(prefix)}
    try:
        model.load_state_dict(weights)
    except RuntimeError as error:
        raise LprError(f"{ckpt_path}: weights do not fit the model ({str(error).splitlines()[0]})") from None
    return model


def trained_net(ckpt_path: str | Path, kind: str | None = None) -> tuple[nn.Module, dict]:
    """The net an lpr checkpoint trained, with its weights, in eval mode on the CPU, and the checkpoint's
    hyperparameters (its engine, decoding settings); `kind` refuses any other kind."""
    checkpoint_kind(ckpt_path, kind)
    checkpoint = load_checkpoint(ckpt_path)
    hyper_parameters = checkpoint["hyper_parameters"]
    net = copy.deepcopy(hyper_parameters["net"])  # the cached checkpoint's own net stays as it was read
    return load_weights(net, checkpoint, ckpt_path, prefix="net.").eval(), hyper_parameters
