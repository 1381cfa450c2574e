"""Checkpoints that a crash never leaves half-written, and loading them back with clear errors."""
import functools
import os
import random
from pathlib import Path

import numpy as np
import torch
from lightning.fabric.plugins.io.torch_io import TorchCheckpointIO
from lightning.pytorch import Callback, LightningModule, Trainer

from lpr.errors import LprError


class AtomicCheckpointIO(TorchCheckpointIO):
    """Write each checkpoint to a temporary file beside it, then rename: the old file or the new, never half."""

    def save_checkpoint(self, checkpoint, path, storage_options=None):
        path = Path(path)
        partial = path.with_name(path.name + ".partial")
        super().save_checkpoint(checkpoint, partial, storage_options)
        os.replace(partial, path)


class RandomState(Callback):
    """Keep every random generator's state in each checkpoint and restore it on resume, so that a resumed run
    draws the same shuffles, dropout masks and augmentations as the uninterrupted run would have."""

    def setup(self, trainer: Trainer, pl_module: LightningModule, stage: str):
        self.trainer = trainer

    def augmentations(self) -> list:
        """The albumentations transforms of the training data: each keeps generators of its own."""
        datamodule = getattr(self.trainer, "datamodule", None)
        composes = datamodule.augmentations() if hasattr(datamodule, "augmentations") else []
        return [t for compose in composes for t in (compose, *compose.transforms)]

    def state_dict(self) -> dict:
        return {"torch": torch.get_rng_state(), "numpy": np.random.get_state(), "python": random.getstate(),
                "augment": [(t.random_generator.bit_generator.state, t.py_random.getstate())
                            for t in self.augmentations()]}

    def load_state_dict(self, state: dict):
        torch.set_rng_state(state["torch"])
        np.random.set_state(state["numpy"])
        random.setstate(state["python"])
        for transform, (numpy_state, python_state) in zip(self.augmentations(), state["augment"]):
            transform.random_generator.bit_generator.state = numpy_state
            transform.py_random.setstate(python_state)


def load_checkpoint(ckpt_path: str | Path) -> dict:
    """The raw checkpoint dict (read-only: reading asks for it several times, so one version of a file is read from
    disk once); a missing or corrupt file raises LprError naming it."""
    path = Path(ckpt_path)
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


def load_classifier(ckpt_path: str | Path):
    """The LightningModule stored in an lpr checkpoint, in eval mode on the CPU."""
    from lpr.module import CharClassifier

    checkpoint = load_checkpoint(ckpt_path)
    hyper_parameters = checkpoint.get("hyper_parameters", {})
    if "engine" in hyper_parameters:
        raise LprError(f"{ckpt_path}: a whole-plate `{hyper_parameters['engine']}` checkpoint, not a character "
                       "classifier (read plates with it: python -m lpr.read)")
    if "net" not in hyper_parameters:
        raise LprError(f"{ckpt_path}: not an lpr checkpoint (no model hyperparameters)")
    return load_weights(CharClassifier(**hyper_parameters), checkpoint, ckpt_path).eval()


def load_weights(model: torch.nn.Module, checkpoint: dict, ckpt_path: str | Path) -> torch.nn.Module:
    """model with the checkpoint's weights; weights of another architecture raise LprError naming the file."""
    if "state_dict" not in checkpoint:
        raise LprError(f"{ckpt_path}: holds no weights (state_dict)")
    try:
        model.load_state_dict(checkpoint["state_dict"])
    except RuntimeError as error:
        raise LprError(f"{ckpt_path}: weights do not fit the model ({str(error).splitlines()[0]})") from None
    return model
