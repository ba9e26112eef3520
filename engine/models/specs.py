"""The papers' layer tables as data: one row here = one row of the paper's table.

Builders (mobilenet_v1.py, mobilenet_v2.py, mobilenet_v3.py) turn these rows into modules; the
analysis and the GUI read the same rows, so there is one place where an architecture lives.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass


class Act(enum.Enum):
    """Non-linearity column of the papers' tables ("NL")."""

    RELU = "RE"
    RELU6 = "RE6"
    HSWISH = "HS"
    NONE = "-"


def make_divisible(value: float, divisor: int = 8, min_value: int | None = None) -> int:
    """Round a channel count to a multiple of `divisor`, never more than 10% below `value`.

    This is TF-slim's `_make_divisible` (kept by torchvision): channel counts stay friendly to
    vector units while the width multiplier is honoured.
    """
    min_value = divisor if min_value is None else min_value
    new = max(min_value, int(value + divisor / 2) // divisor * divisor)
    if new < 0.9 * value:
        new += divisor
    return new


# --------------------------------------------------------------------------------------------
# MobileNetV1, Table 1 "MobileNet Body Architecture" (V1 paper, arXiv:1704.04861)
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class ConvRow:
    """A full convolution (the stem or a 1x1 head conv)."""

    out: int
    kernel: int = 3
    stride: int = 1
    act: Act = Act.RELU


@dataclass(frozen=True, kw_only=True)
class SeparableRow:
    """One 'Conv dw / s' + 'Conv / s1' pair of Table 1: depthwise 3x3, then pointwise 1x1."""

    out: int
    stride: int = 1


# Table 1 with its '5x' row unrolled. The paper prints the last depthwise conv as s2 at 7x7;
# TF-slim (the reference implementation) uses stride 1 there, and so do we.
V1_STEM = ConvRow(out=32, kernel=3, stride=2, act=Act.RELU)
V1_BODY: tuple[SeparableRow, ...] = (
    SeparableRow(out=64, stride=1),
    SeparableRow(out=128, stride=2),
    SeparableRow(out=128, stride=1),
    SeparableRow(out=256, stride=2),
    SeparableRow(out=256, stride=1),
    SeparableRow(out=512, stride=2),
    SeparableRow(out=512, stride=1),  # 5x Conv dw / s1 + Conv / s1, 14x14x512
    SeparableRow(out=512, stride=1),
    SeparableRow(out=512, stride=1),
    SeparableRow(out=512, stride=1),
    SeparableRow(out=512, stride=1),
    SeparableRow(out=1024, stride=2),
    SeparableRow(out=1024, stride=1),  # printed 's2' in Table 1; TF-slim uses s1
)


# --------------------------------------------------------------------------------------------
# MobileNetV2, Table 2 (V2 paper, arXiv:1801.04381): t, c, n, s
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class BottleneckRow:
    """A 'bottleneck' line of Table 2: n blocks with expansion t and c outputs, first stride s."""

    t: int
    c: int
    n: int
    s: int


V2_STEM = ConvRow(out=32, kernel=3, stride=2, act=Act.RELU6)
V2_BODY: tuple[BottleneckRow, ...] = (
    BottleneckRow(t=1, c=16, n=1, s=1),
    BottleneckRow(t=6, c=24, n=2, s=2),
    BottleneckRow(t=6, c=32, n=3, s=2),
    BottleneckRow(t=6, c=64, n=4, s=2),
    BottleneckRow(t=6, c=96, n=3, s=1),
    BottleneckRow(t=6, c=160, n=3, s=2),
    BottleneckRow(t=6, c=320, n=1, s=1),
)
V2_HEAD = ConvRow(out=1280, kernel=1, stride=1, act=Act.RELU6)


# --------------------------------------------------------------------------------------------
# MobileNetV3, Tables 1 (Large) and 2 (Small) (V3 paper, arXiv:1905.02244, latest revision)
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class BneckRow:
    """A 'bneck' row: kernel, exp size, #out, SE, NL, s. `tail` marks the last stage (C5),
    whose channels `reduced_tail` halves and whose stride `dilated` turns into dilation."""

    kernel: int
    exp: int
    out: int
    se: bool
    act: Act
    stride: int
    tail: bool = False


@dataclass(frozen=True, kw_only=True)
class V3Spec:
    stem: ConvRow
    body: tuple[BneckRow, ...]
    last_act: Act  # of the conv2d 1x1 after the last bneck, six times its input wide (960 / 576)
    head: int  # conv2d 1x1, NBN after pooling (1280 / 1024), a Linear layer in torchvision


HS, RE = Act.HSWISH, Act.RELU

# Table 1, MobileNetV3-Large.
V3_LARGE = V3Spec(
    stem=ConvRow(out=16, kernel=3, stride=2, act=HS),
    body=(
        BneckRow(kernel=3, exp=16, out=16, se=False, act=RE, stride=1),
        BneckRow(kernel=3, exp=64, out=24, se=False, act=RE, stride=2),  # C1
        BneckRow(kernel=3, exp=72, out=24, se=False, act=RE, stride=1),
        BneckRow(kernel=5, exp=72, out=40, se=True, act=RE, stride=2),  # C2
        BneckRow(kernel=5, exp=120, out=40, se=True, act=RE, stride=1),
        BneckRow(kernel=5, exp=120, out=40, se=True, act=RE, stride=1),
        BneckRow(kernel=3, exp=240, out=80, se=False, act=HS, stride=2),  # C3
        BneckRow(kernel=3, exp=200, out=80, se=False, act=HS, stride=1),
        BneckRow(kernel=3, exp=184, out=80, se=False, act=HS, stride=1),
        BneckRow(kernel=3, exp=184, out=80, se=False, act=HS, stride=1),
        BneckRow(kernel=3, exp=480, out=112, se=True, act=HS, stride=1),
        BneckRow(kernel=3, exp=672, out=112, se=True, act=HS, stride=1),
        BneckRow(kernel=5, exp=672, out=160, se=True, act=HS, stride=2, tail=True),  # C4
        BneckRow(kernel=5, exp=960, out=160, se=True, act=HS, stride=1, tail=True),
        BneckRow(kernel=5, exp=960, out=160, se=True, act=HS, stride=1, tail=True),
    ),
    last_act=HS,
    head=1280,
)

# Table 2, MobileNetV3-Small. Both paper versions mark SE on the 576 conv; TF-slim and
# torchvision (whose checkpoints we load) have none there, so neither do we.
V3_SMALL = V3Spec(
    stem=ConvRow(out=16, kernel=3, stride=2, act=HS),
    body=(
        BneckRow(kernel=3, exp=16, out=16, se=True, act=RE, stride=2),  # C1
        BneckRow(kernel=3, exp=72, out=24, se=False, act=RE, stride=2),  # C2
        BneckRow(kernel=3, exp=88, out=24, se=False, act=RE, stride=1),
        BneckRow(kernel=5, exp=96, out=40, se=True, act=HS, stride=2),  # C3
        BneckRow(kernel=5, exp=240, out=40, se=True, act=HS, stride=1),
        BneckRow(kernel=5, exp=240, out=40, se=True, act=HS, stride=1),
        BneckRow(kernel=5, exp=120, out=48, se=True, act=HS, stride=1),
        BneckRow(kernel=5, exp=144, out=48, se=True, act=HS, stride=1),
        BneckRow(kernel=5, exp=288, out=96, se=True, act=HS, stride=2, tail=True),  # C4
        BneckRow(kernel=5, exp=576, out=96, se=True, act=HS, stride=1, tail=True),
        BneckRow(kernel=5, exp=576, out=96, se=True, act=HS, stride=1, tail=True),
    ),
    last_act=HS,
    head=1024,
)
