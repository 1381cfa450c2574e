"""A small ResNet for 28x28 characters: torchvision's BasicBlock behind a 3x3 stem that keeps full resolution."""
from torch import nn
from torchvision.models.resnet import BasicBlock
from torchvision.ops import Conv2dNormActivation

from lpr.models.base import FeaturesThenClassifier, pooled_head


class SmallResNet(FeaturesThenClassifier):
    """Stem (3x3 conv, `widths[0]` channels) -> one stage of `blocks_per_stage` residual blocks per width.

    Every stage after the first halves the resolution (stride-2 first block with a 1x1 projection shortcut);
    global average pool -> Dropout -> logits. torchvision's resnet18 stem would shrink 28x28 to 7x7 at once.
    """

    def __init__(self, widths: list[int], blocks_per_stage: int = 1, dropout: float = 0.2, in_channels: int = 1,
                 input_size: int = 28, num_classes: int = 36):
        super().__init__()
        self.input_size = input_size
        layers = [Conv2dNormActivation(in_channels, widths[0], kernel_size=3)]
        in_channels = widths[0]
        for stage, width in enumerate(widths):
            for block in range(blocks_per_stage):
                stride = 2 if stage > 0 and block == 0 else 1
                shortcut = None
                if stride != 1 or in_channels != width:
                    shortcut = nn.Sequential(nn.Conv2d(in_channels, width, 1, stride=stride, bias=False),
                                             nn.BatchNorm2d(width))
                layers.append(BasicBlock(in_channels, width, stride=stride, downsample=shortcut))
                in_channels = width
        self.features = nn.Sequential(*layers)
        self.classifier = pooled_head(in_channels, num_classes, dropout)
