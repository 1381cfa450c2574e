"""PP-OCR's pretrained text detector (DB) as a trainable torch net: a plate detector that starts from a detector of
text in real photos rather than from random weights.

Its graph comes from the ONNX file (lpr/pretrained/text_detector.onnx, the one RapidOCR's wheel ships) through
lpr.models.ppocr_graph, returning the per-pixel text logits its sigmoid would turn into DB's probability map.
Fine-tuned on plate boxes, "text" comes to mean "plate"; exported (`lpr.export`) it is again a PP-OCR detector, read
by lpr.reading.locate.text_finder like the one it started from.
"""
import torch
from torch import nn

from lpr.core.pretrained import SHIPPED, TEXT_DETECTOR, shipped_or
from lpr.models.ppocr_graph import load_graph, logits_graph, trainable

class PpOcrTextDetector(nn.Module):
    """(N, 3, H, W) RGB in [0, 1], H and W multiples of 32 -> (N, 1, H, W) plate logits, from PP-OCR's weights.
    `input_size`: the square side lpr's detection data letterbox photos to for it."""

    def __init__(self, onnx: str = SHIPPED, input_size: int = 320):
        super().__init__()
        onnx = shipped_or(onnx, TEXT_DETECTOR)
        self.input_size = input_size
        self.graph = trainable(logits_graph(load_graph(onnx), onnx, "Sigmoid"))

    @staticmethod
    def as_ppocr_input(images: torch.Tensor) -> torch.Tensor:
        """RGB in [0, 1] -> PP-OCR's input: BGR in [-1, 1]."""
        return images.flip(1) * 2 - 1

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        return self.graph(self.as_ppocr_input(images))

    def probability_net(self) -> nn.Module:
        """The net as PP-OCR ships detectors: PP-OCR's input in, the text probability map out (what lpr.export
        writes, so lpr.reading.locate.text_finder reads the fine-tune as it reads the detector it started from)."""
        return nn.Sequential(self.graph, nn.Sigmoid())
