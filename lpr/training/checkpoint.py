"""Checkpoints that a crash never leaves half-written, and a checkpoint loaded back as its LightningModule (to
export or evaluate it; reading loads the net alone: lpr.models.checkpoint)."""
from pathlib import Path

from lightning.fabric.plugins.io.torch_io import TorchCheckpointIO
from lightning.pytorch import LightningModule

from lpr.core.errors import LprError
from lpr.core.files import written_whole
from lpr.models.checkpoint import checkpoint_kind, load_checkpoint, load_weights


class AtomicCheckpointIO(TorchCheckpointIO):
    """Write each checkpoint to a temporary file beside it, then rename: the old file or the new, never half."""

    def save_checkpoint(self, checkpoint, path, storage_options=None):
        with written_whole(Path(path)) as partial:
            super().save_checkpoint(checkpoint, partial, storage_options)


def load_trained(ckpt_path: str | Path, kind: str | None = None) -> LightningModule:
    """The LightningModule an lpr checkpoint holds, in eval mode on the CPU; `kind` refuses any other kind."""
    from lpr.training.char_module import CharClassifier
    from lpr.training.detect_module import PlateDetector
    from lpr.training.plate_module import PlateRecognizer
    from lpr.training.text_map_module import PlateTextDetector

    found = checkpoint_kind(ckpt_path, kind)
    checkpoint = load_checkpoint(ckpt_path)
    module = {"classifier": CharClassifier, "crnn": PlateRecognizer, "detector": PlateDetector,
              "text_detector": PlateTextDetector}[found]
    try:
        model = module(**checkpoint["hyper_parameters"])
    except TypeError as error:
        raise LprError(f"{ckpt_path}: its hyperparameters do not describe a {module.__name__} ({error})") from None
    return load_weights(model, checkpoint, ckpt_path).eval()
