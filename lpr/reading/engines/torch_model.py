"""A trained net as the NumPy function an engine calls, on the CPU (the torch backend)."""
from typing import Literal

import numpy as np


class TorchModel:
    """float32 batch -> the net's output as NumPy, without autograd, finished as the exported ONNX model finishes
    it: `softmax` over classes (dim 1: a classifier's probabilities), `log_softmax` over classes (dim 2: a
    whole-plate recognizer's CTC log-probabilities), or as it is."""

    def __init__(self, net, finish: Literal["softmax", "log_softmax"] | None = None):
        self.net, self.finish = net.eval(), finish

    def __call__(self, batch: np.ndarray) -> np.ndarray:
        import torch  # only where a torch engine runs: the onnx backend never imports torch

        with torch.inference_mode():
            output = self.net(torch.from_numpy(batch))
            if self.finish == "softmax":
                output = output.softmax(dim=1)
            elif self.finish == "log_softmax":
                output = output.log_softmax(dim=2)
            return output.numpy()
