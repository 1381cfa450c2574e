"""An exported model on onnxruntime as the NumPy function an engine calls (the onnx backend: no torch import).

A character classifier's MODEL.onnx takes float32 (N, 1, S, S) in [0, 1] (`lpr.core.preprocess.chars_to_batch`)
and returns class probabilities; a whole-plate CRNN's takes (N, 1, H, W) (`lpr.core.preprocess.plates_to_batch`)
and returns per-column CTC log-probabilities. MODEL.json beside it holds what reading needs besides the
weights: the engine, the alphabet, the input size, the preprocessing and (classic) the segmentation settings.
"""
import json
from pathlib import Path

import numpy as np
import onnxruntime as ort

from lpr.core.alphabet import ALPHABET
from lpr.core.errors import LprError


def reader_info_path(model_path: str | Path) -> Path:
    """MODEL.json, beside MODEL.onnx."""
    return Path(model_path).with_suffix(".json")


def load_reader_info(model_path: str | Path) -> dict:
    """The JSON lpr.export writes beside a model; LprError when missing, unreadable or for another alphabet."""
    path = reader_info_path(model_path)
    try:
        info = json.loads(path.read_text())
    except OSError as error:
        raise LprError(f"{path}: reader info not found beside the model ({error.strerror}); lpr.export writes "
                       "both") from None
    except json.JSONDecodeError as error:
        raise LprError(f"{path}: not valid JSON ({error})") from None
    if info.get("alphabet") != ALPHABET:
        raise LprError(f"{path}: alphabet {info.get('alphabet')!r} is not lpr's {ALPHABET!r}")
    return info


class OnnxModel:
    """An exported model on onnxruntime's CPU provider, `threads` intra-op threads (None: all)."""

    def __init__(self, model_path: str | Path, threads: int | None = None):
        path = Path(model_path or "")
        if not path.is_file():
            raise LprError(f"{path}: ONNX model not found (`python -m lpr.export ckpt_path=CKPT` writes one)")
        options = ort.SessionOptions()
        options.intra_op_num_threads = threads or 0  # 0: onnxruntime's default, one per core
        options.inter_op_num_threads = 1
        options.log_severity_level = 3  # errors only: a refused file is reported as one line below
        try:
            self.session = ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
        except Exception as error:  # onnxruntime raises its own types (InvalidProtobuf, Fail, ...) for bad files
            detail = str(error).splitlines()[0] if str(error) else type(error).__name__
            raise LprError(f"{path}: not a readable ONNX model ({detail})") from None
        model_input = self.session.get_inputs()[0]
        self.input_name = model_input.name
        self.input_shape = model_input.shape  # ['batch', 1, height, width]

    def __call__(self, batch: np.ndarray) -> np.ndarray:
        """float32 (N, 1, height, width) in [0, 1] -> the model's one output for each of the N inputs."""
        return self.session.run(None, {self.input_name: batch})[0]

    def check_input(self, model_path: str | Path, height: int, width: int) -> None:
        if list(self.input_shape[1:]) != [1, height, width]:
            raise LprError(f"{model_path}: model input {self.input_shape} does not match the {height}x{width} "
                           f"input of {reader_info_path(model_path).name}")
