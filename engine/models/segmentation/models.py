"""Segmenters: a tapped backbone + a head (+ an optional auxiliary head), torchvision's layout.

`build_segmenter` builds any head over any backbone by keyword arguments; the catalog names
(`lraspp_mobilenet_v2`, ...) are thin wrappers whose options are booleans. With default options
`lraspp_mobilenet_v3_large` and `deeplabv3_mobilenet_v3_large` are torchvision's models (dilated
V3-Large, output stride 16, 21 VOC classes) and load its checkpoints with strict=True.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
import torch.nn.functional as F
from torch import nn

from engine.errors import InvalidInput, UnknownName
from engine.models.blocks import init_weights
from engine.models.segmentation.backbones import Taps, build_backbone
from engine.models.segmentation.heads import LRASPPHead, deeplab_head, fcn_head, raspp_head

HEADS = ("lraspp", "raspp", "deeplabv3")
VOC_CLASSES = 21
# The MobileNetV3 paper's LR-ASPP pooling: 49x49 kernel, stride (16, 20) (section 6.4).
PAPER_POOL = ((49, 49), (16, 20))


class Segmenter(nn.Module):
    """backbone (taps) -> classifier [-> aux_classifier]; returns {"out"[, "aux"]} at input size."""

    def __init__(self, backbone: Taps, classifier: nn.Module, aux_classifier: nn.Module | None = None):
        super().__init__()
        self.backbone = backbone
        self.classifier = classifier
        self.aux_classifier = aux_classifier
        self._register_load_state_dict_pre_hook(self._drop_unused_aux)

    def forward(self, x: torch.Tensor) -> dict[str, torch.Tensor]:
        size = x.shape[-2:]
        features = self.backbone(x)
        head_input = features if isinstance(self.classifier, LRASPPHead) else features["out"]
        result = {"out": F.interpolate(self.classifier(head_input), size=size, mode="bilinear", align_corners=False)}
        if self.aux_classifier is not None:
            aux = self.aux_classifier(features["aux"])
            result["aux"] = F.interpolate(aux, size=size, mode="bilinear", align_corners=False)
        return result

    def adapt_state_dict(self, state: dict) -> dict:
        """A checkpoint's state dict as this model takes it: torchvision's DeepLabV3 checkpoints
        carry an auxiliary head, dropped here when the model was built without one."""
        if self.aux_classifier is not None:
            return state
        return {k: v for k, v in state.items() if not k.startswith("aux_classifier.")}

    def _drop_unused_aux(self, state, prefix, *args) -> None:
        if self.aux_classifier is None:
            for key in [k for k in state if k.startswith(prefix + "aux_classifier.")]:
                del state[key]


def build_segmenter(
    head: str,
    backbone: str,
    *,
    width: float = 1.0,
    num_classes: int = VOC_CLASSES,
    reduced_tail: bool = False,
    output_stride: int = 16,
    head_filters: int | None = None,
    paper_pooling: bool = False,
    atrous_rates: Sequence[int] = (12, 24, 36),
    aux_loss: bool = False,
) -> Segmenter:
    """Any head over any backbone. head_filters: LR-ASPP 128 by default, (R-)ASPP 256."""
    if head not in HEADS:
        raise UnknownName("segmentation head", head, HEADS)
    if aux_loss and head == "lraspp":
        raise InvalidInput("LR-ASPP has no auxiliary classifier (as in torchvision); aux_loss applies to "
                           "raspp and deeplabv3")
    parts = build_backbone(backbone, width=width, reduced_tail=reduced_tail, output_stride=output_stride)
    if head == "lraspp":
        taps = Taps(parts.features, {parts.low: "low", parts.high: "high"})
        classifier = LRASPPHead(parts.low_channels, parts.high_channels, num_classes, head_filters or 128,
                                pool=PAPER_POOL if paper_pooling else None)
        model = Segmenter(taps, classifier)
    else:
        taps = {parts.high: "out"} | ({parts.low: "aux"} if aux_loss else {})
        classifier = (deeplab_head(parts.high_channels, num_classes, atrous_rates, head_filters or 256)
                      if head == "deeplabv3" else raspp_head(parts.high_channels, num_classes, head_filters or 256))
        aux = fcn_head(parts.low_channels, num_classes) if aux_loss else None
        model = Segmenter(Taps(parts.features, taps), classifier, aux)
    init_weights(model.classifier)
    if model.aux_classifier is not None:
        init_weights(model.aux_classifier)
    return model.eval()


def _output_stride(output_stride_8: bool, output_stride_32: bool) -> int:
    if output_stride_8 and output_stride_32:
        raise InvalidInput("choose one of output_stride_8 and output_stride_32 (default: output stride 16)")
    return 8 if output_stride_8 else 32 if output_stride_32 else 16


def catalog_builder(head: str, backbone: str):
    """A builder with boolean options for the catalog (ModelInfo options are booleans)."""

    def build(*, width: float = 1.0, reduced_tail: bool = False, output_stride_8: bool = False,
              output_stride_32: bool = False, wide_head: bool = False, paper_pooling: bool = False,
              aux_loss: bool = False) -> Segmenter:
        return build_segmenter(
            head, backbone, width=width, reduced_tail=reduced_tail,
            output_stride=_output_stride(output_stride_8, output_stride_32),
            head_filters=256 if wide_head else None, paper_pooling=paper_pooling, aux_loss=aux_loss,
        )

    build.__name__ = f"{head}_{backbone}"
    return build


def catalog_options(head: str) -> tuple[str, ...]:
    common = ("reduced_tail", "output_stride_8", "output_stride_32")
    return common + (("wide_head", "paper_pooling") if head == "lraspp" else ("aux_loss",))
