"""A small centre-and-size detector (CenterNet, Zhou et al. 2019) that trains from scratch on 2 CPU cores.

Objects are points: a heatmap peaks at each object's centre, and two more maps give its size and the centre's
sub-pixel offset there. No anchors and no NMS-heavy post-processing, so one net serves plates in a photo and
characters on a plate alike (`num_classes`), and its output exports to ONNX as three plain tensors.
"""
import torch
from torch import nn


def conv_bn(in_channels: int, out_channels: int, stride: int = 1) -> nn.Sequential:
    return nn.Sequential(nn.Conv2d(in_channels, out_channels, 3, stride, 1, bias=False),
                         nn.BatchNorm2d(out_channels), nn.ReLU(inplace=True))


class CenterNet(nn.Module):
    """(N, 3, S, S) RGB in [0, 1] -> heatmap logits (N, C, S/4, S/4), size (N, 2, S/4, S/4) as log(w, h) in input
    pixels, offset (N, 2, S/4, S/4) of the centre within its cell.

    The backbone halves the resolution `len(channels)` times (each stage two 3x3 convolutions); the feature maps
    of stride 4 and coarser are summed top-down (a feature pyramid), so small plates keep detail and large ones
    see context.
    """

    stride = 4

    def __init__(self, channels: tuple[int, ...] = (12, 24, 48, 64, 96), head_channels: int = 24,
                 num_classes: int = 1, input_size: int = 320):
        super().__init__()
        if len(channels) < 3:
            raise ValueError("model.net.channels: give at least 3 stages (strides 2, 4 and coarser)")
        self.input_size, self.num_classes = input_size, num_classes
        stages, previous = [], 3
        for width in channels:
            stages.append(nn.Sequential(conv_bn(previous, width, stride=2), conv_bn(width, width)))
            previous = width
        self.stages = nn.ModuleList(stages)
        self.lateral = nn.ModuleList(nn.Conv2d(width, head_channels, 1) for width in channels[1:])
        # one shared 3 x 3 layer at stride 4, then 1 x 1 heads: at that resolution every 3 x 3 layer is most of the cost
        self.smooth = conv_bn(head_channels, head_channels)
        self.heatmap = nn.Conv2d(head_channels, num_classes, 1)
        self.size = nn.Conv2d(head_channels, 2, 1)
        self.offset = nn.Conv2d(head_channels, 2, 1)
        nn.init.constant_(self.heatmap.bias, -4.6)  # start at p = 0.01 everywhere: the focal loss's prior

    def forward(self, images: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        features = []
        x = images
        for stage in self.stages:
            x = stage(x)
            features.append(x)
        top = self.lateral[-1](features[-1])
        for lateral, feature in zip(reversed(self.lateral[:-1]), reversed(features[1:-1])):
            top = lateral(feature) + nn.functional.interpolate(top, size=feature.shape[-2:], mode="nearest")
        top = self.smooth(top)
        return self.heatmap(top), self.size(top), self.offset(top)


class PackedOutputs(nn.Module):
    """The net's three maps as one (N, C + 4, H, W) tensor: what ONNX export and the readers take, so both
    backends hand the same array to `lpr.core.centre_decode`."""

    def __init__(self, net: CenterNet):
        super().__init__()
        self.net = net

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        return torch.cat(self.net(images), dim=1)
