"""From head outputs to detections: score conversion, decoding, thresholds and NMS.

Two recipes, one per checkpoint family:
- `SoftmaxPostprocess`: torchvision's SSD (softmax over classes incl. background; decode and
  clip to the image; per class score threshold and top-k candidates; per-class NMS; best
  `detections_per_img`).
- `SigmoidPostprocess`: the TF Object Detection API's (sigmoid per class, background column
  dropped; per-class NMS on the unclipped boxes with a score threshold and a per-class cap;
  sort; clip to the image; drop boxes left with no area; best `max_total`).
Both return, per image, `boxes` (x1, y1, x2, y2 in network-input pixels), `scores`, `labels`
(class index in the checkpoint's label list, background = 0).
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import Tensor

from engine.models.detection.box_coding import BoxCoder
from engine.models.detection.nms import batched_nms, box_area


def clip_boxes(boxes: Tensor, size: tuple[int, int]) -> Tensor:
    height, width = size
    x = boxes[:, 0::2].clamp(0, width)
    y = boxes[:, 1::2].clamp(0, height)
    return torch.stack([x[:, 0], y[:, 0], x[:, 1], y[:, 1]], dim=1)


@dataclass(frozen=True)
class SoftmaxPostprocess:
    coder: BoxCoder
    score_thresh: float = 0.001
    nms_thresh: float = 0.55
    detections_per_img: int = 300
    topk_candidates: int = 300

    def __call__(self, head: dict[str, Tensor], anchors: list[Tensor], sizes) -> list[dict[str, Tensor]]:
        results = []
        probabilities = torch.softmax(head["cls_logits"], dim=-1)
        for codes, probs, image_anchors, size in zip(head["bbox_regression"], probabilities, anchors, sizes):
            boxes = clip_boxes(self.coder.decode(codes, image_anchors), size)
            kept_boxes, kept_scores, kept_labels = [], [], []
            for label in range(1, probs.shape[-1]):
                score = probs[:, label]
                mask = score > self.score_thresh
                score, box = score[mask], boxes[mask]
                score, top = score.topk(min(self.topk_candidates, score.numel()))
                kept_boxes.append(box[top])
                kept_scores.append(score)
                kept_labels.append(torch.full_like(top, label))
            boxes, scores, labels = torch.cat(kept_boxes), torch.cat(kept_scores), torch.cat(kept_labels)
            keep = batched_nms(boxes, scores, labels, self.nms_thresh)[: self.detections_per_img]
            results.append({"boxes": boxes[keep], "scores": scores[keep], "labels": labels[keep]})
        return results


@dataclass(frozen=True)
class SigmoidPostprocess:
    coder: BoxCoder
    score_thresh: float = 1e-8
    nms_thresh: float = 0.6
    max_per_class: int = 100
    max_total: int = 100

    def __call__(self, head: dict[str, Tensor], anchors: list[Tensor], sizes) -> list[dict[str, Tensor]]:
        results = []
        probabilities = torch.sigmoid(head["cls_logits"])[..., 1:]  # background column dropped
        for codes, probs, image_anchors, size in zip(head["bbox_regression"], probabilities, anchors, sizes):
            num_classes = probs.shape[1]
            flat = torch.nonzero(probs.reshape(-1) > self.score_thresh).flatten()  # anchor * classes + class
            scores, box_index, labels = probs.reshape(-1)[flat], flat // num_classes, flat % num_classes + 1
            # only the candidates' boxes (decoding is elementwise: the values decoding all would give),
            # unclipped, as TF runs NMS on them
            boxes = self.coder.decode(codes[box_index], image_anchors[box_index])
            keep = batched_nms(boxes, scores, labels, self.nms_thresh, self.max_per_class)
            clipped = clip_boxes(boxes[keep], size)
            nonempty = box_area(clipped) > 0
            keep, clipped = keep[nonempty][: self.max_total], clipped[nonempty][: self.max_total]
            results.append({"boxes": clipped, "scores": scores[keep], "labels": labels[keep]})
        return results
