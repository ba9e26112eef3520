"""MobileNetV1 (width multiplier alpha, any resolution) from specs.V1_*."""

from __future__ import annotations

from functools import partial

from torch import nn

from engine.models.blocks import ConvBNAct, DepthwiseSeparable
from engine.models.classifier import MobileNetClassifier
from engine.models.specs import V1_BODY, V1_STEM


def v1_channels(channels: int, width: float) -> int:
    """TF-slim's depth rule for V1: int(c * alpha), at least 8 (no rounding to multiples)."""
    return max(int(channels * width), 8)


def mobilenet_v1(*, width: float = 1.0, num_classes: int = 1000, dropout: float = 0.001) -> MobileNetClassifier:
    # TF-slim: batch-norm epsilon 0.001; dropout keep_prob 0.999.
    norm = partial(nn.BatchNorm2d, eps=0.001)
    in_ch = v1_channels(V1_STEM.out, width)
    layers: list[nn.Module] = [ConvBNAct(3, in_ch, stride=V1_STEM.stride, act=V1_STEM.act, norm=norm)]
    for row in V1_BODY:
        out_ch = v1_channels(row.out, width)
        layers.append(DepthwiseSeparable(in_ch, out_ch, stride=row.stride, act=V1_STEM.act, norm=norm))
        in_ch = out_ch
    classifier = nn.Sequential(nn.Dropout(dropout), nn.Linear(in_ch, num_classes))
    return MobileNetClassifier(nn.Sequential(*layers), classifier)
