"""A port of MediaPipe's selfie segmenter (selfie_segmentation.tflite, mediapipe 0.10.14).

Structure verified against the graph (shared op list; the converter re-checks every conv's
kind, shape and stride in execution order): a MobileNetV3-style encoder (h-swish, sigmoid-gated
squeeze-excite, no batch-norm: it is folded into conv biases), an LR-ASPP-like head, and a
three-stage decoder whose stages gate each skip connection with a pooled attention vector.
Convolutions are registered in the graph's execution order, which is what the converter relies
on. Stride-2 convs pad like TF 'SAME' on even inputs: the extra pixel goes bottom/right.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn

from engine.models.blocks import Add


def conv(in_ch: int, out_ch: int, kernel: int = 1, stride: int = 1, depthwise: bool = False) -> nn.Module:
    """A biased conv with TF 'SAME' padding (for inputs divisible by the stride)."""
    groups = in_ch if depthwise else 1
    if stride == 1:
        return nn.Conv2d(in_ch, out_ch, kernel, 1, kernel // 2, groups=groups)
    total = kernel - stride
    pad = (total // 2, total - total // 2) * 2  # (left, right, top, bottom)
    return nn.Sequential(nn.ZeroPad2d(pad), nn.Conv2d(in_ch, out_ch, kernel, stride, 0, groups=groups))


class SigmoidGate(nn.Module):
    """Global mean -> 1x1 -> ReLU -> 1x1 -> sigmoid: a per-channel gate (SE with a true sigmoid)."""

    def __init__(self, channels: int, squeeze: int):
        super().__init__()
        self.fc1 = nn.Conv2d(channels, squeeze, 1)
        self.fc2 = nn.Conv2d(squeeze, channels, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.sigmoid(self.fc2(F.relu(self.fc1(x.mean((2, 3), keepdim=True)))))


@dataclass(frozen=True)
class BlockRow:
    in_ch: int
    exp: int
    out: int
    kernel: int
    stride: int
    se: int  # squeeze width, 0 = no squeeze-excite
    hswish: bool


# The encoder as the graph has it (conv2d_1 .. conv2d_28). B1 expands 16 -> 16 with a real conv.
ENCODER: tuple[BlockRow, ...] = (
    BlockRow(16, 16, 16, 3, 2, 8, False),
    BlockRow(16, 72, 24, 3, 2, 0, False),
    BlockRow(24, 88, 24, 3, 1, 0, False),
    BlockRow(24, 96, 32, 5, 2, 24, True),
    BlockRow(32, 128, 32, 5, 1, 32, True),
    BlockRow(32, 128, 32, 5, 1, 32, True),
    BlockRow(32, 96, 32, 5, 1, 24, True),
    BlockRow(32, 96, 32, 5, 1, 24, True),
)
SKIP_AFTER = {0: 16, 2: 24}  # encoder block index -> channels of the skip taken after it


class Bottleneck(nn.Module):
    """1x1 expand -> act -> kxk depthwise -> act -> [gate] -> linear 1x1 project [+ input]."""

    def __init__(self, row: BlockRow):
        super().__init__()
        self.expand = conv(row.in_ch, row.exp)
        self.depthwise = conv(row.exp, row.exp, row.kernel, row.stride, depthwise=True)
        self.gate = SigmoidGate(row.exp, row.se) if row.se else None
        self.project = conv(row.exp, row.out)
        self.act = nn.Hardswish() if row.hswish else nn.ReLU()
        self.add = Add() if row.stride == 1 and row.in_ch == row.out else None

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = self.act(self.depthwise(self.act(self.expand(x))))
        if self.gate is not None:
            y = y * self.gate(y)
        y = self.project(y)
        return self.add(x, y) if self.add is not None else y


class GatedHead(nn.Module):
    """LR-ASPP-style: ReLU(1x1 conv) gated by sigmoid(1x1 conv of the global mean)."""

    def __init__(self, in_ch: int, out_ch: int):
        super().__init__()
        self.cbr = nn.Conv2d(in_ch, out_ch, 1)
        self.scale = nn.Conv2d(in_ch, out_ch, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.relu(self.cbr(x)) * torch.sigmoid(self.scale(x.mean((2, 3), keepdim=True)))


class DecoderStage(nn.Module):
    """Upsample x2, 1x1 to the skip's width (d); gate the skip by the pooled (skip + d); fuse;
    then a 1x1 + ReLU and a residual depthwise 3x3 + ReLU."""

    def __init__(self, in_ch: int, ch: int):
        super().__init__()
        self.project_in = conv(in_ch, ch)
        self.gate = SigmoidGate(ch, ch)
        self.mix = conv(ch, ch)
        self.depthwise = conv(ch, ch, 3, depthwise=True)
        self.add = Add()

    def forward(self, x: torch.Tensor, skip: torch.Tensor) -> torch.Tensor:
        d = self.project_in(F.interpolate(x, scale_factor=2.0, mode="bilinear", align_corners=False))
        v = F.relu(self.mix(skip * self.gate(skip + d) + d))
        return self.add(v, F.relu(self.depthwise(v)))


class SelfieSegmenter(nn.Module):
    """N x 3 x 256 x 256 RGB in [0, 1] -> {"out": N x 1 x 256 x 256 foreground probability}.
    Sides must be multiples of 32 (the decoder adds skips at 1/2, 1/4 and 1/8)."""

    def __init__(self):
        super().__init__()
        self.stem = conv(3, 16, 3, 2)
        self.stem_act = nn.Hardswish()
        self.encoder = nn.ModuleList(Bottleneck(row) for row in ENCODER)
        self.head = GatedHead(32, 128)
        self.decoder = nn.ModuleList([DecoderStage(128, 24), DecoderStage(24, 16), DecoderStage(16, 16)])
        self.output = nn.ConvTranspose2d(16, 1, 2, stride=2)

    def logits(self, x: torch.Tensor) -> torch.Tensor:
        x = self.stem_act(self.stem(x))
        skips = [x]
        for i, block in enumerate(self.encoder):
            x = block(x)
            if i in SKIP_AFTER:
                skips.append(x)
        x = self.head(x)
        for stage, skip in zip(self.decoder, reversed(skips)):
            x = stage(x, skip)
        return self.output(x)

    def forward(self, x: torch.Tensor) -> dict[str, torch.Tensor]:
        if x.dim() != 4 or x.shape[1] != 3 or x.shape[2] % 32 or x.shape[3] % 32:
            from engine.errors import InvalidInput

            raise InvalidInput(f"selfie_segmentation takes N x 3 x H x W with H, W multiples of 32 (256 x 256 "
                               f"as trained), got {tuple(x.shape)}")
        return {"out": torch.sigmoid(self.logits(x))}
