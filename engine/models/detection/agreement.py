"""How far two sets of detections agree: one-to-one matching by IoU (optionally the same class
and scores within a tolerance), for the ports' agreement with their original runtimes and for
the Live page's side-by-side of two detectors.

Matching is greedy, best-IoU pair first, each box used once: the usual way detection
benchmarks pair predictions with references, and deterministic.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from engine.models.detection.nms import box_iou


def match(boxes_a, boxes_b, *, iou_min: float, strict: bool = True, labels_a=None, labels_b=None,
          scores_a=None, scores_b=None, score_tol: float | None = None) -> list[tuple[int, int, float]]:
    """(index in a, index in b, IoU) of matched pairs. A pair qualifies when its IoU is above
    `iou_min` (at or above it when `strict` is False), its labels are equal (when given) and its
    scores differ by at most `score_tol` (when given)."""
    a = torch.as_tensor(np.asarray(boxes_a, np.float32)).reshape(-1, 4)
    b = torch.as_tensor(np.asarray(boxes_b, np.float32)).reshape(-1, 4)
    if a.shape[0] == 0 or b.shape[0] == 0:
        return []
    iou = box_iou(a, b).numpy().astype(np.float64)
    ok = iou > iou_min if strict else iou >= iou_min
    if labels_a is not None and labels_b is not None:
        ok &= np.asarray(labels_a)[:, None] == np.asarray(labels_b)[None, :]
    if score_tol is not None:
        ok &= np.abs(np.asarray(scores_a, np.float64)[:, None] - np.asarray(scores_b, np.float64)[None, :]) <= score_tol
    pairs, used_a, used_b = [], set(), set()
    for flat in np.argsort(-np.where(ok, iou, -1.0), axis=None, kind="stable"):
        i, j = np.unravel_index(flat, iou.shape)
        if not ok[i, j]:
            break
        if i not in used_a and j not in used_b:
            pairs.append((int(i), int(j), float(iou[i, j])))
            used_a.add(i)
            used_b.add(j)
    return pairs


@dataclass(frozen=True)
class FrameAgreement:
    """Two detectors on one frame: how many boxes of the class each found, how many pair up."""

    count_a: int
    count_b: int
    matched: int

    def to_json(self) -> dict:
        return {"count_a": self.count_a, "count_b": self.count_b, "matched": self.matched}


def frame_agreement(boxes_a, boxes_b, iou_min: float = 0.5) -> FrameAgreement:
    """The Live page's per-frame figure: boxes of one class (e.g. people) from two detectors,
    matched one-to-one at IoU >= iou_min."""
    a, b = np.asarray(boxes_a, np.float32).reshape(-1, 4), np.asarray(boxes_b, np.float32).reshape(-1, 4)
    return FrameAgreement(len(a), len(b), len(match(a, b, iou_min=iou_min, strict=False)))
