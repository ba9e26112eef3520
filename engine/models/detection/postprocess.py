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

import numpy as np
import torch
from torch import Tensor

from engine.models.detection.box_coding import BoxCoder, as_array
from engine.models.detection.nms import batched_nms


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
        """The sigmoid in torch, the rest in one compiled call per image
        (engine.models.detection.box_kernels.sigmoid_detections)."""
        from engine.models.detection.box_kernels import sigmoid_detections  # numba: compiled on first use

        results = []
        probabilities = torch.sigmoid(head["cls_logits"].detach())[..., 1:]  # background column dropped
        weights, yx_first, size_clip = self.coder.kernel_args()
        for codes, probs, image_anchors, (height, width) in zip(head["bbox_regression"], probabilities, anchors, sizes):
            boxes, scores, labels = sigmoid_detections(
                probs.numpy(), as_array(codes), as_array(image_anchors), np.float32(self.score_thresh), weights,
                yx_first, size_clip, np.float32(self.nms_thresh), self.max_per_class, self.max_total,
                np.float32(height), np.float32(width))
            results.append({"boxes": torch.from_numpy(boxes), "scores": torch.from_numpy(scores),
                            "labels": torch.from_numpy(labels)})
        return results


def warm_up() -> None:
    """Load both recipes' compiled loops now, with the argument types real calls use (numba
    keeps one cache entry per type): ~1 s from numba's on-disk cache, ~10 s to compile the
    first time, which `make` does (engine.kernels.precompile), so no detector's first frame
    pays for it."""
    head = {"cls_logits": torch.zeros(1, 2, 3), "bbox_regression": torch.zeros(1, 2, 4)}
    anchors = [torch.tensor([[0.0, 0.0, 1.0, 1.0], [0.0, 0.0, 2.0, 2.0]])]
    SigmoidPostprocess(BoxCoder(order="yxhw", size_clip=None), score_thresh=0.0)(head, anchors, [(2, 2)])
    SoftmaxPostprocess(BoxCoder(), score_thresh=0.0)(head, anchors, [(2, 2)])
