"""Non-maximum suppression in plain torch (torchvision's C++ ops are not available here).

Greedy NMS as in torchvision and TF: visit boxes by decreasing score, keep a box unless it
overlaps an already kept box of the same class by IoU > threshold. `batched_nms` runs every
class at once: boxes are regrouped into a padded (classes, K) layout and the greedy sweep walks
the K positions, each step one vectorised update over all classes (IoUs of that position's box
with its class's boxes).
"""

from __future__ import annotations

import torch
from torch import Tensor


def box_area(boxes: Tensor) -> Tensor:
    return (boxes[:, 2] - boxes[:, 0]).clamp(min=0) * (boxes[:, 3] - boxes[:, 1]).clamp(min=0)


def box_iou(a: Tensor, b: Tensor) -> Tensor:
    """Pairwise IoU of corner boxes (x1, y1, x2, y2) (any consistent corner order works), over
    any leading batch dims; 0 where the union is empty."""
    ax1, ay1, ax2, ay2 = (c[..., :, None] for c in a.unbind(-1))
    bx1, by1, bx2, by2 = (c[..., None, :] for c in b.unbind(-1))
    inter = (torch.minimum(ax2, bx2) - torch.maximum(ax1, bx1)).clamp_(min=0)
    inter *= (torch.minimum(ay2, by2) - torch.maximum(ay1, by1)).clamp_(min=0)
    union = (ax2 - ax1).clamp(min=0) * (ay2 - ay1).clamp(min=0) + (bx2 - bx1).clamp(min=0) * (by2 - by1).clamp(min=0)
    union -= inter
    return torch.where(union > 0, inter / union, torch.zeros_like(inter))


def batched_nms(
    boxes: Tensor, scores: Tensor, groups: Tensor, iou_threshold: float, max_per_group: int | None = None
) -> Tensor:
    """Indices of the boxes kept by per-group (per-class) greedy NMS, by decreasing score (ties
    keep input order). `max_per_group` stops a group once it has that many boxes (TF's
    max_output_size)."""
    n = boxes.shape[0]
    if n == 0:
        return torch.zeros(0, dtype=torch.long, device=boxes.device)
    by_score = torch.argsort(scores, descending=True, stable=True)
    order = by_score[torch.argsort(groups[by_score], stable=True)]  # group-major, score-descending
    sorted_groups = groups[order]
    _, counts = torch.unique_consecutive(sorted_groups, return_counts=True)
    num_groups, k = counts.numel(), int(counts.max())
    starts = torch.cumsum(counts, 0) - counts
    group_of = torch.repeat_interleave(torch.arange(num_groups, device=boxes.device), counts)
    slot = torch.arange(n, device=boxes.device) - starts[group_of]

    padded = boxes.new_zeros(num_groups, k, 4)
    padded[group_of, slot] = boxes[order]
    valid = torch.zeros(num_groups, k, dtype=torch.bool, device=boxes.device)
    valid[group_of, slot] = True
    x1, y1, x2, y2 = (c.contiguous() for c in padded.unbind(-1))
    area = (x2 - x1).clamp(min=0) * (y2 - y1).clamp(min=0)
    suppressed = ~valid
    kept = torch.zeros_like(valid)
    kept_count = torch.zeros(num_groups, dtype=torch.long, device=boxes.device)
    for i in range(k):
        take = ~suppressed[:, i]
        kept[:, i] = take
        kept_count += take
        # IoU of each class's i-th box with that class's boxes: one (G, K) row per step, so
        # rows after the last kept box are never computed
        s = slice(i, i + 1)
        inter = (torch.minimum(x2[:, s], x2) - torch.maximum(x1[:, s], x1)).clamp_(min=0)
        inter *= (torch.minimum(y2[:, s], y2) - torch.maximum(y1[:, s], y1)).clamp_(min=0)
        union = area[:, s] + area - inter
        overlaps = inter / union.clamp(min=torch.finfo(union.dtype).tiny) > iou_threshold
        suppressed |= take[:, None] & overlaps
        if max_per_group is not None:
            suppressed |= (kept_count >= max_per_group)[:, None]
        if bool(suppressed[:, i + 1:].all()):
            break
    keep = order[kept[group_of, slot]]
    return keep[torch.argsort(scores[keep], descending=True, stable=True)]


def nms(boxes: Tensor, scores: Tensor, iou_threshold: float, max_output: int | None = None) -> Tensor:
    """Single-class greedy NMS; indices by decreasing score."""
    groups = torch.zeros(boxes.shape[0], dtype=torch.long, device=boxes.device)
    return batched_nms(boxes, scores, groups, iou_threshold, max_output)
