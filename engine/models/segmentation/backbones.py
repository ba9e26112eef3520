"""Segmentation backbones: the classifiers' `features`, cut, tapped and dilated.

Every head reads two taps, as torchvision's MobileNetV3 segmenters do: `low` is the first block
whose output stride reaches 8 (torchvision's `stage_indices[-4]` for V3) and `high` is the last
feature layer kept. The output stride is set by turning the last stride-2 stage(s) into dilated
convolutions (DeepLab's atrous trick); like torchvision's `dilated=True`, a block whose stride is
removed already uses the doubled rate. `reduced_tail` halves the channels from the last stride-2
stage on (the V3 paper's RF2; for V1 and V2 the same rule applied to their last stage).
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass
from functools import partial

import torch
from torch import nn

from engine.errors import InvalidInput, UnknownName
from engine.models.blocks import ConvBNAct, DepthwiseSeparable, InvertedResidualV2
from engine.models.mobilenet_v1 import mobilenet_v1, v1_channels
from engine.models.mobilenet_v3 import mobilenet_v3_large, mobilenet_v3_small
from engine.models.specs import V1_BODY, V1_STEM, V2_BODY, V2_STEM, make_divisible

BACKBONES = ("mobilenet_v1", "mobilenet_v2", "mobilenet_v3_large", "mobilenet_v3_small")
OUTPUT_STRIDES = (8, 16, 32)


@dataclass(frozen=True)
class Backbone:
    features: nn.Sequential
    low: int  # index into features of the stride-8 tap
    high: int  # index of the last layer used
    low_channels: int
    high_channels: int


def _v1_features(width: float, reduced_tail: bool) -> nn.Sequential:
    if not reduced_tail:
        return mobilenet_v1(width=width).features
    bn = partial(nn.BatchNorm2d, eps=0.001)  # as mobilenet_v1 (TF-slim)
    last_s2 = max(i for i, row in enumerate(V1_BODY) if row.stride == 2)
    in_ch = v1_channels(V1_STEM.out, width)
    layers: list[nn.Module] = [ConvBNAct(3, in_ch, stride=V1_STEM.stride, act=V1_STEM.act, norm=bn)]
    for i, row in enumerate(V1_BODY):
        out = v1_channels(row.out // 2 if i >= last_s2 else row.out, width)
        layers.append(DepthwiseSeparable(in_ch, out, stride=row.stride, act=V1_STEM.act, norm=bn))
        in_ch = out
    return nn.Sequential(*layers)


def _v2_features(width: float, reduced_tail: bool) -> nn.Sequential:
    """MobileNetV2 up to the 320-channel layer (the V2 paper's segmentation feature map)."""
    norm = nn.BatchNorm2d
    last_s2 = max(i for i, row in enumerate(V2_BODY) if row.s == 2)
    in_ch = make_divisible(V2_STEM.out * width)
    layers: list[nn.Module] = [ConvBNAct(3, in_ch, stride=V2_STEM.stride, act=V2_STEM.act, norm=norm)]
    for i, row in enumerate(V2_BODY):
        out_ch = make_divisible((row.c // 2 if reduced_tail and i >= last_s2 else row.c) * width)
        for j in range(row.n):
            layers.append(InvertedResidualV2(in_ch, out_ch, stride=row.s if j == 0 else 1, expand=row.t, norm=norm))
            in_ch = out_ch
    return nn.Sequential(*layers)


def _strided_convs(block: nn.Module) -> list[nn.Conv2d]:
    return [m for m in block.modules() if isinstance(m, nn.Conv2d) and m.stride[0] > 1]


def set_output_stride(features: nn.Sequential, output_stride: int) -> None:
    """Replace strides past `output_stride` by dilation, in place (rates double per removed stride)."""
    stride, rate = 1, 1
    for block in features:
        step = 1
        for conv in _strided_convs(block):
            step *= conv.stride[0]
        if step > 1 and stride * step > output_stride:
            rate *= step
            for conv in _strided_convs(block):
                conv.stride = (1, 1)
        else:
            stride *= step
        if rate > 1:
            for conv in (m for m in block.modules() if isinstance(m, nn.Conv2d) and m.kernel_size[0] > 1):
                conv.dilation = (rate, rate)
                conv.padding = ((conv.kernel_size[0] - 1) // 2 * rate,) * 2


def _stride_8_tap(features: nn.Sequential) -> int:
    stride = 1
    for i, block in enumerate(features):
        for conv in _strided_convs(block):
            stride *= conv.stride[0]
        if stride >= 8:
            return i
    raise InvalidInput("backbone never reaches output stride 8")


def build_backbone(name: str, *, width: float = 1.0, reduced_tail: bool = False, output_stride: int = 16) -> Backbone:
    if name not in BACKBONES:
        raise UnknownName("segmentation backbone", name, BACKBONES)
    if output_stride not in OUTPUT_STRIDES:
        raise InvalidInput(f"output stride {output_stride} is not supported; valid: 8, 16, 32")
    if name == "mobilenet_v1":
        features = _v1_features(width, reduced_tail)
    elif name == "mobilenet_v2":
        features = _v2_features(width, reduced_tail)
    else:
        builder = mobilenet_v3_large if name == "mobilenet_v3_large" else mobilenet_v3_small
        features = builder(width=width, reduced_tail=reduced_tail).features
    low = _stride_8_tap(features)  # taken before dilation changes any stride
    set_output_stride(features, output_stride)
    high = len(features) - 1
    return Backbone(features, low, high, _out_channels(features[low]), _out_channels(features[high]))


def _out_channels(block: nn.Module) -> int:
    return [m for m in block.modules() if isinstance(m, nn.Conv2d)][-1].out_channels


class Taps(nn.ModuleDict):
    """The first layers of `features` under their original indices (torchvision's
    IntermediateLayerGetter layout: keys 'backbone.<i>.…'); forward returns the named taps."""

    def __init__(self, features: nn.Sequential, taps: dict[int, str]):
        last = max(taps)
        super().__init__(OrderedDict((str(i), features[i]) for i in range(last + 1)))
        self.taps = {str(i): name for i, name in taps.items()}

    def forward(self, x: torch.Tensor) -> dict[str, torch.Tensor]:
        out = {}
        for key, module in self.items():
            x = module(x)
            if key in self.taps:
                out[self.taps[key]] = x
        return out
