"""A pretrained PP-OCR text recognizer (PaddleOCR's weights, as RapidOCR's wheel ships them) read as a plate engine.

The recognizer was trained on text of every kind, never on plates, yet it has seen far more real print than any
generator draws. Its ONNX file holds its own alphabet (metadata key `character`, thousands of symbols); lpr reads
it through lpr's alphabet: each of 0-9A-Z takes its own column and the columns of the symbols that mean it (lower
case, full width, NFKC forms), and the rest goes by `fold`: `blank` lets a separator or a mark a plate prints
(`-`, `·`, an emblem read as a letter) fall into the CTC blank, `drop` leaves it out and renormalises.
"""
import math
from typing import Literal

import cv2
import numpy as np

from lpr.core.alphabet import ALPHABET
from lpr.core.errors import LprError
from lpr.core.ppocr import alphabet_columns, output_symbols
from lpr.core.formats import PlateFormats
from lpr.reading.engines.ctc import CtcEngine
from lpr.reading.engines.onnx_model import OnnxModel

Fold = Literal["blank", "drop"]


class PpOcrEngine(CtcEngine):
    """A PP-OCR recognition ONNX on onnxruntime: a colour crop resized to `height` rows, aspect kept (at most
    `max_width` columns), scaled to [-1, 1]; a batch's crops padded to the widest (at least `min_width`), `batch_crops`
    a batch; its output read as a CTC recognizer's over lpr's classes."""

    def __init__(self, model: OnnxModel, symbols: list[str], formats: PlateFormats | None = None,
                 edge_min_prob: float = 0.0, fold: Fold = "blank", height: int = 48, min_width: int = 480,
                 max_width: int = 480, batch_crops: int = 16):
        if fold not in ("blank", "drop"):
            raise LprError(f"fold: {fold!r} is not one of blank, drop")
        super().__init__(self.log_probs, height, min_width, formats, edge_min_prob, batch_crops)
        self.model, self.min_width, self.max_width = model, min_width, max_width
        columns = alphabet_columns(symbols)
        if model.input_shape[1:3] != [3, height]:
            raise LprError(f"PP-OCR recognizer input {model.input_shape}: expected (N, 3, {height}, W)")
        # (C, 37) 0/1: summing a column's probability into the lpr class it means; `drop` keeps only real blanks
        self.to_alphabet = np.zeros((len(symbols), len(ALPHABET) + 1), np.float32)
        mapped = (columns > 0) | (np.arange(len(symbols)) == 0) | (fold == "blank")
        self.to_alphabet[np.flatnonzero(mapped), columns[mapped]] = 1.0

    def prepare(self, plate_crop: np.ndarray) -> np.ndarray:
        crop = cv2.cvtColor(plate_crop, cv2.COLOR_GRAY2BGR) if plate_crop.ndim == 2 else plate_crop
        width = min(self.max_width, max(1, math.ceil(self.height * crop.shape[1] / max(1, crop.shape[0]))))
        resized = cv2.resize(crop, (width, self.height)).astype(np.float32)
        return (resized.transpose(2, 0, 1) / 255.0 - 0.5) / 0.5

    def batch(self, inputs: list[np.ndarray]) -> np.ndarray:
        width = max(self.min_width, *(x.shape[2] for x in inputs))
        batch = np.zeros((len(inputs), 3, self.height, width), np.float32)
        for row, x in zip(batch, inputs):
            row[:, :, :x.shape[2]] = x
        return batch

    def log_probs(self, batch: np.ndarray) -> np.ndarray:
        """(N, T, 1 + 36) log-probabilities in lpr's classes, renormalised over what `fold` keeps."""
        probs = self.model(batch) @ self.to_alphabet
        return np.log(np.maximum(probs / probs.sum(axis=2, keepdims=True), 1e-30))


def load_ppocr(model: OnnxModel, formats: PlateFormats | None, edge_min_prob: float,
               **settings) -> PpOcrEngine | None:
    """The PP-OCR engine of an ONNX recognizer that carries its symbols; None for any other ONNX model."""
    symbols = output_symbols(model.session.get_modelmeta().custom_metadata_map)
    return PpOcrEngine(model, symbols, formats, edge_min_prob, **settings) if symbols else None
