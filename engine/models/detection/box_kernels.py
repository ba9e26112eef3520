"""Box decoding, greedy NMS and the TF detector's whole postprocess as compiled loops.

A live frame's postprocess runs right after the network, with every cache cold. There, the
tensor version (~60 calls for a few dozen candidates) took 1.3 ms, almost all of it per-call
dispatch, not arithmetic; these loops do the same float32 operations in the same order (no
fastmath, so no fused multiply-adds) in one call. One exception: exp is the C library's expf,
which differs from torch's in the last bit for some inputs, so every caller decodes through
`decode_rows` (the reference path too): the same head outputs give the same boxes everywhere.
engine.models.detection.box_coding and .nms wrap these for torch callers;
engine.models.detection.postprocess runs the TF recipe whole.
"""

from __future__ import annotations

import numpy as np
from numba import njit


@njit(cache=True, nogil=True)
def decode_rows(codes, anchors, weights, yx_first, size_clip, out):  # pragma: no cover - compiled
    """Faster R-CNN decoding of codes (n, 4) against corner anchors (n, 4) into out (n, 4)
    corners; codes are (dx, dy, dw, dh), or (dy, dx, dh, dw) when yx_first, over `weights` in
    the codes' order; log-sizes are clamped at size_clip (inf: not at all). All float32."""
    two = np.float32(2.0)
    for i in range(codes.shape[0]):
        a = codes[i, 0] / weights[0]
        b = codes[i, 1] / weights[1]
        c = codes[i, 2] / weights[2]
        d = codes[i, 3] / weights[3]
        dx, dy, dw, dh = (b, a, d, c) if yx_first else (a, b, c, d)
        dw, dh = min(dw, size_clip), min(dh, size_clip)
        width = anchors[i, 2] - anchors[i, 0]
        height = anchors[i, 3] - anchors[i, 1]
        cx = dx * width + (anchors[i, 0] + anchors[i, 2]) / two
        cy = dy * height + (anchors[i, 1] + anchors[i, 3]) / two
        half_w = np.exp(dw) * width / two
        half_h = np.exp(dh) * height / two
        out[i, 0], out[i, 1], out[i, 2], out[i, 3] = cx - half_w, cy - half_h, cx + half_w, cy + half_h


@njit(cache=True, nogil=True)
def greedy_keep(boxes, groups, iou_threshold, max_per_group):  # pragma: no cover - compiled
    """Positions kept among `boxes` (n, 4) float32 corners sorted group-major, score-descending
    (`groups` int64, nondecreasing): a box is kept unless a kept box of its group overlaps it
    by IoU > iou_threshold (float32), or its group already kept max_per_group (< 0: no cap)."""
    n = boxes.shape[0]
    zero = np.float32(0.0)
    tiny = np.float32(np.finfo(np.float32).tiny)
    area = np.empty(n, np.float32)
    for i in range(n):
        area[i] = max(boxes[i, 2] - boxes[i, 0], zero) * max(boxes[i, 3] - boxes[i, 1], zero)
    suppressed = np.zeros(n, np.bool_)
    kept = np.empty(n, np.int64)
    count = 0
    in_group = 0  # boxes the current group kept so far
    for i in range(n):
        if i > 0 and groups[i] != groups[i - 1]:
            in_group = 0
        if suppressed[i] or (max_per_group >= 0 and in_group >= max_per_group):
            continue
        kept[count] = i
        count += 1
        in_group += 1
        x1, y1, x2, y2 = boxes[i, 0], boxes[i, 1], boxes[i, 2], boxes[i, 3]
        j = i + 1
        while j < n and groups[j] == groups[i]:
            if not suppressed[j]:
                inter = max(min(x2, boxes[j, 2]) - max(x1, boxes[j, 0]), zero)
                inter *= max(min(y2, boxes[j, 3]) - max(y1, boxes[j, 1]), zero)
                union = area[i] + area[j] - inter
                suppressed[j] = inter / max(union, tiny) > iou_threshold
            j += 1
    return kept[:count]


@njit(cache=True, nogil=True)
def batched_keep(boxes, scores, groups, iou_threshold, max_per_group):  # pragma: no cover - compiled
    """Indices kept by per-group greedy NMS, by decreasing score (ties keep input order)."""
    by_score = np.argsort(-scores, kind="mergesort")  # stable
    order = by_score[np.argsort(groups[by_score], kind="mergesort")]  # group-major, score-descending
    kept = order[greedy_keep(boxes[order], groups[order], iou_threshold, max_per_group)]
    return kept[np.argsort(-scores[kept], kind="mergesort")]


@njit(cache=True, nogil=True)
def sigmoid_detections(probs, codes, anchors, score_thresh, weights, yx_first, size_clip, nms_thresh,
                       max_per_class, max_total, height, width):  # pragma: no cover - compiled
    """The TF Object Detection API's postprocess after the sigmoid, for one image: candidates
    scoring > score_thresh (probs (anchors, classes), background dropped; label = class + 1),
    decoded, per-class NMS on the unclipped boxes, clipped to (height, width), boxes left with
    no area dropped, the best max_total. (boxes float32 (k, 4), scores float32, labels int64)."""
    num_anchors, num_classes = probs.shape
    flat = np.empty(num_anchors * num_classes, np.int64)
    n = 0
    for a in range(num_anchors):
        for c in range(num_classes):
            if probs[a, c] > score_thresh:
                flat[n] = a * num_classes + c
                n += 1
    scores = np.empty(n, np.float32)
    labels = np.empty(n, np.int64)
    rows = np.empty(n, np.int64)
    for k in range(n):
        rows[k], column = flat[k] // num_classes, flat[k] % num_classes
        scores[k], labels[k] = probs[rows[k], column], column + 1
    boxes = np.empty((n, 4), np.float32)
    decode_rows(codes[rows], anchors[rows], weights, yx_first, size_clip, boxes)
    keep = batched_keep(boxes, scores, labels, nms_thresh, max_per_class)
    zero = np.float32(0.0)
    out = np.empty((len(keep), 4), np.float32)
    chosen = np.empty(len(keep), np.int64)
    m = 0
    for k in keep:
        if m == max_total:
            break
        x1, x2 = min(max(boxes[k, 0], zero), width), min(max(boxes[k, 2], zero), width)
        y1, y2 = min(max(boxes[k, 1], zero), height), min(max(boxes[k, 3], zero), height)
        if max(x2 - x1, zero) * max(y2 - y1, zero) > zero:
            out[m, 0], out[m, 1], out[m, 2], out[m, 3] = x1, y1, x2, y2
            chosen[m] = k
            m += 1
    return out[:m], scores[chosen[:m]], labels[chosen[:m]]
