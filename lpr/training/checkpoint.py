"""Checkpoints that a crash never leaves half-written, and loading them back, by kind, with clear errors."""
import functools
import os
from pathlib import Path

import torch
from lightning.fabric.plugins.io.torch_io import TorchCheckpointIO
from lightning.pytorch import LightningModule

from lpr.core.errors import LprError


class AtomicCheckpointIO(TorchCheckpointIO):
    """Write each checkpoint to a temporary file beside it, then rename: the old file or the new, never half."""

    def save_checkpoint(self, checkpoint, path, storage_options=None):
        path = Path(path)
        partial = path.with_name(path.name + ".partial")
        super().save_checkpoint(checkpoint, partial, storage_options)
        os.replace(partial, path)


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


KINDS = {"classifier": "character classifier", "crnn": "whole-plate (crnn) recognizer", "detector": "plate detector",
         "text_detector": "plate text detector (PP-OCR's, fine-tuned)"}


def checkpoint_kind(ckpt_path: str | Path) -> str:
    """What an lpr checkpoint holds: `classifier` (a character classifier), `crnn` (a whole-plate recognizer) or
    `detector` (a plate detector)."""
    hyper_parameters = load_checkpoint(ckpt_path).get("hyper_parameters", {})
    if "net" not in hyper_parameters:
        raise LprError(f"{ckpt_path}: not an lpr checkpoint (no model hyperparameters)")
    kind = hyper_parameters.get("engine", "classifier")
    if kind not in KINDS:
        raise LprError(f"{ckpt_path}: a `{kind}` checkpoint; lpr loads {' or '.join(KINDS.values())} ones")
    return kind


def load_trained(ckpt_path: str | Path, kind: str | None = None) -> LightningModule:
    """The LightningModule an lpr checkpoint holds, in eval mode on the CPU; `kind` refuses any other kind."""
    from lpr.training.char_module import CharClassifier
    from lpr.training.detect_module import PlateDetector
    from lpr.training.plate_module import PlateRecognizer
    from lpr.training.text_map_module import PlateTextDetector

    found = checkpoint_kind(ckpt_path)
    if kind is not None and found != kind:
        raise LprError(f"{ckpt_path}: a {KINDS[found]} checkpoint, not a {KINDS[kind]}"
                       + (" (read plates with it: python -m lpr.read)" if found == "crnn" else ""))
    checkpoint = load_checkpoint(ckpt_path)
    module = {"classifier": CharClassifier, "crnn": PlateRecognizer, "detector": PlateDetector,
              "text_detector": PlateTextDetector}[found]
    try:
        model = module(**checkpoint["hyper_parameters"])
    except TypeError as error:
        raise LprError(f"{ckpt_path}: its hyperparameters do not describe a {module.__name__} ({error})") from None
    return load_weights(model, checkpoint, ckpt_path).eval()


def load_weights(model: torch.nn.Module, checkpoint: dict, ckpt_path: str | Path) -> torch.nn.Module:
    """model with the checkpoint's weights; weights of another architecture raise LprError naming the file."""
    if "state_dict" not in checkpoint:
        raise LprError(f"{ckpt_path}: holds no weights (state_dict)")
    try:
        model.load_state_dict(checkpoint["state_dict"])
    except RuntimeError as error:
        raise LprError(f"{ckpt_path}: weights do not fit the model ({str(error).splitlines()[0]})") from None
    return model
