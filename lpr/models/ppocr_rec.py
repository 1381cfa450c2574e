"""PP-OCR's pretrained text recognizer as a trainable torch net: lpr's models otherwise start from random weights.

The ONNX file RapidOCR's wheel ships is the one source of the weights: onnx2torch turns its graph into torch modules
(after two rewrites: explicit pads where the graph pads "SAME_UPPER", which onnx2torch does not take, and the
closing softmax left out, so the net returns logits as lpr's CRNN does). Its CTC head over thousands of symbols is
cut to the rows of lpr's blank + 0-9A-Z, so the fine-tune starts from what the recognizer already reads.
"""
from typing import Literal

import numpy as np
import onnx
import torch
from onnx import numpy_helper
from onnx2torch import convert
from torch import nn

from lpr.core.errors import LprError
from lpr.core.ppocr import PPOCR, model_file, output_symbols, plain_columns

if not hasattr(torch.onnx.symbolic_helper, "GLOBALS"):
    # onnx2torch's modules export themselves (lpr.export) reading the exporter's opset from symbolic_helper.GLOBALS,
    # which torch 2.14 keeps in its TorchScript exporter's own module
    from torch.onnx._internal.torchscript_exporter._globals import GLOBALS

    torch.onnx.symbolic_helper.GLOBALS = GLOBALS

Part = Literal["head", "neck", "all"]
BACKBONE_END = "AveragePool"  # the backbone (PPLCNet) ends in the graph's one average pool; the SVTR neck follows


def plate_graph(path: str) -> onnx.ModelProto:
    """The recognizer's graph with explicit pads, no softmax, and a head of lpr's 1 + 36 classes."""
    try:
        model = onnx.load(model_file(path))
    except (OSError, onnx.onnx_cpp2py_export.checker.ValidationError, Exception) as error:
        raise LprError(f"{path}: not a readable ONNX model ({type(error).__name__})") from None
    symbols = output_symbols({p.key: p.value for p in model.metadata_props})
    if symbols is None:
        raise LprError(f"{path}: no PP-OCR recognizer (its ONNX metadata names no `character` symbols)")
    for node in model.graph.node:
        for attribute in list(node.attribute):
            if attribute.name == "auto_pad" and attribute.s == b"SAME_UPPER":
                stride_one = all(a.ints == [1, 1] for a in node.attribute if a.name in ("strides", "dilations"))
                kernel = next(a.ints for a in node.attribute if a.name == "kernel_shape")
                if not stride_one or list(kernel) != [2, 2]:
                    raise LprError(f"{path}: node {node.name} pads SAME_UPPER with kernel {list(kernel)}: "
                                   "only the 2 x 2, stride 1 pads of PP-OCR's backbone are rewritten")
                node.attribute.remove(attribute)
                node.attribute.append(onnx.helper.make_attribute("pads", [0, 0, 1, 1]))  # the extra row and column
        if node.op_type == "Softmax" and node.output[0] == model.graph.output[0].name:
            node.op_type = "Identity"
            del node.attribute[:]
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
        self.graph = convert(plate_graph(onnx))
        for name, buffer in list(self.graph.initializers.named_buffers()):
            if buffer.is_floating_point() and buffer.numel() > 1:  # weights onnx2torch keeps as constants
                setattr(self.graph.initializers, name, nn.Parameter(buffer))
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
        named, backbone = dict(self.graph.named_parameters()), []
        for node in self.graph.graph.nodes:
            if node.op == "call_module" and node.target.startswith(BACKBONE_END):
                return backbone
            if node.op == "call_module":
                backbone += list(self.graph.get_submodule(node.target).parameters())
            elif node.op == "get_attr" and node.target in named:
                backbone.append(named[node.target])
        raise LprError(f"the recognizer's graph has no {BACKBONE_END} node ending its backbone: train head or all")

    def head(self) -> list[nn.Parameter]:
        """The CTC head's weight and bias: the parameters with lpr's 1 + 36 classes as their last dimension."""
        return [p for p in self.graph.parameters() if p.shape[-1] == 37 and p.ndim <= 2]

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.graph((x.expand(-1, 3, -1, -1) - 0.5) / 0.5)
