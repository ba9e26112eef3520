"""The two multi-class SSD MobileNetV2 ports against their original runtime.

Reference: tests/data/detector/multiclass_reference.npz, made by
tools/make_multiclass_reference.py with the LiteRT interpreter (ai-edge-litert 2.x) from the
original .tflite files, on 300x300 uint8 inputs made by the same OpenCV resize the ports use.
Tests that need the converted weights (or the sample photos) skip, saying so, when the cache
lacks them; `weights fetch --shipped` brings them.

Targets (issue 15):
- COCO (uint8 original, float port): >= 90 % of the interpreter's detections above 0.3 are
  matched by the port (same class, IoU > 0.85, score within 0.08), and <= 10 % of the port's
  detections above 0.3 match nothing;
- OIDv4 (fp16 weights, float32 both sides): raw outputs within 1e-3, and the port's detections
  equal MediaPipe's post-processing (the tool's loop-by-loop version of its calculators).
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import cv2
import numpy as np
import pytest
import torch

from engine import paths
from engine.errors import InvalidInput
from engine.models import catalog
from engine.tasks import samples
from engine.models.detection.agreement import match
from engine.models.detection.tflite_ports import (
    OIDV4_GRAPH, POSTPROCESS_KEYS, TfliteFastNms, mediapipe_ssd_anchors,
)
from engine.weights import fetch, manifest
from engine.weights.converters.tflite import Graph, Op, read_tflite
from engine.weights.converters.tflite_ssd import convert_coco, convert_oidv4, postprocess_options
from tests.conftest import _USER_HOME, sample_image

DATA = Path(__file__).resolve().parent.parent / "data"
REFERENCE = DATA / "detector" / "multiclass_reference.npz"
SKIMAGE = ("astronaut", "coffee", "chelsea", "rocket", "brick")
CLEAR = 0.5 + 1e-3  # OIDv4 detections this far above MediaPipe's min_score_thresh
COCO_LABELS_SHA256 = "93f235896748537fc71325a070ee32e9a0afda2481ceb943559325619763fa6d"  # issue 15


def user_cache_file(entry_name: str) -> Path:
    """A converted file from the user's cache, hash-verified; skip when it is not there."""
    with pytest.MonkeyPatch.context() as mp:
        if _USER_HOME:
            mp.setenv("MOBILENET_STUDIO_HOME", _USER_HOME)
        else:
            mp.delenv("MOBILENET_STUDIO_HOME", raising=False)
        state = fetch.cached_state(manifest.get(entry_name))
    if not state.ok:
        pytest.skip(f"{entry_name} is not in the cache ({state.status}); run "
                    "'mobilenet-studio weights fetch --shipped' to test it")
    return state.path


def images(with_samples: bool) -> dict[str, np.ndarray]:
    found = {}
    for name in SKIMAGE:
        image = sample_image(name)
        found[name] = np.stack([image] * 3, -1) if image.ndim == 2 else image[..., :3]
    if with_samples:
        for sample in samples.read_samples(user_cache_file("imagenet-sample-20")):
            found[f"sample_{sample.name[:-4]}"] = sample.rgb
    return found


def resized(rgb: np.ndarray) -> torch.Tensor:
    """The 300x300 uint8 image the reference tool fed the interpreter, as the ports' [0, 1] input."""
    small = cv2.resize(rgb, (300, 300), interpolation=cv2.INTER_LINEAR)
    return torch.from_numpy(small).permute(2, 0, 1).float() / 255


def loaded(model_name: str, entry_name: str):
    model = catalog.build(model_name)
    model.load_state_dict(torch.load(user_cache_file(entry_name), weights_only=True), strict=True)
    return model.eval()


@pytest.fixture(scope="module")
def reference():
    return np.load(REFERENCE)


def yxyx_to_xyxy(boxes: np.ndarray, size: int = 300) -> np.ndarray:
    return boxes[:, [1, 0, 3, 2]] * size


# --- COCO -------------------------------------------------------------------------------


def test_coco_label_ids_name_the_coco91_list():
    text = (DATA / "detector" / "coco_labels.txt").read_bytes()  # fs/coco_labels.txt of the package
    assert hashlib.sha256(text).hexdigest() == COCO_LABELS_SHA256
    coco91 = paths.labels("coco91")
    rows = [line.split(None, 1) for line in text.decode().splitlines()]
    assert len(rows) == 80
    for index, name in rows:  # the op's class id + 1 is the port's label
        assert coco91[int(index) + 1] == name.strip()


def coco_agreement(reference, detector, names) -> dict:
    ref_total = ref_matched = port_total = port_unmatched = 0
    for name, rgb in names.items():
        with torch.no_grad():
            out = detector([resized(rgb)])[0]
        port_boxes, port_scores = out["boxes"].numpy(), out["scores"].numpy()
        port_labels = out["labels"].numpy() - 1  # back to the op's 0-based class
        ref_boxes = yxyx_to_xyxy(reference[f"coco/{name}/boxes"])
        ref_scores, ref_labels = reference[f"coco/{name}/scores"], reference[f"coco/{name}/classes"]
        pairs = match(ref_boxes, port_boxes, iou_min=0.85, labels_a=ref_labels, labels_b=port_labels,
                      scores_a=ref_scores, scores_b=port_scores, score_tol=0.08)
        ref_hits, port_hits = {i for i, _, _ in pairs}, {j for _, j, _ in pairs}
        ref_total += int((ref_scores > 0.3).sum())
        ref_matched += sum(1 for i in ref_hits if ref_scores[i] > 0.3)
        port_total += int((port_scores > 0.3).sum())
        port_unmatched += sum(1 for j in range(len(port_scores)) if port_scores[j] > 0.3 and j not in port_hits)
    return {"reference": ref_total, "matched": ref_matched, "port": port_total, "unmatched": port_unmatched,
            "recall": ref_matched / ref_total, "spurious": port_unmatched / port_total}


def test_coco_port_agrees_with_the_interpreter(reference):
    detector = loaded("ssd_mobilenet_v2_coco", "ssd_mobilenet_v2_coco.coral_uint8")
    figures = coco_agreement(reference, detector, images(with_samples=True))
    print(f"COCO port vs interpreter: {figures}")
    assert figures["reference"] >= 30  # enough detections for the fractions to mean something
    assert figures["recall"] >= 0.90, figures
    assert figures["spurious"] <= 0.10, figures


def test_coco_postprocess_options_and_anchors_come_from_the_file():
    state = torch.load(user_cache_file("ssd_mobilenet_v2_coco.coral_uint8"), weights_only=True)
    options = dict(zip(POSTPROCESS_KEYS, state["_postprocess.options"].tolist()))
    assert options["max_detections"] == 20 and options["use_regular_nms"] == 0  # the reference's table
    anchors = state["anchor_generator.yxhw"]
    assert anchors.shape == (1917, 4)
    generated = catalog.build("ssd_mobilenet_v2_coco").anchor_generator.yxhw  # TF's, regenerated in float
    difference = (anchors - generated).abs().max().item()
    assert 0 < difference < 0.004  # uint8 steps of 0.00645: the file's own anchors, not ours


def test_fast_nms_is_class_agnostic_and_keeps_max_detections():
    post = TfliteFastNms({"max_detections": 2, "nms_iou_threshold": 0.5, "num_classes": 3})
    anchors = torch.tensor([[0, 0, 100, 100], [5, 0, 105, 100], [200, 200, 260, 260], [300, 300, 340, 340.]])
    logits = torch.full((1, 4, 4), -10.0)
    logits[0, 0, 1], logits[0, 1, 2], logits[0, 2, 3], logits[0, 3, 1] = 3.0, 2.0, 1.0, 0.5
    out = post({"bbox_regression": torch.zeros(1, 4, 4), "cls_logits": logits}, [anchors], [(400, 400)])[0]
    # anchor 1 (class 2) overlaps anchor 0 (class 1) at IoU 0.9: suppressed across classes;
    # then the two best of the rest; zero codes decode to the anchors themselves
    assert out["labels"].tolist() == [1, 3]  # score column c is the op's class c - 1, labelled c
    assert torch.allclose(out["boxes"], anchors[[0, 2]])
    assert torch.allclose(out["scores"], torch.sigmoid(torch.tensor([3.0, 1.0])))


# --- OIDv4 ------------------------------------------------------------------------------


def test_mediapipe_anchors_equal_the_reference_tools(reference):
    mine = mediapipe_ssd_anchors(OIDV4_GRAPH["SsdAnchorsCalculator"]).numpy()
    assert mine.shape == (1917, 4)
    assert np.abs(mine - reference["oidv4/anchors"]).max() < 1e-6


def test_oidv4_raw_outputs_equal_the_interpreter(reference):
    detector = loaded("ssd_mobilenet_v2_oidv4", "ssd_mobilenet_v2_oidv4.mediapipe_objectron")
    compared = 0
    for name, rgb in images(with_samples=False).items():
        if f"oidv4/{name}/box_encodings" not in reference.files:
            continue
        with torch.no_grad():
            head, _, _ = detector.raw_outputs([resized(rgb)])
        boxes = np.abs(head["bbox_regression"][0].numpy() - reference[f"oidv4/{name}/box_encodings"]).max()
        logits = np.abs(head["cls_logits"][0].numpy() - reference[f"oidv4/{name}/class_predictions"]).max()
        print(f"{name}: box encodings within {boxes:.2e}, class logits within {logits:.2e}")
        assert boxes < 1e-3 and logits < 1e-3
        compared += 1
    assert compared == 3


def test_oidv4_detections_equal_mediapipes_postprocessing(reference):
    detector = loaded("ssd_mobilenet_v2_oidv4", "ssd_mobilenet_v2_oidv4.mediapipe_objectron")
    anchors = detector.anchor_generator(*_image_list(detector))
    total = 0
    for name, rgb in images(with_samples=True).items():
        want_boxes = yxyx_to_xyxy(reference[f"oidv4/{name}/boxes"])
        want_labels, want_scores = reference[f"oidv4/{name}/labels"], reference[f"oidv4/{name}/scores"]
        if f"oidv4/{name}/box_encodings" in reference.files:  # the post-processing alone, same inputs
            head = {"bbox_regression": torch.from_numpy(reference[f"oidv4/{name}/box_encodings"])[None],
                    "cls_logits": torch.from_numpy(reference[f"oidv4/{name}/class_predictions"])[None]}
            got = detector.postprocess_detections(head, anchors, [(300, 300)])[0]
            assert got["labels"].tolist() == want_labels.tolist()
            assert np.allclose(got["boxes"].numpy(), want_boxes, atol=1e-3)  # 1e-3 px of 300
            assert np.allclose(got["scores"].numpy(), want_scores, atol=1e-6)
        with torch.no_grad():
            got = detector([resized(rgb)])[0]
        # end to end, the port's float error (~5e-5 in a logit) may tip a score within a hair of
        # MediaPipe's 0.5 threshold (the closest here is 5e-5 away): compare the clear ones
        clear_got, clear_want = got["scores"].numpy() > CLEAR, want_scores > CLEAR
        assert got["labels"].numpy()[clear_got].tolist() == want_labels[clear_want].tolist(), name
        assert np.allclose(got["boxes"].numpy()[clear_got], want_boxes[clear_want], atol=0.05), name  # 1e-3 px of 300
        assert np.allclose(got["scores"].numpy()[clear_got], want_scores[clear_want], atol=1e-3), name
        total += int(clear_want.sum())
    assert total >= 5


def _image_list(detector):
    from engine.models.detection.anchors import ImageList

    batch = torch.zeros(1, 3, 300, 300)
    with torch.no_grad():
        features = list(detector.backbone(batch).values())
    return ImageList(batch, [(300, 300)]), features


def test_oidv4_labels_are_mediapipes_label_map():
    labels = paths.labels("oidv4")
    assert len(labels) == 24 and labels[0] == "???"  # background, then 23 classes
    assert (paths.ASSETS / "labels" / "oidv4.txt").stat().st_size == 184  # bytes [0, 184) of the package
    assert catalog.model_info("ssd_mobilenet_v2_oidv4").labels == "oidv4"


# --- bad files: one line each -------------------------------------------------------------


def test_a_tflite_file_with_unexpected_ops_is_refused_in_one_line(tmp_path):
    selfie = DATA / "selfie" / "selfie_segmentation.tflite"  # a real TFLite file, another model
    for convert in (convert_coco, convert_oidv4):
        with pytest.raises(InvalidInput) as err:
            convert(selfie, tmp_path / "out.pth")
        assert "unexpected op" in str(err.value) and "\n" not in str(err.value)
    assert not (tmp_path / "out.pth").exists()


def test_not_a_tflite_file_is_refused(tmp_path):
    bad = tmp_path / "bad.tflite"
    bad.write_bytes(b"\x00" * 64)
    with pytest.raises(InvalidInput, match="not a TFLite model"):
        convert_coco(bad, tmp_path / "out.pth")


def _graph_with_options(custom: bytes) -> Graph:
    op = Op("TFLite_Detection_PostProcess", (0, 1, 2), (3, 4, 5, 6), None, custom)
    return Graph([], [op], (), (), "test")


def test_postprocess_custom_options_are_read_and_bad_layouts_refused():
    from flatbuffers import flexbuffers

    good = {"max_detections": 7, "max_classes_per_detection": 1, "detections_per_class": 0,
            "nms_score_threshold": 0.25, "nms_iou_threshold": 0.45, "num_classes": 90, "y_scale": 10.0,
            "x_scale": 10.0, "h_scale": 5.0, "w_scale": 5.0, "use_regular_nms": False, "_output_quantized": True}
    assert postprocess_options(_graph_with_options(bytes(flexbuffers.Dumps(good))))["max_detections"] == 7
    cases = {
        b"\x01\x02\x03": "not a flexbuffer map",
        bytes(flexbuffers.Dumps({k: v for k, v in good.items() if k != "h_scale"})): "lack h_scale",
        bytes(flexbuffers.Dumps([1, 2, 3])): "not a flexbuffer map",
        bytes(flexbuffers.Dumps({**good, "use_regular_nms": True})): "only the fast NMS",
    }
    for custom, message in cases.items():
        with pytest.raises(InvalidInput) as err:
            postprocess_options(_graph_with_options(custom))
        assert message in str(err.value) and "\n" not in str(err.value)


def test_the_reference_tflite_reader_keeps_quantisation(tmp_path):
    graph = read_tflite((DATA / "selfie" / "selfie_segmentation.tflite").read_bytes())
    assert all(t.scale is None for t in graph.tensors)  # a float model: no quantisation parameters


def test_the_converted_coco_model_detects_the_cat_and_the_cup():
    detector = loaded("ssd_mobilenet_v2_coco", "ssd_mobilenet_v2_coco.coral_uint8")
    coco91 = paths.labels("coco91")
    for image, wanted in (("chelsea", "cat"), ("coffee", "cup")):
        with torch.no_grad():
            out = detector([torch.from_numpy(sample_image(image)).permute(2, 0, 1).float() / 255])[0]
        assert coco91[int(out["labels"][0])] == wanted and float(out["scores"][0]) > 0.5
