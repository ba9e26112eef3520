"""The selfie segmenter port against the original TFLite interpreter's masks (tests/data/selfie)."""

from __future__ import annotations

import hashlib
import importlib.util
from pathlib import Path

import numpy as np
import pytest
import torch

from engine import api
from engine.errors import InvalidInput
from engine.models.segmentation.selfie import SelfieSegmenter
from engine.weights.converters.tflite import convert_selfie, fill_from_graph, read_tflite

DATA = Path(__file__).resolve().parent.parent / "data" / "selfie"
TFLITE = DATA / "selfie_segmentation.tflite"
ROOT = Path(__file__).resolve().parents[2]
# The reference masks are float16 (spacing 2^-11 near 1: rounding <= 2.5e-4); the port computes in
# float32 like the interpreter, so its probabilities may differ from the stored ones by that
# rounding plus float32 noise. 6e-4 allows both and nothing more.
ATOL = 6e-4


def _reference_tool():
    spec = importlib.util.spec_from_file_location("make_selfie_reference", ROOT / "tools" / "make_selfie_reference.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def port(tmp_path_factory) -> SelfieSegmenter:
    dst = tmp_path_factory.mktemp("selfie") / "selfie.pth"
    convert_selfie(TFLITE, dst)
    model = api.build_model("selfie_segmentation", weights=dst)
    return model


@pytest.fixture(scope="module")
def reference():
    return np.load(DATA / "reference.npz")


def _mask(port: SelfieSegmenter, image: np.ndarray) -> np.ndarray:
    x = torch.from_numpy(image).permute(2, 0, 1)[None].float() / 255.0
    with torch.no_grad():
        out = port(x)["out"]
    assert out.shape == (1, 1, 256, 256)
    return out[0, 0].numpy()


def test_test_file_is_the_published_model(reference):
    digest = hashlib.sha256(TFLITE.read_bytes()).hexdigest()
    assert digest == "9ee168ec7c8f2a16c56fe8e1cfbc514974cbbb7e434051b455635f1bd1462f5c"
    assert str(reference["tflite_sha256"]) == digest


@pytest.mark.parametrize("name", ["astronaut", "camera", "chelsea", "brick", "rocket"])
def test_port_matches_tflite_interpreter(port, reference, name):
    tool = _reference_tool()
    image = tool.selfie_input(name)
    assert hashlib.sha256(image.tobytes()).hexdigest() == str(reference[f"input_sha256_{name}"])
    expected = reference[f"mask_{name}"].astype(np.float32)
    np.testing.assert_allclose(_mask(port, image), expected, rtol=0, atol=ATOL)


def test_astronaut_centre_is_person(port):
    mask = _mask(port, _reference_tool().selfie_input("astronaut")) > 0.5
    # the astronaut fills the lower-left-centre of the photo (rows 112-240, columns 64-176 at 256 px)
    assert mask[112:240, 64:176].mean() > 0.9
    assert mask.mean() < 0.8  # not everything: the background right of her is not a person


@pytest.mark.parametrize("name", ["brick", "rocket"])
def test_no_person_scenes_are_background(port, name):
    assert (_mask(port, _reference_tool().selfie_input(name)) > 0.5).mean() < 0.01


def test_reader_sees_the_documented_graph():
    graph = read_tflite(TFLITE.read_bytes())
    names = [op.name for op in graph.ops]
    assert len(names) == 246 and names.count("DEQUANTIZE") == 110  # shared op list: 136 + 110
    assert names.count("Convolution2DTransposeBias") == 1
    assert graph.tensors[graph.inputs[0]].shape == (1, 256, 256, 3)
    assert graph.tensors[graph.outputs[0]].name == "activation_10"
    assert graph.constant(next(i for i, t in enumerate(graph.tensors) if t.name == "conv2d/Kernel")).shape == (16, 3, 3, 3)


def test_converter_refuses_a_module_that_does_not_match_the_graph():
    graph = read_tflite(TFLITE.read_bytes())
    wrong = SelfieSegmenter()
    wrong.head.cbr = torch.nn.Conv2d(32, 64, 1)  # the graph has 32 -> 128
    with pytest.raises(InvalidInput, match="does not match"):
        fill_from_graph(wrong, graph)


def test_converter_refuses_a_file_that_is_not_tflite(tmp_path):
    bad = tmp_path / "x.tflite"
    bad.write_bytes(b"\x00" * 64)
    with pytest.raises(InvalidInput, match="not a TFLite model"):
        convert_selfie(bad, tmp_path / "out.pth")
    assert not (tmp_path / "out.pth").exists()


def test_catalog_entry_and_input_checks():
    info = api.model_info("selfie_segmentation")
    assert (info.task, info.has_width, info.input.size) == ("segmentation", False, 256)
    assert info.input.value_range == (0.0, 1.0) and info.input.mean == (0.0,) * 3 and info.input.std == (1.0,) * 3
    with pytest.raises(InvalidInput, match="fixed port"):
        api.build_model("selfie_segmentation", width=0.5)
    with pytest.raises(InvalidInput, match="multiples of 32"):
        SelfieSegmenter()(torch.zeros(1, 3, 250, 256))
