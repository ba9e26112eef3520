"""MobileNetV3-Large / -Small from specs.V3_* with torchvision's module names.

Options, as in torchvision and TF-slim:
- `minimalistic`: no squeeze-excite, no h-swish (ReLU everywhere), 3x3 kernels only.
- `reduced_tail`: halve the channels of the last stage (C4 -> C5) and of the head, as the
  V3 paper does for detection and segmentation backbones.
- `dilated`: the last stage uses dilation 2 instead of stride 2 (output stride 16).
"""

from __future__ import annotations

import dataclasses
from functools import partial

from torch import nn

from engine.models.blocks import ConvBNAct, InvertedResidualV3, activation
from engine.models.classifier import MobileNetClassifier
from engine.models.specs import V3_LARGE, V3_SMALL, Act, BneckRow, V3Spec, make_divisible


def minimalistic_spec(spec: V3Spec) -> V3Spec:
    """TF-slim's 'minimalistic' variant of a table: drop SE and h-swish, use 3x3 kernels."""
    relu = lambda row: dataclasses.replace(row, act=Act.RELU)  # noqa: E731
    body = tuple(dataclasses.replace(r, kernel=3, se=False, act=Act.RELU) for r in spec.body)
    return dataclasses.replace(spec, stem=relu(spec.stem), body=body, last_act=Act.RELU)


def mobilenet_v3(
    spec: V3Spec,
    *,
    width: float = 1.0,
    num_classes: int = 1000,
    dropout: float = 0.2,
    minimalistic: bool = False,
    reduced_tail: bool = False,
    dilated: bool = False,
) -> MobileNetClassifier:
    if minimalistic:
        spec = minimalistic_spec(spec)
    norm = partial(nn.BatchNorm2d, eps=0.001, momentum=0.01)  # torchvision's V3 batch-norm
    divider = 2 if reduced_tail else 1
    ch = lambda c: make_divisible(c * width)  # noqa: E731

    in_ch, table_in = ch(spec.stem.out), spec.stem.out
    layers: list[nn.Module] = [ConvBNAct(3, in_ch, stride=spec.stem.stride, act=spec.stem.act, norm=norm)]
    prev: BneckRow | None = None
    for row in spec.body:
        exp = row.exp // divider if row.tail and prev is not None and prev.tail else row.exp
        out = row.out // divider if row.tail else row.out
        # TF-slim scales the expansion as a ratio of the (already scaled) input, which is how the
        # paper's Table 9 widths were built; at width 1.0 this is exactly the table's exp size.
        exp_ch = in_ch if exp == table_in else make_divisible(in_ch * exp / table_in)
        layers.append(
            InvertedResidualV3(
                in_ch, exp_ch, ch(out), kernel=row.kernel, stride=row.stride,
                dilation=2 if (dilated and row.tail) else 1, se=row.se, act=row.act, norm=norm,
            )
        )
        in_ch, table_in, prev = ch(out), out, row
    last_conv = 6 * in_ch  # torchvision: the last 1x1 conv is six times its input
    layers.append(ConvBNAct(in_ch, last_conv, kernel=1, act=spec.last_act, norm=norm))
    # As for V2, the head after pooling keeps its width for multipliers below one (TF-slim).
    head = make_divisible(spec.head // divider * max(1.0, width))
    head_act = activation(Act.RELU if minimalistic else Act.HSWISH)
    classifier = nn.Sequential(
        nn.Linear(last_conv, head), head_act, nn.Dropout(dropout, inplace=True), nn.Linear(head, num_classes)
    )
    return MobileNetClassifier(nn.Sequential(*layers), classifier)


def mobilenet_v3_large(**kwargs) -> MobileNetClassifier:
    return mobilenet_v3(V3_LARGE, **kwargs)


def mobilenet_v3_small(**kwargs) -> MobileNetClassifier:
    return mobilenet_v3(V3_SMALL, **kwargs)
