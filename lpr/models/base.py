"""What the character nets share: a feature stack, then a classifier head."""
from torch import nn


class FeaturesThenClassifier(nn.Module):
    """Subclasses set `self.features`, `self.classifier` and `self.input_size` (the side the data is resized to)."""

    def forward(self, x):
        return self.classifier(self.features(x))


def pooled_head(channels: int, num_classes: int, dropout: float) -> nn.Sequential:
    """Global average pool -> Dropout -> logits: few parameters, whatever the feature map's size."""
    return nn.Sequential(nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Dropout(dropout), nn.Linear(channels, num_classes))
