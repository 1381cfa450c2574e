"""PP-OCR's pretrained text recognizer as a trainable torch net: lpr's models otherwise start from random weights.

The ONNX file RapidOCR's wheel ships is the one source of the weights: onnx2torch turns its graph into torch modules
(lpr.models.ppocr_graph: explicit pads, the closing softmax left out, so the net returns logits as lpr's CRNN does).
Its CTC head over thousands of symbols is cut to the rows of lpr's blank + 0-9A-Z, so the fine-tune starts from what
the recognizer already reads.
"""
from typing import Literal

import numpy as np
import onnx
import torch
from onnx import numpy_helper
from torch import nn

from lpr.core.errors import LprError
from lpr.core.ppocr import PPOCR, model_file, output_symbols, plain_columns
from lpr.models.ppocr_graph import load_graph, logits_graph, parameters_before, trainable

Part = Literal["head", "neck", "all"]
BACKBONE_END = "AveragePool"  # the backbone (PPLCNet) ends in the graph's one average pool; the SVTR neck follows


def plate_graph(path: str) -> onnx.ModelProto:
    """The recognizer's graph with explicit pads, no softmax, and a head of lpr's 1 + 36 classes."""
    model = load_graph(model_file(path))
    symbols = output_symbols({p.key: p.value for p in model.metadata_props})
    if symbols is None:
        raise LprError(f"{path}: no PP-OCR recognizer (its ONNX metadata names no `character` symbols)")
    logits_graph(model, path, "Softmax")
    rows = plain_columns(symbols)
    for initializer in model.graph.initializer:
        if initializer.dims and initializer.dims[-1] == len(symbols):  # the CTC head's weight and bias
            values = numpy_helper.to_array(initializer)[..., rows]
            initializer.CopyFrom(numpy_helper.from_array(np.ascontiguousarray(values), initializer.name))
    for dim in model.graph.output[0].type.tensor_type.shape.dim[-1:]:
        dim.dim_value = len(rows)
    return model


class PpOcrRecognizer(nn.Module):
    """(N, 1, H, W) grey in [0, 1] -> (N, W / 8, 1 + 36) logits, from PP-OCR's weights (`onnx`: `ppocr` for the
    rapidocr wheel's, or a PP-OCR rec ONNX path). `train`: the parts that learn, from the head back: `head` (the
    CTC head), `neck` (SVTR neck and head), `all`; the rest keeps its pretrained weights."""

    def __init__(self, onnx: str = PPOCR, train: Part = "neck", input_height: int = 48, input_width: int = 192):
        super().__init__()
        if input_height != 48:
            raise LprError(f"model.net.input_height: PP-OCR's recognizer reads 48-row input, not {input_height}")
        self.input_height, self.input_width = input_height, input_width
        self.graph = trainable(plate_graph(onnx))
        for parameter in self.frozen(train):
            parameter.requires_grad_(False)

    def frozen(self, train: Part) -> list[nn.Parameter]:
        """The parameters `train` leaves as they are: all but the head's (head), or those the graph uses before
        the backbone ends (neck)."""
        if train == "all":
            return []
        if train == "head":
            head = {id(p) for p in self.head()}
            return [p for p in self.graph.parameters() if id(p) not in head]
        backbone = parameters_before(self.graph, BACKBONE_END)
        if backbone is not None:
            return backbone
        raise LprError(f"the recognizer's graph has no {BACKBONE_END} node ending its backbone: train head or all")

    def head(self) -> list[nn.Parameter]:
        """The CTC head's weight and bias: the parameters with lpr's 1 + 36 classes as their last dimension."""
        return [p for p in self.graph.parameters() if p.shape[-1] == 37 and p.ndim <= 2]

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.graph((x.expand(-1, 3, -1, -1) - 0.5) / 0.5)
