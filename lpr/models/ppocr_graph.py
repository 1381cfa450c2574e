"""PP-OCR's ONNX graphs as trainable torch modules (onnx2torch), shared by the recognizer and the text detector that
lpr fine-tunes: both are PaddleOCR's weights as RapidOCR's wheel ships them (Apache-2.0).

Two rewrites make a graph convertible and trainable: the 2 x 2, stride-1 "SAME_UPPER" pads of PP-OCR's PPLCNet
stem, which onnx2torch does not take, become explicit pads; and the graph's closing activation (the recognizer's
softmax, the detector's sigmoid) becomes an identity, so the net returns logits for a numerically sound loss.
"""
import onnx
import torch
from onnx2torch import convert
from torch import nn

from lpr.core.errors import LprError

if not hasattr(torch.onnx.symbolic_helper, "GLOBALS"):
    # onnx2torch's modules export themselves (lpr.export) reading the exporter's opset from symbolic_helper.GLOBALS,
    # which torch 2.14 keeps in its TorchScript exporter's own module
    from torch.onnx._internal.torchscript_exporter._globals import GLOBALS

    torch.onnx.symbolic_helper.GLOBALS = GLOBALS


def load_graph(path: str) -> onnx.ModelProto:
    try:
        return onnx.load(path)
    except Exception as error:  # onnx raises DecodeError, ValidationError, OSError... for a bad file
        raise LprError(f"{path}: not a readable ONNX model ({type(error).__name__})") from None


def logits_graph(model: onnx.ModelProto, path: str, closing: str) -> onnx.ModelProto:
    """`model` with explicit pads and its closing `closing` op (Softmax, Sigmoid) made an identity, in place."""
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
        if node.op_type == closing and node.output[0] == model.graph.output[0].name:
            node.op_type = "Identity"
            del node.attribute[:]
    return model


def trainable(model: onnx.ModelProto) -> torch.fx.GraphModule:
    """The graph as torch modules, every float weight a Parameter (onnx2torch keeps some as constant buffers)."""
    graph = convert(model)
    for name, buffer in list(graph.initializers.named_buffers()):
        if buffer.is_floating_point() and buffer.numel() > 1:
            setattr(graph.initializers, name, nn.Parameter(buffer))
    return graph


def parameters_before(graph: torch.fx.GraphModule, op_prefix: str) -> list[nn.Parameter] | None:
    """The parameters the graph uses before its first module named `op_prefix...` (a backbone's end), in graph
    order; None when it has none."""
    named, before = dict(graph.named_parameters()), []
    for node in graph.graph.nodes:
        if node.op == "call_module" and node.target.startswith(op_prefix):
            return before
        if node.op == "call_module":
            before += list(graph.get_submodule(node.target).parameters())
        elif node.op == "get_attr" and node.target in named:
            before.append(named[node.target])
    return None
