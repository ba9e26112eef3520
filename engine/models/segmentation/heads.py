"""Segmentation heads, with torchvision's module names so its checkpoints load strictly.

- LR-ASPP (MobileNetV3 paper, section 6.4): a 1x1 conv + BN + ReLU branch gated by
  sigmoid(1x1 conv(avg-pool)), upsampled to the stride-8 tap; a 1x1 classifier on each and sum.
  torchvision pools globally; the paper pools with a large kernel and a large stride
  (`pool=(kernel, stride)`, the kernel clipped to the feature map).
- ASPP (DeepLabV3) as torchvision builds it: a 1x1 branch, one 3x3 atrous branch per rate and
  an image-pooling branch, concatenated and projected. With no rates it is the MobileNetV2
  paper's R-ASPP ("ASPP removed": 1x1 conv + image pooling).
- FCN head: the auxiliary classifier torchvision's DeepLabV3 checkpoints carry.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
import torch.nn.functional as F
from torch import nn


def conv_bn_relu(in_ch: int, out_ch: int, kernel: int = 1, dilation: int = 1) -> list[nn.Module]:
    pad = (kernel - 1) // 2 * dilation
    return [nn.Conv2d(in_ch, out_ch, kernel, padding=pad, dilation=dilation, bias=False), nn.BatchNorm2d(out_ch),
            nn.ReLU()]


class LargePool(nn.Module):
    """Average pooling with a large kernel and stride, the kernel clipped to the input."""

    def __init__(self, kernel: tuple[int, int], stride: tuple[int, int]):
        super().__init__()
        self.kernel, self.stride = kernel, stride

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        kernel = (min(self.kernel[0], x.shape[-2]), min(self.kernel[1], x.shape[-1]))
        return F.avg_pool2d(x, kernel, self.stride)


class LRASPPHead(nn.Module):
    def __init__(
        self,
        low_channels: int,
        high_channels: int,
        num_classes: int,
        inter_channels: int = 128,
        pool: tuple[tuple[int, int], tuple[int, int]] | None = None,
    ):
        super().__init__()
        self.cbr = nn.Sequential(*conv_bn_relu(high_channels, inter_channels))
        pooling = nn.AdaptiveAvgPool2d(1) if pool is None else LargePool(*pool)
        self.scale = nn.Sequential(pooling, nn.Conv2d(high_channels, inter_channels, 1, bias=False), nn.Sigmoid())
        self.low_classifier = nn.Conv2d(low_channels, num_classes, 1)
        self.high_classifier = nn.Conv2d(inter_channels, num_classes, 1)

    def forward(self, features: dict[str, torch.Tensor]) -> torch.Tensor:
        low, high = features["low"], features["high"]
        x = self.cbr(high)
        gate = self.scale(high)
        if gate.shape[-2:] != (1, 1):
            gate = F.interpolate(gate, size=x.shape[-2:], mode="bilinear", align_corners=False)
        x = F.interpolate(x * gate, size=low.shape[-2:], mode="bilinear", align_corners=False)
        return self.low_classifier(low) + self.high_classifier(x)


class ASPPPooling(nn.Sequential):
    """Image-level features: global mean -> 1x1 conv + BN + ReLU, broadcast back."""

    def __init__(self, in_ch: int, out_ch: int):
        super().__init__(nn.AdaptiveAvgPool2d(1), *conv_bn_relu(in_ch, out_ch))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.interpolate(super().forward(x), size=x.shape[-2:], mode="bilinear", align_corners=False)


class ASPP(nn.Module):
    def __init__(self, in_ch: int, atrous_rates: Sequence[int], out_ch: int = 256):
        super().__init__()
        branches: list[nn.Module] = [nn.Sequential(*conv_bn_relu(in_ch, out_ch))]
        branches += [nn.Sequential(*conv_bn_relu(in_ch, out_ch, 3, rate)) for rate in atrous_rates]
        branches.append(ASPPPooling(in_ch, out_ch))
        self.convs = nn.ModuleList(branches)
        self.project = nn.Sequential(*conv_bn_relu(len(branches) * out_ch, out_ch), nn.Dropout(0.5))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.project(torch.cat([branch(x) for branch in self.convs], dim=1))


def deeplab_head(in_ch: int, num_classes: int, atrous_rates: Sequence[int] = (12, 24, 36),
                 filters: int = 256) -> nn.Sequential:
    """torchvision's DeepLabHead: ASPP, a 3x3 conv + BN + ReLU, a 1x1 classifier."""
    return nn.Sequential(ASPP(in_ch, atrous_rates, filters), *conv_bn_relu(filters, filters, 3),
                         nn.Conv2d(filters, num_classes, 1))


def raspp_head(in_ch: int, num_classes: int, filters: int = 256) -> nn.Sequential:
    """The MobileNetV2 paper's reduced ASPP: 1x1 conv + image pooling, projected, classified."""
    return nn.Sequential(ASPP(in_ch, (), filters), nn.Conv2d(filters, num_classes, 1))


def fcn_head(in_ch: int, num_classes: int) -> nn.Sequential:
    inter = in_ch // 4
    return nn.Sequential(*conv_bn_relu(in_ch, inter, 3), nn.Dropout(0.1), nn.Conv2d(inter, num_classes, 1))
