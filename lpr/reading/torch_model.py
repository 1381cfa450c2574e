"""A trained LightningModule as the NumPy function an engine calls, on the CPU (the torch backend)."""
import numpy as np


class TorchModel:
    """float32 batch -> the module's output as NumPy, without autograd; `softmax` turns a classifier's logits into
    probabilities, as the exported ONNX model returns them."""

    def __init__(self, module, softmax: bool = False):
        self.module, self.softmax = module.eval(), softmax

    def __call__(self, batch: np.ndarray) -> np.ndarray:
        import torch  # only where a torch engine runs: the onnx backend never imports torch

        with torch.inference_mode():
            output = self.module(torch.from_numpy(batch))
            return (torch.softmax(output, dim=1) if self.softmax else output).numpy()
