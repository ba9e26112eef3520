"""The shape every MobileNet classifier shares: features -> global pool -> classifier."""

from __future__ import annotations

import torch
from torch import nn

from engine.models.blocks import init_weights


class MobileNetClassifier(nn.Module):
    """`features` (stem, blocks, last conv), `avgpool`, `classifier`: torchvision's layout."""

    def __init__(self, features: nn.Sequential, classifier: nn.Sequential):
        super().__init__()
        self.features = features
        self.avgpool = nn.AdaptiveAvgPool2d(1)
        self.classifier = classifier
        init_weights(self)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.avgpool(self.features(x))
        return self.classifier(torch.flatten(x, 1))
