"""Which runtime reads a model file, the one rule for every reader and finder: an exported model (`.onnx`, PP-OCR's
recognizer and the shipped models included) reads on onnxruntime without importing torch, anything else is a
checkpoint (a `.ckpt` or a run folder) read with torch."""
from pathlib import Path
from typing import Literal

from lpr.core.ppocr import model_file
from lpr.core.pretrained import SHIPPED_READERS, pretrained

Backend = Literal["torch", "onnx"]


def reader_file(path: str | Path) -> str:
    """The file of a reader: a path as given, a shipped reader by its name (`shipped`, `fast`), or PP-OCR's
    recognizer (`ppocr`)."""
    return pretrained(SHIPPED_READERS[str(path)]) if str(path) in SHIPPED_READERS else model_file(path)


def backend_of(path: str | Path) -> Backend:
    """onnx for an exported model, torch for a checkpoint (a `.ckpt` or a run folder)."""
    return "onnx" if reader_file(path).endswith(".onnx") else "torch"


def checkpoints(paths: list[str]) -> list[str] | None:
    """The checkpoints among the models read with (None: every one is an exported model, read without torch)."""
    return [path for path in paths if backend_of(path) == "torch"] or None
