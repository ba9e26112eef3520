"""NMS, IoU, box coding and anchors against independent plain-Python computations."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from engine.models.detection.anchors import DefaultBoxGenerator, ImageList
from engine.models.detection.box_coding import BoxCoder
from engine.models.detection.nms import batched_nms, box_iou, nms


def _iou(a, b) -> float:
    ix = max(0.0, min(a[2], b[2]) - max(a[0], b[0]))
    iy = max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
    inter = ix * iy
    union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter
    return inter / union if union > 0 else 0.0


def _reference_nms(boxes, scores, classes, threshold, max_per_class=None) -> list[int]:
    """Greedy NMS, one class at a time, the textbook loop."""
    kept = []
    for c in sorted(set(classes)):
        idx = sorted((i for i in range(len(boxes)) if classes[i] == c), key=lambda i: -scores[i])
        chosen: list[int] = []
        for i in idx:
            if max_per_class is not None and len(chosen) >= max_per_class:
                break
            if all(_iou(boxes[i], boxes[j]) <= threshold for j in chosen):
                chosen.append(i)
        kept += chosen
    return sorted(kept, key=lambda i: -scores[i])


def _random_boxes(n: int, seed: int) -> tuple[torch.Tensor, torch.Tensor]:
    g = torch.Generator().manual_seed(seed)
    xy = torch.rand(n, 2, generator=g) * 100
    wh = torch.rand(n, 2, generator=g) * 40 + 1
    return torch.cat([xy, xy + wh], 1), torch.rand(n, generator=g)


def test_box_iou_matches_plain_formula():
    boxes, _ = _random_boxes(30, 0)
    got = box_iou(boxes, boxes)
    b = boxes.tolist()
    want = torch.tensor([[_iou(p, q) for q in b] for p in b])
    assert torch.allclose(got, want, atol=1e-6)
    assert box_iou(torch.tensor([[0.0, 0, 2, 2]]), torch.tensor([[1.0, 1, 3, 3]])).item() == pytest.approx(1 / 7)


@pytest.mark.parametrize("threshold", [0.3, 0.5, 0.7])
def test_nms_matches_reference_loop(threshold):
    boxes, scores = _random_boxes(200, 1)
    want = _reference_nms(boxes.tolist(), scores.tolist(), [0] * 200, threshold)
    assert nms(boxes, scores, threshold).tolist() == want
    assert 0 < len(want) < 200  # the test data does overlap


def test_batched_nms_is_per_class():
    boxes, scores = _random_boxes(300, 2)
    classes = torch.randint(0, 5, (300,), generator=torch.Generator().manual_seed(3))
    want = _reference_nms(boxes.tolist(), scores.tolist(), classes.tolist(), 0.5)
    assert batched_nms(boxes, scores, classes, 0.5).tolist() == want
    # identical boxes in different classes both survive
    same = torch.tensor([[0.0, 0, 10, 10], [0.0, 0, 10, 10]])
    assert sorted(batched_nms(same, torch.tensor([0.9, 0.8]), torch.tensor([1, 2]), 0.5).tolist()) == [0, 1]
    assert nms(same, torch.tensor([0.9, 0.8]), 0.5).tolist() == [0]


def test_batched_nms_caps_each_class():
    boxes, scores = _random_boxes(300, 4)
    classes = torch.randint(0, 3, (300,), generator=torch.Generator().manual_seed(5))
    want = _reference_nms(boxes.tolist(), scores.tolist(), classes.tolist(), 0.6, max_per_class=7)
    assert batched_nms(boxes, scores, classes, 0.6, max_per_group=7).tolist() == want
    assert len(want) == 21


@pytest.mark.parametrize("n,cap", [(40, None), (90, None), (90, 3), (7, 1), (2000, None), (2000, 5)])
def test_small_and_large_candidate_sets_match_the_reference_loop(n, cap):
    """A live frame's few dozen candidates and a low threshold's thousands: the textbook loop's answer."""
    boxes, scores = _random_boxes(n, n)
    classes = torch.randint(0, 3, (n,), generator=torch.Generator().manual_seed(n))
    want = _reference_nms(boxes.tolist(), scores.tolist(), classes.tolist(), 0.4, max_per_class=cap)
    assert batched_nms(boxes, scores, classes, 0.4, max_per_group=cap).tolist() == want
    assert 0 < len(want) < n


def test_ties_identical_and_degenerate_boxes_match_the_reference_loop():
    boxes, scores = _random_boxes(80, 9)
    boxes[10:20] = boxes[0]  # identical boxes
    boxes[20:25, 2:] = boxes[20:25, :2]  # zero-area boxes
    scores[30:40] = 0.5  # tied scores
    classes = torch.randint(0, 4, (80,), generator=torch.Generator().manual_seed(9))
    for cap in (None, 2):
        want = _reference_nms(boxes.tolist(), scores.tolist(), classes.tolist(), 0.5, max_per_class=cap)
        got = batched_nms(boxes, scores, classes, 0.5, max_per_group=cap).tolist()
        assert got == want and len(got) > 4


def test_the_sweep_decides_in_float32_as_the_tensor_formula_does():
    """A pair whose IoU is a hair above the threshold in float64 but equal to float32(threshold)
    is kept, as torch's float32 comparison keeps it: the threshold is rounded to float32 first."""
    threshold = 0.6
    t32 = float(np.float32(threshold))
    assert t32 > threshold  # float32(0.6) rounds up
    a = np.array([[0.0, 0.0, 10.0, 10.0]], np.float32)
    # b = [0, 0, 10, h] inside a: IoU = h / 10; pick h so that float32 IoU == float32(0.6)
    b = np.array([[0.0, 0.0, 10.0, 6.0]], np.float32)
    iou32 = np.float32(60.0) / np.float32(100.0)
    assert iou32 == np.float32(threshold)
    torch_says = bool(torch.tensor(float(iou32)) > threshold)
    kept = batched_nms(torch.from_numpy(np.concatenate([a, b])), torch.tensor([0.9, 0.8]), torch.zeros(2, dtype=torch.long),
                       threshold)
    assert (len(kept) == 2) == (not torch_says) and len(kept) == 2


def test_nms_of_nothing():
    assert nms(torch.zeros(0, 4), torch.zeros(0), 0.5).numel() == 0


@pytest.mark.parametrize("order", ["xywh", "yxhw"])
def test_box_coder_decode_inverts_encode_and_follows_faster_rcnn(order):
    coder = BoxCoder((10.0, 10.0, 5.0, 5.0), order=order)
    anchors = torch.tensor([[10.0, 20.0, 50.0, 100.0]])  # cx 30, cy 60, w 40, h 80
    dx, dy, dw, dh = 0.1, -0.2, 0.3, -0.4
    codes = [dx * 10, dy * 10, dw * 5, dh * 5]
    if order == "yxhw":
        codes = [codes[1], codes[0], codes[3], codes[2]]
    box = coder.decode(torch.tensor([codes]), anchors)[0].tolist()
    cx, cy, w, h = 30 + dx * 40, 60 + dy * 80, 40 * math.exp(dw), 80 * math.exp(dh)
    assert box == pytest.approx([cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2], abs=1e-4)
    assert coder.encode(torch.tensor([box]), anchors)[0].tolist() == pytest.approx(codes, abs=1e-4)


def test_torchvision_box_coder_clips_log_sizes():
    coder = BoxCoder()
    box = coder.decode(torch.tensor([[0.0, 0.0, 100.0, 0.0]]), torch.tensor([[0.0, 0.0, 16.0, 16.0]]))[0]
    assert (box[2] - box[0]).item() == pytest.approx(1000.0, rel=1e-4)  # exp(log(1000/16)) * 16


def test_default_boxes_follow_ssd_semantics():
    """torchvision's DefaultBoxGenerator for SSDLite320: 3234 anchors at 320x320 (the key list's
    header), and the first location of the first map computed by hand."""
    gen = DefaultBoxGenerator([[2, 3]] * 6, min_ratio=0.2, max_ratio=0.95)
    sizes = [20, 10, 5, 3, 2, 1]
    feats = [torch.zeros(1, 1, s, s) for s in sizes]
    anchors = gen(ImageList(torch.zeros(1, 3, 320, 320), [(320, 320)]), feats)[0]
    assert anchors.shape == (3234, 4)
    s0, s1 = 0.2, 0.35
    cx = cy = 0.5 / 20
    wh = [(s0, s0), (math.sqrt(s0 * s1),) * 2]
    for ar in (2, 3):
        wh += [(s0 * math.sqrt(ar), s0 / math.sqrt(ar)), (s0 / math.sqrt(ar), s0 * math.sqrt(ar))]
    want = [[(cx - w / 2) * 320, (cy - h / 2) * 320, (cx + w / 2) * 320, (cy + h / 2) * 320] for w, h in wh]
    assert np.allclose(anchors[:6].numpy(), want, atol=1e-4)
    # the last map's anchor of scale sqrt(0.95 * 1.0) is centred and clipped to the image width
    last = anchors[-5].tolist()  # (s', s') pair of the 1x1 map
    assert last == pytest.approx([160 - math.sqrt(0.95) * 160, 160 - math.sqrt(0.95) * 160,
                                  160 + math.sqrt(0.95) * 160, 160 + math.sqrt(0.95) * 160], abs=1e-3)
    wide = anchors[-4].tolist()  # (w, h) for aspect ratio 2 at scale 0.95: w clipped to 1.0
    assert wide[0] == pytest.approx(0.0, abs=1e-4) and wide[2] == pytest.approx(320.0, abs=1e-4)
