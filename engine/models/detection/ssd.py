"""SSD (not SSDLite) on MobileNetV2, as the TF Object Detection API builds `ssd_mobilenet_v2`:
the SSDLite taps (C4 = expanded_conv_13's expansion, C5 = Conv_1), extra layers of a 1x1 conv
to half depth then a full 3x3 stride-2 conv (512, 256, 256, 128; TF's
`layer_19_1_Conv2d_k_1x1_*` / `layer_19_2_Conv2d_k_3x3_s2_*`), and 1x1-conv box and class
predictors (3 anchors in the lowest layer, 6 elsewhere: 1917 at 300x300).

Two ports use it (engine.models.detection.tflite_ssd builds them):
- `ssd_mobilenet_v2_coco`: Coral's uint8 TFLite, with the anchors the file embeds and the
  file's TFLite_Detection_PostProcess options, both stored in the converted state dict;
- `ssd_mobilenet_v2_oidv4`: MediaPipe Objectron's fp16 TFLite, anchors and post-processing
  from MediaPipe's graph.
TFLite folds batch norm into the convolutions; the converter loads each folded conv as the
conv plus an affine batch norm (mean 0, variance 1 - eps), so the module keeps the usual
conv-BN-ReLU6 layout.
"""

from __future__ import annotations

from collections.abc import Sequence

import cv2
import numpy as np
import torch
from torch import Tensor, nn

from engine.models.blocks import ConvBNAct, NormLayer
from engine.models.detection.anchors import ImageList, TfSsdAnchorGenerator
from engine.models.detection.backbones import SSDLiteFeatureExtractor
from engine.models.detection.heads import ScoringHead, SSDLiteHead, normal_init
from engine.models.detection.person import use_tf_same_padding
from engine.models.detection.ssdlite import SSDLite
from engine.models.detection.transforms import _Transform
from engine.models.specs import Act


def ssd_extra_block(in_ch: int, out_ch: int, norm: NormLayer) -> nn.Sequential:
    """1x1 conv to out/2, then a full 3x3 stride-2 conv to out; BN + ReLU6 after each."""
    return nn.Sequential(
        ConvBNAct(in_ch, out_ch // 2, kernel=1, act=Act.RELU6, norm=norm),
        ConvBNAct(out_ch // 2, out_ch, kernel=3, stride=2, act=Act.RELU6, norm=norm),
    )


class SSDFeatureExtractor(SSDLiteFeatureExtractor):
    """SSDLite's taps with SSD's extra layers."""

    def __init__(self, features: nn.Sequential, norm: NormLayer):
        super().__init__(features, norm, width=1.0)
        ins = self.out_channels[1:-1]
        self.extra = nn.ModuleList(ssd_extra_block(i, o, norm) for i, o in zip(ins, self.out_channels[2:]))
        normal_init(self.extra)


class PredictorHead(ScoringHead):
    """SSD's predictors: one 1x1 conv with bias per feature map (ScoringHead's output layout)."""

    def __init__(self, in_channels: Sequence[int], num_anchors: Sequence[int], columns: int):
        nn.Module.__init__(self)
        self.columns = columns
        self.module_list = nn.ModuleList(nn.Conv2d(c, a * columns, 1) for c, a in zip(in_channels, num_anchors))


class SSDHead(SSDLiteHead):
    def __init__(self, in_channels: Sequence[int], num_anchors: Sequence[int], num_classes: int):
        nn.Module.__init__(self)
        self.classification_head = PredictorHead(in_channels, num_anchors, num_classes)
        self.regression_head = PredictorHead(in_channels, num_anchors, 4)


def yxhw_to_xyxy(anchors: Tensor, height: int, width: int) -> Tensor:
    """(y_center, x_center, h, w) normalised -> (x1, y1, x2, y2) in pixels."""
    yc, xc, h, w = anchors.unbind(-1)
    return torch.stack([(xc - w / 2) * width, (yc - h / 2) * height, (xc + w / 2) * width, (yc + h / 2) * height], -1)


class StoredAnchors(nn.Module):
    """Anchors as a buffer of (y_center, x_center, h, w) rows, normalised: the TFLite file's own
    constant for the COCO port (the converter stores it), MediaPipe's generated ones for OIDv4.
    At another input size the grids change; then TF's generator makes anchors of that size, so
    profiling at any resolution still runs."""

    def __init__(self, yxhw: Tensor, fallback: TfSsdAnchorGenerator):
        super().__init__()
        self.register_buffer("yxhw", yxhw.float().contiguous())
        self.fallback = fallback

    def num_anchors_per_location(self) -> list[int]:
        return self.fallback.num_anchors_per_location()

    def forward(self, image_list: ImageList, feature_maps: Sequence[Tensor]) -> list[Tensor]:
        height, width = image_list.tensors.shape[-2:]
        count = sum(f.shape[-2] * f.shape[-1] * a for f, a in zip(feature_maps, self.num_anchors_per_location()))
        if count != self.yxhw.shape[0]:
            return self.fallback(image_list, feature_maps)
        xyxy = yxhw_to_xyxy(self.yxhw, height, width).to(feature_maps[0].device, feature_maps[0].dtype)
        return [xyxy for _ in image_list.image_sizes]


class Uint8Resize(_Transform):
    """What feeding these TFLite models looks like: the RGB image as uint8, OpenCV's bilinear
    resize to size x size (aspect not kept, as MediaPipe's graph and Coral's examples do), then
    `value = q * scale + offset` in float32."""

    def __init__(self, size: int, scale: float, offset: float):
        super().__init__()
        self.size = (size, size)
        self.scale, self.offset = np.float32(scale), np.float32(offset)

    def _resize_scale(self, rgb: np.ndarray) -> Tensor:
        if rgb.shape[:2] != self.size:
            rgb = cv2.resize(rgb, self.size[::-1], interpolation=cv2.INTER_LINEAR)
        values = rgb.astype(np.float32) * self.scale + self.offset
        return torch.from_numpy(np.ascontiguousarray(values.transpose(2, 0, 1)))

    def prepare(self, image: Tensor, resize: bool) -> Tensor:
        if not resize:  # a batch at the working resolution (analysis, profiling)
            return image * 255.0 * float(self.scale) + float(self.offset)
        rgb = (image.detach().clamp(0, 1) * 255.0).round().to(torch.uint8).permute(1, 2, 0).cpu().numpy()
        return self._resize_scale(rgb).to(image.device)

    def prepare_frame(self, frame_bgr: np.ndarray) -> Tensor:
        return self._resize_scale(cv2.cvtColor(frame_bgr, cv2.COLOR_BGR2RGB))


class SSD(SSDLite):
    """SSDLite's container with a post-process module (its options live in the state dict)."""

    def postprocess_detections(self, head_outputs: dict[str, Tensor], image_anchors: list[Tensor],
                               image_shapes: list[tuple[int, int]], score_floor: float | None = None,
                               ) -> list[dict[str, Tensor]]:
        return self._postprocess(head_outputs, image_anchors, image_shapes, score_floor)


def build_ssd(num_classes: int, transform: _Transform, postprocess: nn.Module, anchors: Tensor | None = None,
              ) -> SSD:
    """SSD MobileNetV2 with `num_classes` score columns (background included) at 300x300."""
    from functools import partial

    from engine.models.mobilenet_v2 import mobilenet_v2

    norm = partial(nn.BatchNorm2d, eps=0.001)
    extractor = SSDFeatureExtractor(mobilenet_v2(width=1.0).features, norm)
    generator = TfSsdAnchorGenerator()
    if anchors is None:  # TF's generator at 300x300, as (yc, xc, h, w), until weights bring theirs
        yxyx = generator.normalized_anchors([(19, 19), (10, 10), (5, 5), (3, 3), (2, 2), (1, 1)])
        anchors = torch.stack([(yxyx[:, 0] + yxyx[:, 2]) / 2, (yxyx[:, 1] + yxyx[:, 3]) / 2,
                               yxyx[:, 2] - yxyx[:, 0], yxyx[:, 3] - yxyx[:, 1]], -1)
    head = SSDHead(extractor.out_channels, generator.num_anchors_per_location(), num_classes)
    normal_init(head)
    model = SSD(extractor, head, StoredAnchors(anchors, generator), transform=transform, postprocess=postprocess)
    return use_tf_same_padding(model)
