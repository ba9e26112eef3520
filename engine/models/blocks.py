"""Building blocks shared by every MobileNet.

Module and attribute names follow torchvision (`Conv2dNormActivation` is a Sequential of conv,
norm, activation; V2's block keeps its layers in `.conv`, V3's in `.block`; SE has `fc1`/`fc2`),
so torchvision checkpoints load with strict=True into our models.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable

import torch
from torch import nn

from engine.models.specs import Act, make_divisible

NormLayer = Callable[[int], nn.Module]


def activation(act: Act) -> nn.Module | None:
    """The module for a table's NL column (None for a linear layer)."""
    return {
        Act.RELU: lambda: nn.ReLU(inplace=True),
        Act.RELU6: lambda: nn.ReLU6(inplace=True),
        Act.HSWISH: lambda: nn.Hardswish(inplace=True),
        Act.NONE: lambda: None,
    }[act]()


class ConvBNAct(nn.Sequential):
    """Conv2d (no bias) -> norm -> activation; indices 0, 1, 2 as torchvision's
    Conv2dNormActivation. `groups == in_ch` makes it depthwise."""

    def __init__(
        self,
        in_ch: int,
        out_ch: int,
        *,
        kernel: int = 3,
        stride: int = 1,
        groups: int = 1,
        dilation: int = 1,
        act: Act = Act.RELU6,
        norm: NormLayer = nn.BatchNorm2d,
    ):
        padding = (kernel - 1) // 2 * dilation
        layers: list[nn.Module] = [
            nn.Conv2d(in_ch, out_ch, kernel, stride, padding, dilation=dilation, groups=groups, bias=False),
            norm(out_ch),
        ]
        act_module = activation(act)
        if act_module is not None:
            layers.append(act_module)
        super().__init__(*layers)
        self.out_channels = out_ch


class Add(nn.Module):
    """The residual addition, as a module so the per-layer analysis and profiler see it."""

    def forward(self, a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
        return a + b


class DepthwiseSeparable(nn.Sequential):
    """MobileNetV1's unit: 3x3 depthwise conv + BN + ReLU, then 1x1 pointwise conv + BN + ReLU."""

    def __init__(self, in_ch: int, out_ch: int, *, stride: int, act: Act, norm: NormLayer):
        super().__init__(
            OrderedDict(
                dw=ConvBNAct(in_ch, in_ch, kernel=3, stride=stride, groups=in_ch, act=act, norm=norm),
                pw=ConvBNAct(in_ch, out_ch, kernel=1, act=act, norm=norm),
            )
        )
        self.stride = stride
        self.out_channels = out_ch


class InvertedResidualV2(nn.Module):
    """MobileNetV2's bottleneck (Table 1): 1x1 expand (ReLU6) -> 3x3 depthwise (ReLU6) ->
    linear 1x1 project, with a residual when shapes allow. Layers live in `.conv`."""

    streams_internals = True  # the expansion need not be materialised (V2 paper, section 6)

    def __init__(self, in_ch: int, out_ch: int, *, stride: int, expand: int, norm: NormLayer):
        super().__init__()
        hidden = int(round(in_ch * expand))
        layers: list[nn.Module] = []
        if expand != 1:
            layers.append(ConvBNAct(in_ch, hidden, kernel=1, act=Act.RELU6, norm=norm))
        layers += [
            ConvBNAct(hidden, hidden, stride=stride, groups=hidden, act=Act.RELU6, norm=norm),
            nn.Conv2d(hidden, out_ch, 1, bias=False),
            norm(out_ch),
        ]
        self.conv = nn.Sequential(*layers)
        self.use_res_connect = stride == 1 and in_ch == out_ch
        if self.use_res_connect:
            self.add = Add()
        self.stride = stride
        self.out_channels = out_ch

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.add(x, self.conv(x)) if self.use_res_connect else self.conv(x)


class SqueezeExcitation(nn.Module):
    """Squeeze-and-excite with a hard-sigmoid gate (V3 paper section 5.3); torchvision names."""

    def __init__(self, channels: int, squeeze: int):
        super().__init__()
        self.avgpool = nn.AdaptiveAvgPool2d(1)
        self.fc1 = nn.Conv2d(channels, squeeze, 1)
        self.activation = nn.ReLU()
        self.fc2 = nn.Conv2d(squeeze, channels, 1)
        self.scale_activation = nn.Hardsigmoid()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        scale = self.scale_activation(self.fc2(self.activation(self.fc1(self.avgpool(x)))))
        return scale * x


class InvertedResidualV3(nn.Module):
    """MobileNetV3's bneck: optional 1x1 expand -> kxk depthwise -> optional SE -> linear 1x1
    project, residual when shapes allow. Layers live in `.block`."""

    streams_internals = True

    def __init__(
        self,
        in_ch: int,
        exp_ch: int,
        out_ch: int,
        *,
        kernel: int,
        stride: int,
        dilation: int,
        se: bool,
        act: Act,
        norm: NormLayer,
    ):
        super().__init__()
        layers: list[nn.Module] = []
        if exp_ch != in_ch:
            layers.append(ConvBNAct(in_ch, exp_ch, kernel=1, act=act, norm=norm))
        dw_stride = 1 if dilation > 1 else stride
        layers.append(
            ConvBNAct(exp_ch, exp_ch, kernel=kernel, stride=dw_stride, dilation=dilation, groups=exp_ch, act=act, norm=norm)
        )
        if se:
            layers.append(SqueezeExcitation(exp_ch, make_divisible(exp_ch // 4, 8)))
        layers.append(ConvBNAct(exp_ch, out_ch, kernel=1, act=Act.NONE, norm=norm))
        self.block = nn.Sequential(*layers)
        self.use_res_connect = stride == 1 and in_ch == out_ch
        if self.use_res_connect:
            self.add = Add()
        self.stride = stride
        self.out_channels = out_ch

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.add(x, self.block(x)) if self.use_res_connect else self.block(x)


def init_weights(model: nn.Module) -> None:
    """torchvision's initialisation, so an untrained model behaves like theirs."""
    for m in model.modules():
        if isinstance(m, nn.Conv2d):
            nn.init.kaiming_normal_(m.weight, mode="fan_out")
            if m.bias is not None:
                nn.init.zeros_(m.bias)
        elif isinstance(m, (nn.BatchNorm2d, nn.GroupNorm)):
            nn.init.ones_(m.weight)
            nn.init.zeros_(m.bias)
        elif isinstance(m, nn.Linear):
            nn.init.normal_(m.weight, 0, 0.01)
            nn.init.zeros_(m.bias)
