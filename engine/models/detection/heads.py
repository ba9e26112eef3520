"""SSDLite's building blocks after the backbone (MobileNetV2 paper, section 6.3): extra feature
layers and the box / class predictors, all with depthwise-separable convolutions.

Module names follow torchvision's SSDLite (`extra.i`, `head.classification_head.module_list.i`,
`head.regression_head.module_list.i`) so its checkpoint loads strictly.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import Tensor, nn

from engine.models.blocks import ConvBNAct, NormLayer
from engine.models.specs import Act


def normal_init(module: nn.Module, std: float = 0.03) -> None:
    """torchvision's SSDLite initialisation of extras and heads."""
    for m in module.modules():
        if isinstance(m, nn.Conv2d):
            nn.init.normal_(m.weight, 0.0, std)
            if m.bias is not None:
                nn.init.zeros_(m.bias)


def extra_block(in_ch: int, out_ch: int, norm: NormLayer) -> nn.Sequential:
    """1x1 conv to out/2, 3x3 depthwise stride 2, 1x1 conv to out; BN + ReLU6 after each."""
    mid = out_ch // 2
    return nn.Sequential(
        ConvBNAct(in_ch, mid, kernel=1, act=Act.RELU6, norm=norm),
        ConvBNAct(mid, mid, kernel=3, stride=2, groups=mid, act=Act.RELU6, norm=norm),
        ConvBNAct(mid, out_ch, kernel=1, act=Act.RELU6, norm=norm),
    )


def prediction_block(in_ch: int, out_ch: int, norm: NormLayer) -> nn.Sequential:
    """SSDLite predictor: 3x3 depthwise + BN + ReLU6, then a 1x1 conv with bias (no BN)."""
    return nn.Sequential(
        ConvBNAct(in_ch, in_ch, kernel=3, groups=in_ch, act=Act.RELU6, norm=norm),
        nn.Conv2d(in_ch, out_ch, 1),
    )


class ScoringHead(nn.Module):
    """One predictor per feature map; outputs (N, H*W*A, K) with the anchor index fastest
    within a location, levels concatenated."""

    def __init__(self, in_channels: Sequence[int], num_anchors: Sequence[int], columns: int, norm: NormLayer):
        super().__init__()
        self.columns = columns
        self.module_list = nn.ModuleList(
            prediction_block(c, a * columns, norm) for c, a in zip(in_channels, num_anchors)
        )

    def forward(self, features: Sequence[Tensor]) -> Tensor:
        outputs = []
        for block, x in zip(self.module_list, features):
            y = block(x)
            n, _, h, w = y.shape
            outputs.append(y.view(n, -1, self.columns, h, w).permute(0, 3, 4, 1, 2).reshape(n, -1, self.columns))
        return torch.cat(outputs, dim=1)


class SSDLiteHead(nn.Module):
    def __init__(self, in_channels: Sequence[int], num_anchors: Sequence[int], num_classes: int, norm: NormLayer):
        super().__init__()
        self.classification_head = ScoringHead(in_channels, num_anchors, num_classes, norm)
        self.regression_head = ScoringHead(in_channels, num_anchors, 4, norm)

    def forward(self, features: Sequence[Tensor]) -> dict[str, Tensor]:
        return {
            "bbox_regression": self.regression_head(features),
            "cls_logits": self.classification_head(features),
        }
