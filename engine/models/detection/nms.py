"""Non-maximum suppression (torchvision's C++ ops are not available here).

Greedy NMS as in torchvision and TF: visit boxes by decreasing score, keep a box unless it
overlaps an already kept box of the same class by IoU > threshold. `batched_nms` runs every
class at once, in one compiled call (engine.models.detection.box_kernels): sort the boxes
class-major, score-descending, then sweep, in float32 with box_iou's formula and order.
"""

from __future__ import annotations

import numpy as np
import torch
from torch import Tensor

from engine.models.detection.box_coding import as_array


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
    from engine.models.detection.box_kernels import batched_keep  # numba: compiled on first use

    kept = batched_keep(as_array(boxes), as_array(scores), as_array(groups, np.int64),
                        np.float32(iou_threshold), -1 if max_per_group is None else int(max_per_group))
    return torch.from_numpy(kept).to(boxes.device)


def nms(boxes: Tensor, scores: Tensor, iou_threshold: float, max_output: int | None = None) -> Tensor:
    """Single-class greedy NMS; indices by decreasing score."""
    groups = torch.zeros(boxes.shape[0], dtype=torch.long, device=boxes.device)
    return batched_nms(boxes, scores, groups, iou_threshold, max_output)
