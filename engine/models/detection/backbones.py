"""SSDLite feature extractors over the four MobileNets: the classifier's `features` split at C4
(stride 16) and C5 (stride 32), then four extra layers down to 1x1.

Taps, as the papers place them:
- MobileNetV2 (V2 paper section 6.3): C4 = the expansion output of the 14th bottleneck (the
  first stride-32 block; TF's `expanded_conv_13/expansion_output`), C5 = the last 1x1 conv.
- MobileNetV3 (V3 paper section 6.1): C4 = the expansion layer of the last stride-2 bneck
  (13th of Large, 9th of Small), C5 = the last 1x1 conv before pooling; `reduced_tail` halves
  the channels between them.
- MobileNetV1 (no expansion layers; TF's ssd_mobilenet_v1): C4 = the output of the 11th
  separable unit (`Conv2d_11_pointwise`, just before the last stride-2 unit), C5 = the last one.

The split is torchvision's: `features.0` = everything up to C4 (with the C4 block's expansion
conv appended), `features.1` = the rest of that block (keeping its Sequential indices 1, 2, ...)
and the later blocks; `extra` holds the extra layers.
"""

from __future__ import annotations

from collections import OrderedDict

from torch import Tensor, nn

from engine.models.blocks import ConvBNAct, NormLayer
from engine.models.detection.heads import extra_block, normal_init

EXTRA_DEPTHS = (512, 256, 256, 128)
MIN_DEPTH = 16


def _inner(block: nn.Module) -> nn.Sequential | None:
    """The layer Sequential of an inverted-residual block (V3 `.block`, V2 `.conv`)."""
    inner = getattr(block, "block", None)
    return inner if inner is not None else getattr(block, "conv", None)


def split_at_c4(features: nn.Sequential) -> tuple[nn.Sequential, nn.Sequential, int, int]:
    """(up to C4, C4 to C5, C4 channels, C5 channels) for one of our classifiers' `features`."""
    strided = [i for i, b in enumerate(features) if getattr(b, "stride", 1) > 1]
    c4 = strided[-1]  # the last stride-2 block starts the stride-32 stage
    block = features[c4]
    inner = _inner(block)
    if inner is not None and isinstance(inner[0], ConvBNAct) and inner[0][0].kernel_size == (1, 1):
        expand = inner[0]
        rest = nn.Sequential(OrderedDict(list(inner._modules.items())[1:]))
        head = nn.Sequential(*features[:c4], expand)
        tail = nn.Sequential(rest, *features[c4 + 1:])
        c4_channels = expand.out_channels
    else:  # V1: tap the input of the strided unit
        head, tail = nn.Sequential(*features[:c4]), nn.Sequential(*features[c4:])
        c4_channels = features[c4 - 1].out_channels
    return head, tail, c4_channels, features[-1].out_channels


class SSDLiteFeatureExtractor(nn.Module):
    def __init__(self, features: nn.Sequential, norm: NormLayer, width: float = 1.0):
        super().__init__()
        head, tail, c4, c5 = split_at_c4(features)
        self.features = nn.Sequential(head, tail)
        depths = [max(MIN_DEPTH, int(d * width)) for d in EXTRA_DEPTHS]
        ins = [c5, *depths[:-1]]
        self.extra = nn.ModuleList(extra_block(i, o, norm) for i, o in zip(ins, depths))
        normal_init(self.extra)
        self.out_channels = [c4, c5, *depths]

    def forward(self, x: Tensor) -> "OrderedDict[str, Tensor]":
        outputs = []
        for stage in self.features:
            x = stage(x)
            outputs.append(x)
        for block in self.extra:
            x = block(x)
            outputs.append(x)
        return OrderedDict((str(i), v) for i, v in enumerate(outputs))
