"""A small fast character CNN: stages of 3x3 conv + batch norm + ReLU, max-pool between stages, global pooling."""
from torch import nn
from torchvision.ops import Conv2dNormActivation

from lpr.models.base import FeaturesThenClassifier, pooled_head


class SmallCNN(FeaturesThenClassifier):
    """`widths[i]` channels in stage i, `convs_per_stage` convolutions each; global average pool -> Dropout -> logits.

    Each stage after the first halves the resolution, so 28x28 input ends at 7x7 with three stages.
    """

    def __init__(self, widths: list[int], convs_per_stage: int = 1, dropout: float = 0.2, in_channels: int = 1,
                 input_size: int = 28, num_classes: int = 36):
        super().__init__()
        self.input_size = input_size
        layers = []
        for stage, width in enumerate(widths):
            if stage > 0:
                layers.append(nn.MaxPool2d(2))
            for _ in range(convs_per_stage):
                layers.append(Conv2dNormActivation(in_channels, width, kernel_size=3))
                in_channels = width
        self.features = nn.Sequential(*layers)
        self.classifier = pooled_head(in_channels, num_classes, dropout)
