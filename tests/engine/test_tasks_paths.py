"""Task runners on engine.runtime's inference paths: the same results as the eager network
(onnxruntime and the fast torch path are fp32: boxes, masks and classes agree), and each
runner says which path ran."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from engine.tasks import make_runner
from tests.conftest import sample_image


@pytest.fixture(scope="module")
def astronaut_bgr():
    return cv2.cvtColor(sample_image("astronaut"), cv2.COLOR_RGB2BGR)


@pytest.mark.parametrize("path", ["fast", "onnxruntime"])
def test_person_detector_finds_the_same_boxes_on_an_exact_path(real_weights, astronaut_bgr, path):
    eager = make_runner("detect", "ssdlite_mobilenet_v2_person", threads=1)
    other = make_runner("detect", "ssdlite_mobilenet_v2_person", threads=1, path=path)
    assert (eager.path, other.path) == ("reference", path)
    a, b = eager.run(astronaut_bgr), other.run(astronaut_bgr)
    assert len(a.detections) == len(b.detections) > 0
    for x, y in zip(a.detections, b.detections):
        assert x.label == y.label
        assert x.score == pytest.approx(y.score, abs=1e-4)
        assert np.allclose(x.box, y.box, atol=0.05)


def test_selfie_mask_and_classifier_top5_agree_on_onnxruntime(real_weights, astronaut_bgr):
    eager, ort = (make_runner("segment", "selfie_segmentation", threads=1, path=p) for p in ("reference", "onnxruntime"))
    a, b = eager.run(astronaut_bgr), ort.run(astronaut_bgr)
    assert ort.path == "onnxruntime"
    assert (a.mask != b.mask).mean() < 1e-4  # a pixel or two may sit exactly on p = 0.5
    eager, ort = (make_runner("classify", "mobilenet_v2", threads=1, path=p) for p in ("reference", "onnxruntime"))
    a, b = eager.run(astronaut_bgr), ort.run(astronaut_bgr)
    assert [p.index for p in a.top] == [p.index for p in b.top]
    assert a.top[0].probability == pytest.approx(b.top[0].probability, abs=1e-4)


@pytest.mark.parametrize("path", ["onnxruntime", "openvino"])
def test_voc_segmenter_keeps_the_frame_aspect_so_a_runtime_path_falls_back_to_fast(astronaut_bgr, path):
    """A fixed-shape export cannot take the frame-aspect input (onnxruntime refuses the shape,
    OpenVINO cannot even reshape it: LR-ASPP's branches meet at traced sizes); the exact torch
    path can."""
    eager = make_runner("segment", "lraspp_mobilenet_v3_large", None, threads=1)
    fast = make_runner("segment", "lraspp_mobilenet_v3_large", None, threads=1, path=path)
    fast.network.load_state_dict(eager.network.state_dict())  # same random weights for both
    fast.use_path(path)  # re-prepare from the copied weights
    assert fast.path == "fast"
    small = cv2.resize(astronaut_bgr, (160, 120))
    a, b = eager.run(small), fast.run(small)
    assert (a.mask != b.mask).mean() < 1e-3


def test_the_default_path_is_the_one_measured_fastest_for_the_model_and_threads():
    """make_runner(path=None) and the live view take the stored measurement (engine.tradeoffs.
    fastest) for the model, its input size and the runner's threads; the static choice only when
    nothing was measured; and looking it up never measures."""
    from engine.runtime import fastest_exact_path
    from engine.tasks import runner_path
    from engine.tradeoffs.fastest import cached_choice, measure_fastest

    name = "mobilenet_v3_small"
    assert runner_path(name, 1) == fastest_exact_path() and cached_choice(name, None, 1) is None
    choice = measure_fastest(name, None, 1, repeats=3)
    assert runner_path(name, 1) == choice.path
    assert make_runner("classify", name, None, threads=1, path=None).path == choice.path
    assert runner_path(name, 2) == fastest_exact_path()  # measured for one thread count only
