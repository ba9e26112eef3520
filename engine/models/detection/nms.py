"""Non-maximum suppression in plain torch (torchvision's C++ ops are not available here).

Greedy NMS as in torchvision and TF: visit boxes by decreasing score, keep a box unless it
overlaps an already kept box of the same class by IoU > threshold. `batched_nms` runs every
class at once: boxes are regrouped into a padded (classes, K) layout, and each step of the
greedy sweep is one vectorised update over all classes. A few dozen candidates (a live frame
with the display floor applied) instead get one overlap matrix and a short Python loop, which
costs a fraction of the sweep's per-step tensor calls; both make the same decisions from the
same float32 arithmetic.
"""

from __future__ import annotations

import numpy as np
import torch
from torch import Tensor

SMALL = 96  # candidates up to which batched_nms uses the overlap matrix


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
    sweep = _matrix_sweep if n <= SMALL else _vector_sweep
    keep = sweep(boxes[order], groups[order], iou_threshold, max_per_group)
    keep = order[keep]
    return keep[torch.argsort(scores[keep], descending=True, stable=True)]


def _overlaps(x1: Tensor, y1: Tensor, x2: Tensor, y2: Tensor, area: Tensor, i, iou_threshold: float,
              ) -> Tensor:
    """IoU of box(es) `i` against all boxes > threshold; the one formula both sweeps use."""
    inter = (torch.minimum(x2[i], x2) - torch.maximum(x1[i], x1)).clamp_(min=0)
    inter *= (torch.minimum(y2[i], y2) - torch.maximum(y1[i], y1)).clamp_(min=0)
    union = area[i] + area - inter
    return inter / union.clamp(min=torch.finfo(union.dtype).tiny) > iou_threshold


def _matrix_sweep(boxes: Tensor, groups: Tensor, iou_threshold: float, max_per_group: int | None) -> Tensor:
    """Kept positions of group-major, score-descending boxes: every pair's overlap at once,
    then the greedy visit in plain Python."""
    x1, y1, x2, y2 = (c.contiguous() for c in boxes.unbind(-1))
    area = (x2 - x1).clamp(min=0) * (y2 - y1).clamp(min=0)
    column = (slice(None), None)
    over = _overlaps(x1, y1, x2, y2, area, column, iou_threshold)
    over &= groups[:, None] == groups[None, :]
    over, group = over.cpu().numpy(), groups.tolist()
    suppressed = np.zeros(len(group), bool)
    kept: list[int] = []
    count: dict[int, int] = {}
    for i, g in enumerate(group):
        if suppressed[i] or (max_per_group is not None and count.get(g, 0) >= max_per_group):
            continue
        kept.append(i)
        count[g] = count.get(g, 0) + 1
        suppressed |= over[i]
    return torch.tensor(kept, dtype=torch.long, device=boxes.device)


def _vector_sweep(boxes: Tensor, sorted_groups: Tensor, iou_threshold: float,
                  max_per_group: int | None) -> Tensor:
    """Kept positions of group-major, score-descending boxes, every class in one step."""
    n = boxes.shape[0]
    _, counts = torch.unique_consecutive(sorted_groups, return_counts=True)
    num_groups, k = counts.numel(), int(counts.max())
    starts = torch.cumsum(counts, 0) - counts
    group_of = torch.repeat_interleave(torch.arange(num_groups, device=boxes.device), counts)
    slot = torch.arange(n, device=boxes.device) - starts[group_of]

    padded = boxes.new_zeros(num_groups, k, 4)
    padded[group_of, slot] = boxes
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
        suppressed |= has[:, None] & _overlaps(x1, y1, x2, y2, area, (rows, i, None), iou_threshold)
        suppressed[rows, i] = True
    return torch.nonzero(kept[group_of, slot]).flatten()


def nms(boxes: Tensor, scores: Tensor, iou_threshold: float, max_output: int | None = None) -> Tensor:
    """Single-class greedy NMS; indices by decreasing score."""
    groups = torch.zeros(boxes.shape[0], dtype=torch.long, device=boxes.device)
    return batched_nms(boxes, scores, groups, iou_threshold, max_output)
