"""The original notebook's character CNN: large 'same'-padded convolutions, one max-pool, two dense layers."""
import warnings

from torch import nn

from lpr.models.base import FeaturesThenClassifier

# Keras' 'same' padding with the original's even kernels: PyTorch pads a copy, and says so on every call.
warnings.filterwarnings("ignore", message="Using padding='same' with even kernel lengths")


class SeedCNN(FeaturesThenClassifier):
    """Conv stack (ReLU, 'same' padding) -> MaxPool -> Dropout -> Dense -> Dense(num_classes) logits."""

    def __init__(self, channels: list[int], kernel_sizes: list[int], pool: int = 4, dropout: float = 0.4,
                 hidden: int = 128, in_channels: int = 1, input_size: int = 28, num_classes: int = 36):
        super().__init__()
        self.input_size = input_size
        layers = []
        for width, kernel in zip(channels, kernel_sizes, strict=True):
            layers += [nn.Conv2d(in_channels, width, kernel, padding="same"), nn.ReLU(inplace=True)]
            in_channels = width
        pooled = input_size // pool
        self.features = nn.Sequential(*layers, nn.MaxPool2d(pool), nn.Dropout(dropout))
        self.classifier = nn.Sequential(nn.Flatten(), nn.Linear(in_channels * pooled * pooled, hidden),
                                        nn.ReLU(inplace=True), nn.Linear(hidden, num_classes))
