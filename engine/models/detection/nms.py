"""Non-maximum suppression in plain torch (torchvision's C++ ops are not available here).

Greedy NMS as in torchvision and TF: visit boxes by decreasing score, keep a box unless it
overlaps an already kept box of the same class by IoU > threshold. `batched_nms` runs every
class at once: boxes are regrouped into a padded (classes, K) layout and the greedy sweep walks
the K positions, each step one vectorised update over all classes.
"""

from __future__ import annotations

import torch
from torch import Tensor


def box_area(boxes: Tensor) -> Tensor:
    return (boxes[:, 2] - boxes[:, 0]).clamp(min=0) * (boxes[:, 3] - boxes[:, 1]).clamp(min=0)


def box_iou(a: Tensor, b: Tensor) -> Tensor:
    """Pairwise IoU of corner boxes (x1, y1, x2, y2) (any consistent corner order works);
    0 where the union is empty."""
    lt = torch.maximum(a[..., :, None, :2], b[..., None, :, :2])
    rb = torch.minimum(a[..., :, None, 2:], b[..., None, :, 2:])
    wh = (rb - lt).clamp(min=0)
    inter = wh[..., 0] * wh[..., 1]
    area_a = ((a[..., 2] - a[..., 0]).clamp(min=0) * (a[..., 3] - a[..., 1]).clamp(min=0))[..., :, None]
    area_b = ((b[..., 2] - b[..., 0]).clamp(min=0) * (b[..., 3] - b[..., 1]).clamp(min=0))[..., None, :]
    union = area_a + area_b - inter
    return torch.where(union > 0, inter / union.clamp(min=torch.finfo(inter.dtype).tiny), torch.zeros_like(inter))


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
    overlaps = box_iou(padded, padded) > iou_threshold  # (G, K, K)

    suppressed = ~valid
    kept = torch.zeros_like(valid)
    kept_count = torch.zeros(num_groups, dtype=torch.long, device=boxes.device)
    for i in range(k):
        take = ~suppressed[:, i]
        kept[:, i] = take
        kept_count += take
        suppressed |= take[:, None] & overlaps[:, i, :]
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
