"""Semantic segmentation: LR-ASPP, R-ASPP and DeepLabV3 heads over any MobileNet backbone, and
the port of MediaPipe's selfie segmenter. Importing this package registers the models in the
catalog (one entry per head x backbone, plus selfie_segmentation)."""

from __future__ import annotations

from engine.models.info import MODELS, InputSpec, ModelInfo
from engine.models.segmentation.backbones import BACKBONES
from engine.models.segmentation.models import HEADS, Segmenter, build_segmenter, catalog_builder, catalog_options
from engine.models.segmentation.selfie import SelfieSegmenter
from engine.models.segmentation.table7 import Table7Row, build_table7_row, table7

__all__ = ["Segmenter", "SelfieSegmenter", "Table7Row", "build_segmenter", "build_table7_row", "table7"]

_FAMILY = {"mobilenet_v1": "v1", "mobilenet_v2": "v2", "mobilenet_v3_large": "v3-large",
           "mobilenet_v3_small": "v3-small"}
_TITLE = {"lraspp": "LR-ASPP (MobileNetV3 paper)", "raspp": "R-ASPP (MobileNetV2 paper: 1x1 conv + image pooling)",
          "deeplabv3": "DeepLabV3 ASPP (rates 12, 24, 36, as torchvision)"}
_TORCHVISION = {"lraspp_mobilenet_v3_large", "deeplabv3_mobilenet_v3_large"}
_SEG_INPUT = InputSpec(size=520, layout="N×3×H×W, mean/std-normalised RGB; returns {'out': N×C×H×W}")

for _head in HEADS:
    for _backbone in BACKBONES:
        _name = f"{_head}_{_backbone}"
        _note = "; torchvision-compatible (dilated, 21 VOC classes)" if _name in _TORCHVISION else ""
        MODELS.add(_name, ModelInfo(
            name=_name, task="segmentation", family=_FAMILY[_backbone], builder=catalog_builder(_head, _backbone),
            description=f"{_TITLE[_head]} over {_backbone}, output stride 16{_note}",
            input=_SEG_INPUT, labels="voc", options=catalog_options(_head),
        ))

MODELS.add("selfie_segmentation", ModelInfo(
    name="selfie_segmentation", task="segmentation", family="v3-small", builder=SelfieSegmenter,
    description="Port of MediaPipe's selfie segmenter (MobileNetV3-style encoder, 256x256, person mask)",
    input=InputSpec(size=256, value_range=(0.0, 1.0), mean=(0.0, 0.0, 0.0), std=(1.0, 1.0, 1.0),
                    layout="N×3×256×256 RGB in [0, 1]; returns {'out': N×1×256×256} foreground probability"),
    labels="person", has_width=False,
))
