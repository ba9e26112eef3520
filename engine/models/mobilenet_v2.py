"""MobileNetV2 from specs.V2_* with torchvision's module names (its checkpoints load strictly)."""

from __future__ import annotations

from torch import nn

from engine.models.blocks import ConvBNAct, InvertedResidualV2
from engine.models.classifier import MobileNetClassifier
from engine.models.specs import V2_BODY, V2_HEAD, V2_STEM, make_divisible


def mobilenet_v2(*, width: float = 1.0, num_classes: int = 1000, dropout: float = 0.2) -> MobileNetClassifier:
    norm = nn.BatchNorm2d  # torchvision's V2 uses the defaults (eps 1e-5, momentum 0.1)
    in_ch = make_divisible(V2_STEM.out * width)
    # The paper keeps the last conv at 1280 for multipliers below one; above one it scales.
    last_ch = make_divisible(V2_HEAD.out * max(1.0, width))
    layers: list[nn.Module] = [ConvBNAct(3, in_ch, stride=V2_STEM.stride, act=V2_STEM.act, norm=norm)]
    for row in V2_BODY:
        out_ch = make_divisible(row.c * width)
        for i in range(row.n):
            layers.append(InvertedResidualV2(in_ch, out_ch, stride=row.s if i == 0 else 1, expand=row.t, norm=norm))
            in_ch = out_ch
    layers.append(ConvBNAct(in_ch, last_ch, kernel=1, act=V2_HEAD.act, norm=norm))
    classifier = nn.Sequential(nn.Dropout(dropout), nn.Linear(last_ch, num_classes))
    return MobileNetClassifier(nn.Sequential(*layers), classifier)
