"""SSDLite detectors over any MobileNet at any width, and torchvision's COCO SSDLite320.

The generic models use torchvision's SSDLite recipe (six anchors per location from
DefaultBoxGenerator, softmax scores, COCO's 91 classes) so their latency and cost compare
directly with `ssdlite320_mobilenet_v3_large`, which is the generic MobileNetV3-Large model at
width 1.0 with the reduced tail: its module names and shapes are torchvision's, so the official
COCO checkpoint loads with strict=True.
"""

from __future__ import annotations

from functools import partial

from torch import nn

from engine.models.detection.anchors import DefaultBoxGenerator
from engine.models.detection.backbones import SSDLiteFeatureExtractor
from engine.models.detection.box_coding import BoxCoder
from engine.models.detection.heads import SSDLiteHead, normal_init
from engine.models.detection.postprocess import SoftmaxPostprocess
from engine.models.detection.ssdlite import SSDLite, set_batchnorm
from engine.models.detection.transforms import ResizeNormalize
from engine.models.mobilenet_v1 import mobilenet_v1
from engine.models.mobilenet_v2 import mobilenet_v2
from engine.models.mobilenet_v3 import mobilenet_v3_large, mobilenet_v3_small

BN_EPS, BN_MOMENTUM = 0.001, 0.03  # torchvision's SSDLite (TF's defaults)
COCO_CLASSES = 91  # index 0 = background (engine.paths.labels('coco91'))
BACKBONES = {
    "mobilenet_v1": mobilenet_v1,
    "mobilenet_v2": mobilenet_v2,
    "mobilenet_v3_large": mobilenet_v3_large,
    "mobilenet_v3_small": mobilenet_v3_small,
}


def ssdlite(
    backbone: str,
    *,
    width: float = 1.0,
    size: int = 320,
    num_classes: int = COCO_CLASSES,
    reduced_tail: bool = True,
) -> SSDLite:
    """SSDLite on `backbone` (a key of BACKBONES); `reduced_tail` applies to MobileNetV3 only."""
    v3 = backbone.startswith("mobilenet_v3")
    options = {"reduced_tail": reduced_tail} if v3 else {}
    features = BACKBONES[backbone](width=width, **options).features
    norm = partial(nn.BatchNorm2d, eps=BN_EPS, momentum=BN_MOMENTUM)
    extractor = SSDLiteFeatureExtractor(features, norm, width=width)
    anchors = DefaultBoxGenerator([[2, 3]] * 6, min_ratio=0.2, max_ratio=0.95)
    head = SSDLiteHead(extractor.out_channels, anchors.num_anchors_per_location(), num_classes, norm)
    normal_init(head)
    model = SSDLite(
        extractor, head, anchors,
        transform=ResizeNormalize(size, mean=(0.5, 0.5, 0.5), std=(0.5, 0.5, 0.5)),
        postprocess=SoftmaxPostprocess(
            BoxCoder((10.0, 10.0, 5.0, 5.0)), score_thresh=0.001, nms_thresh=0.55,
            detections_per_img=300, topk_candidates=300,
        ),
    )
    return set_batchnorm(model, BN_EPS, BN_MOMENTUM)


def ssdlite320_mobilenet_v3_large(*, num_classes: int = COCO_CLASSES) -> SSDLite:
    """torchvision's COCO SSDLite320 layout (reduced tail, 3234 anchors at 320x320)."""
    return ssdlite("mobilenet_v3_large", width=1.0, size=320, num_classes=num_classes, reduced_tail=True)
