"""The accuracy a path costs, measured against the reference on real photos."""

from __future__ import annotations

import json

import numpy as np
import pytest

from engine.cli import main as cli_main
from engine.runtime.available import installed
from engine.models.detection.nms import box_iou
from engine.tasks.agreement import mask_iou, matched_boxes, path_agreement, real_photos, remembered
from engine.tasks.detect import Detection


def _pixel_iou(a, b) -> float:
    """IoU by counting pixels of two boxes drawn on a grid (independent of box_iou's arithmetic)."""
    grid_a, grid_b = np.zeros((100, 100), bool), np.zeros((100, 100), bool)
    grid_a[a[1]:a[3], a[0]:a[2]] = True
    grid_b[b[1]:b[3], b[0]:b[2]] = True
    return (grid_a & grid_b).sum() / (grid_a | grid_b).sum()


@pytest.mark.parametrize("a,b", [((10, 10, 50, 50), (20, 20, 60, 60)), ((0, 0, 30, 30), (5, 0, 30, 40)),
                                 ((0, 0, 10, 10), (20, 20, 30, 30))])
def test_box_iou_matches_a_pixel_count(a, b):
    import torch

    assert box_iou(torch.tensor([a], dtype=torch.float32), torch.tensor([b], dtype=torch.float32)).item() == \
        pytest.approx(_pixel_iou(a, b))


def test_boxes_match_one_to_one_by_class_and_iou():
    ref = [Detection((10, 10, 50, 50), 0.9, 1, "person"), Detection((60, 60, 90, 90), 0.8, 1, "person")]
    same = [Detection((12, 12, 50, 50), 0.9, 1, "person")]  # IoU 0.9 with the first
    other_class = [Detection((10, 10, 50, 50), 0.9, 2, "bicycle")]
    shifted = [Detection((30, 30, 70, 70), 0.9, 1, "person")]  # IoU 400/2800 < 0.5
    assert _pixel_iou((10, 10, 50, 50), (30, 30, 70, 70)) < 0.5
    assert matched_boxes(ref, same) == 1
    assert matched_boxes(ref, other_class) == 0
    assert matched_boxes(ref, shifted) == 0
    assert matched_boxes(ref, ref) == 2
    assert matched_boxes(ref, [ref[0], ref[0]]) == 1  # one path box cannot match two reference boxes


def test_mask_iou_over_present_classes():
    a = np.zeros((4, 4), np.uint8)
    b = np.zeros((4, 4), np.uint8)
    a[:2] = 1  # 8 pixels
    b[1:3] = 1  # 8 pixels, 4 shared
    assert mask_iou(a, b, [1]) == pytest.approx(4 / 12)
    assert mask_iou(a, a, [1, 2]) == 1.0  # class 2 absent from both: not counted
    assert mask_iou(np.zeros((2, 2)), np.zeros((2, 2)), [1]) == 1.0


def test_bundled_photos_stand_in_without_the_sample_set():
    photos, source = real_photos()  # tests run in an isolated home: the sample set is not cached
    assert source.startswith("bundled photos") and len(photos) >= 3
    assert all(p.ndim == 3 and p.shape[2] == 3 and p.dtype == np.uint8 for p in photos)


@pytest.mark.skipif(not installed("onnxruntime"), reason="onnxruntime is not installed")
def test_an_exact_path_agrees_and_profile_json_reports_it(capsys):
    got = path_agreement("mobilenet_v3_small", "onnxruntime", threads=1)
    assert got.path == "onnxruntime" and got.weights is None and got.images >= 3
    assert got.top1_agreement == 1.0 and got.max_logit_diff < 1e-3
    assert remembered("mobilenet_v3_small", "onnxruntime") is None  # random weights' agreement is not kept
    argv = ["profile", "mobilenet_v3_small", "--resolution", "64", "--repeats", "3", "--threads", "1",
            "--path", "onnxruntime", "--json", "--no-save"]
    assert cli_main(argv) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["agreement"]["top1_agreement"] == 1.0 and doc["agreement"]["path"] == "onnxruntime"
    assert doc["unattributed_ms"] == pytest.approx(doc["total_ms"]["median"] - doc["layer_sum_ms"])
    assert doc["attribution"] == pytest.approx(doc["layer_sum_ms"] / doc["total_ms"]["median"])


@pytest.mark.skipif(not installed("onnxruntime"), reason="onnxruntime is not installed")
def test_a_real_weights_agreement_is_remembered_for_the_tradeoffs_page(real_weights):
    got = path_agreement("mobilenet_v2", "onnxruntime", threads=1)
    assert got.weights is not None and got.measured_at > 0
    assert remembered("mobilenet_v2", "onnxruntime") == got
