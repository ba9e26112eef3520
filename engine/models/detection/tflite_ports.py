"""The two multi-class SSD MobileNetV2 ports and the post-processing each original runs
(facts: shared/reference/ports/multiclass_detectors.md):

- `ssd_mobilenet_v2_coco`: Coral's uint8 TFLite. Post-processing is the file's
  TFLite_Detection_PostProcess op with its "fast" class-agnostic NMS: each anchor keeps its best
  class, anchors scoring >= nms_score_threshold go through one greedy NMS (IoU >
  nms_iou_threshold suppresses) and the best max_detections remain. Its options are read from
  the op's custom options by the converter and kept in the state dict (`_postprocess.options`).
  Labels: the op's 0-based class + 1, i.e. the COCO category id, so `coco91` names them.
- `ssd_mobilenet_v2_oidv4`: MediaPipe Objectron's fp16 TFLite. Anchors and post-processing
  come from MediaPipe's graph `object_detection_oid_v4_cpu.pbtxt` (OIDV4_GRAPH below):
  SsdAnchorsCalculator, TensorsToDetectionsCalculator (sigmoid, best class other than the
  ignored background, score >= min_score_thresh) and NonMaxSuppressionCalculator (greedy,
  across classes). Labels: MediaPipe's label map, id 0 = background (`oidv4`).
Boxes are decoded as both originals do, (ty, tx, th, tw) / (10, 10, 5, 5) around the anchor,
and are not clipped (neither original clips); the output follows torchvision's convention.
"""

from __future__ import annotations

import math

import numpy as np
import torch
from torch import Tensor, nn

from engine.models.detection.box_coding import BoxCoder
from engine.models.detection.nms import nms
from engine.models.detection.ssd import SSD, Uint8Resize, build_ssd

INPUT_SIZE = 300
COCO_COLUMNS = 91  # background + 90 class ids (80 named)
OIDV4_COLUMNS = 24  # background + 23 classes

# TFLite_Detection_PostProcess's custom options, in the order the buffer keeps them.
POSTPROCESS_KEYS = ("max_detections", "max_classes_per_detection", "detections_per_class",
                    "nms_score_threshold", "nms_iou_threshold", "num_classes", "y_scale", "x_scale",
                    "h_scale", "w_scale", "use_regular_nms")

# mediapipe/modules/objectron/object_detection_oid_v4_cpu.pbtxt (google-ai-edge/mediapipe; unchanged
# since 2021): the options of the calculators after the model.
OIDV4_GRAPH = {
    "SsdAnchorsCalculator": {
        "num_layers": 6, "min_scale": 0.2, "max_scale": 0.95, "input_size_height": 300,
        "input_size_width": 300, "anchor_offset_x": 0.5, "anchor_offset_y": 0.5,
        "strides": [16, 32, 64, 128, 256, 512], "aspect_ratios": [1.0, 2.0, 0.5, 3.0, 0.3333],
        "reduce_boxes_in_lowest_layer": True,
        "interpolated_scale_aspect_ratio": 1.0,  # not set in the graph: the proto's default
        "fixed_anchor_size": False,
    },
    "TensorsToDetectionsCalculator": {
        "num_classes": 24, "num_boxes": 1917, "num_coords": 4, "ignore_classes": [0], "sigmoid_score": True,
        "apply_exponential_on_box_size": True, "x_scale": 10.0, "y_scale": 10.0, "h_scale": 5.0,
        "w_scale": 5.0, "min_score_thresh": 0.5,
    },
    "NonMaxSuppressionCalculator": {
        "min_suppression_threshold": 0.5, "max_num_detections": 100, "overlap_type": "INTERSECTION_OVER_UNION",
    },
}


def mediapipe_ssd_anchors(options: dict) -> Tensor:
    """SsdAnchorsCalculator::GenerateAnchors (strides given, distinct): (y_center, x_center, h, w)
    rows, normalised, in float32 as MediaPipe computes them."""
    f32 = np.float32
    strides, n = options["strides"], len(options["strides"])

    def scale_at(i: int) -> np.float32:
        lo, hi = f32(options["min_scale"]), f32(options["max_scale"])
        return f32(lo + (hi - lo) * f32(i) / f32(n - 1)) if n > 1 else f32((lo + hi) * f32(0.5))

    rows = []
    for layer in range(options["num_layers"]):
        scale = scale_at(layer)
        if layer == 0 and options["reduce_boxes_in_lowest_layer"]:
            pairs = [(f32(0.1), 1.0), (scale, 2.0), (scale, 0.5)]
        else:
            pairs = [(scale, ar) for ar in options["aspect_ratios"]]
            if options["interpolated_scale_aspect_ratio"] > 0:
                following = f32(1.0) if layer == n - 1 else scale_at(layer + 1)
                pairs.append((f32(math.sqrt(scale * following)), options["interpolated_scale_aspect_ratio"]))
        sizes = [(f32(s / f32(math.sqrt(f32(a)))), f32(s * f32(math.sqrt(f32(a))))) for s, a in pairs]
        fm_h = math.ceil(options["input_size_height"] / strides[layer])
        fm_w = math.ceil(options["input_size_width"] / strides[layer])
        for y in range(fm_h):
            for x in range(fm_w):
                yc = f32(f32(y + options["anchor_offset_y"]) / f32(fm_h))
                xc = f32(f32(x + options["anchor_offset_x"]) / f32(fm_w))
                for h, w in sizes:
                    rows.append((yc, xc, f32(1.0), f32(1.0)) if options["fixed_anchor_size"] else (yc, xc, h, w))
    return torch.tensor(np.array(rows, dtype=np.float32))


class TfliteFastNms(nn.Module):
    """TFLite_Detection_PostProcess with use_regular_nms = false, its options in a buffer."""

    def __init__(self, options: dict | None = None):
        super().__init__()
        # Until the converter stores the file's options: those of the TF OD API SSD configs,
        # so a model with random weights still runs.
        defaults = {"max_detections": 20, "max_classes_per_detection": 1, "detections_per_class": 0,
                    "nms_score_threshold": 1e-8, "nms_iou_threshold": 0.6, "num_classes": 90,
                    "y_scale": 10.0, "x_scale": 10.0, "h_scale": 5.0, "w_scale": 5.0, "use_regular_nms": 0}
        values = {**defaults, **(options or {})}
        self.register_buffer("options", torch.tensor([float(values[k]) for k in POSTPROCESS_KEYS], dtype=torch.float64))

    def values(self) -> dict[str, float]:
        return dict(zip(POSTPROCESS_KEYS, self.options.tolist()))

    def forward(self, head: dict[str, Tensor], anchors: list[Tensor], sizes, score_floor: float | None = None,
                ) -> list[dict[str, Tensor]]:
        o = self.values()
        coder = BoxCoder((o["y_scale"], o["x_scale"], o["h_scale"], o["w_scale"]), order="yxhw", size_clip=None)
        threshold = max(o["nms_score_threshold"], score_floor or 0.0)
        results = []
        probabilities = torch.sigmoid(head["cls_logits"])[..., 1:]  # the op's label offset: column 0 is background
        for codes, probs, image_anchors in zip(head["bbox_regression"], probabilities, anchors):
            scores, classes = probs.max(dim=-1)
            candidates = torch.nonzero(scores >= threshold).flatten()
            boxes = coder.decode(codes[candidates], image_anchors[candidates])
            keep = nms(boxes, scores[candidates], o["nms_iou_threshold"], int(o["max_detections"]))
            results.append({"boxes": boxes[keep], "scores": scores[candidates][keep],
                            "labels": classes[candidates][keep] + 1})
        return results


class MediaPipeDetections(nn.Module):
    """TensorsToDetections + NonMaxSuppression with OIDV4_GRAPH's options."""

    def __init__(self, graph: dict = OIDV4_GRAPH):
        super().__init__()
        self.decode_opts = graph["TensorsToDetectionsCalculator"]
        self.nms_opts = graph["NonMaxSuppressionCalculator"]

    def forward(self, head: dict[str, Tensor], anchors: list[Tensor], sizes, score_floor: float | None = None,
                ) -> list[dict[str, Tensor]]:
        d, s = self.decode_opts, self.nms_opts
        coder = BoxCoder((d["y_scale"], d["x_scale"], d["h_scale"], d["w_scale"]), order="yxhw", size_clip=None)
        allowed = [c for c in range(d["num_classes"]) if c not in d["ignore_classes"]]
        threshold = max(d["min_score_thresh"], score_floor or 0.0)
        results = []
        logits = head["cls_logits"][..., allowed]
        probabilities = torch.sigmoid(logits) if d["sigmoid_score"] else logits
        for codes, probs, image_anchors in zip(head["bbox_regression"], probabilities, anchors):
            scores, index = probs.max(dim=-1)
            candidates = torch.nonzero(scores >= threshold).flatten()
            boxes = coder.decode(codes[candidates], image_anchors[candidates])
            keep = nms(boxes, scores[candidates], s["min_suppression_threshold"], s["max_num_detections"])
            labels = torch.tensor(allowed, device=index.device)[index[candidates][keep]]
            results.append({"boxes": boxes[keep], "scores": scores[candidates][keep], "labels": labels})
        return results


def ssd_mobilenet_v2_coco() -> SSD:
    """Coral's COCO SSD MobileNetV2: input q/128 - 1 for the uint8 RGB image."""
    return build_ssd(COCO_COLUMNS, Uint8Resize(INPUT_SIZE, 1 / 128, -1.0), TfliteFastNms())


def ssd_mobilenet_v2_oidv4() -> SSD:
    """MediaPipe Objectron's OpenImages v4 SSD MobileNetV2: input q * float32(2/255) - 1."""
    anchors = mediapipe_ssd_anchors(OIDV4_GRAPH["SsdAnchorsCalculator"])
    return build_ssd(OIDV4_COLUMNS, Uint8Resize(INPUT_SIZE, 2 / 255, -1.0), MediaPipeDetections(), anchors)
