"""CRNN: a small conv backbone turns a plate into a row of feature columns, a BiLSTM reads them in order."""
from torch import nn

from lpr.core.alphabet import ALPHABET


class CRNN(nn.Module):
    """(N, 1, H, W) in [0, 1] -> (N, T, 1 + 36) logits per column; class 0 is the CTC blank.

    Each conv block is Conv3x3-BatchNorm-ReLU with stride `strides[i]` (height, width), which shrinks the map
    as a max-pool would at a fraction of the cost on CPU: T = W / prod(width strides), rounded up.
    `rnn_hidden=0` drops the BiLSTM for a conv-only sequence head.
    """

    def __init__(self, channels: list[int], strides: list[list[int]], rnn_hidden: int = 64, rnn_layers: int = 1,
                 dropout: float = 0.1, input_height: int = 32, input_width: int = 128,
                 num_classes: int = len(ALPHABET) + 1):
        super().__init__()
        if input_height < 1 or input_width < 1:
            raise ValueError(f"input size {input_height}x{input_width} must be positive")
        self.input_height, self.input_width = input_height, input_width
        layers, in_channels = [], 1
        for width, stride in zip(channels, strides, strict=True):
            layers += [nn.Conv2d(in_channels, width, 3, stride=tuple(stride), padding=1, bias=False),
                       nn.BatchNorm2d(width), nn.ReLU(inplace=True)]
            in_channels = width
        self.backbone = nn.Sequential(*layers)
        features = in_channels * conv_output_size(input_height, [stride[0] for stride in strides])
        self.dropout = nn.Dropout(dropout)
        self.rnn = nn.LSTM(features, rnn_hidden, rnn_layers, batch_first=True, bidirectional=True) \
            if rnn_hidden else None
        self.classifier = nn.Linear(2 * rnn_hidden if rnn_hidden else features, num_classes)

    def forward(self, x):
        features = self.backbone(x)  # (N, C, h, T)
        columns = self.dropout(features.flatten(1, 2).transpose(1, 2))  # (N, T, C * h)
        if self.rnn is not None:
            columns, _ = self.rnn(columns)
        return self.classifier(columns)


def conv_output_size(size: int, strides: list[int]) -> int:
    """Rows (or columns) left after 3x3 convolutions with padding 1 and these strides: ceil(size / stride) each,
    so any input size works, not only multiples of the strides' product."""
    for stride in strides:
        size = (size - 1) // stride + 1
    return size
