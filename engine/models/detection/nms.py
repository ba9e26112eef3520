"""Non-maximum suppression in plain torch (torchvision's C++ ops are not available here).

Greedy NMS as in torchvision and TF: visit boxes by decreasing score, keep a box unless it
overlaps an already kept box of the same class by IoU > threshold. `batched_nms` runs every
class at once: boxes are regrouped into a padded (classes, K) layout, and each step of the
greedy sweep is one vectorised update over all classes.
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
    rows = torch.arange(num_groups, device=boxes.device)
    suppressed = ~valid
    kept = torch.zeros_like(valid)
    # Each step keeps, in every class at once, the best box not yet suppressed and suppresses
    # what overlaps it: as many steps as the largest class keeps, one (G, K) IoU row each.
    for _ in range(k if max_per_group is None else min(k, max_per_group)):
        active = ~suppressed
        has = active.any(dim=1)
        if not bool(has.any()):
            break
        i = active.to(torch.uint8).argmax(dim=1)  # first (best) unsuppressed slot per class
        kept[rows, i] |= has
        inter = (torch.minimum(x2[rows, i, None], x2) - torch.maximum(x1[rows, i, None], x1)).clamp_(min=0)
        inter *= (torch.minimum(y2[rows, i, None], y2) - torch.maximum(y1[rows, i, None], y1)).clamp_(min=0)
        union = area[rows, i, None] + area - inter
        overlaps = inter / union.clamp(min=torch.finfo(union.dtype).tiny) > iou_threshold
        suppressed |= has[:, None] & overlaps
        suppressed[rows, i] = True
    keep = order[kept[group_of, slot]]
    return keep[torch.argsort(scores[keep], descending=True, stable=True)]


def nms(boxes: Tensor, scores: Tensor, iou_threshold: float, max_output: int | None = None) -> Tensor:
    """Single-class greedy NMS; indices by decreasing score."""
    groups = torch.zeros(boxes.shape[0], dtype=torch.long, device=boxes.device)
    return batched_nms(boxes, scores, groups, iou_threshold, max_output)
