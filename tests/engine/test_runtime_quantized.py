"""int8 and bf16 against fp32 with the real MobileNetV2 weights: top-1 agreement on the sample
photos (the MobileNetV3 paper's Table 4 float-vs-8-bit comparison, on this CPU's kernels)."""

from __future__ import annotations

import pytest
import torch

from engine.api import build_model
from engine.tasks.classify import Preprocess
from engine.runtime import prepare, supports_bf16
from tests.conftest import sample_image
from engine.runtime.available import installed

EVALUATE = ("astronaut", "chelsea", "coffee", "rocket")
# Calibration on other photos than the ones evaluated: agreement must not come from seeing them.
CALIBRATE = ("hubble_deep_field", "immunohistochemistry", "retina", "colorwheel", "cat")


def _batch(names) -> torch.Tensor:
    preprocess = Preprocess()
    return torch.stack([preprocess(sample_image(name)) for name in names])


@pytest.fixture
def v2_fp32(real_weights):
    model = build_model("mobilenet_v2", weights="default")
    images = _batch(EVALUATE)
    logits = prepare("mobilenet_v2", path="reference", threads=1, module=model)(images)
    return model, images, logits


def _disagreements(got: torch.Tensor, want: torch.Tensor) -> list[str]:
    return [f"{name}: {int(g)} vs fp32 {int(w)}"
            for name, g, w in zip(EVALUATE, got.argmax(1), want.argmax(1)) if g != w]


@pytest.mark.slow  # QDQ calibration of MobileNetV2: ~10-20 s on a loaded 2-core machine
def test_int8_agrees_with_fp32_on_top1(v2_fp32):
    model, images, fp32 = v2_fp32
    int8 = prepare("mobilenet_v2", path="int8", threads=1, module=model, calibration=_batch(CALIBRATE))
    assert int8.path == "int8"
    assert int8.details["int8"].fallbacks == ()  # no float islands in MobileNetV2
    got = int8(images)
    # Measured and reported (not hidden): 3 of 4 agree. rocket flips — fp32 is unsure there
    # ('drilling platform' 0.34, 'space shuttle' 0.17) and int8 says 'missile'; the same flip
    # with the x86, onednn and fbgemm backends and with any of our calibration sets.
    assert len(_disagreements(got, fp32)) <= 1, _disagreements(got, fp32)
    # int8 is an approximation, not a copy of fp32: the logits differ (~20 % of the largest
    # logit with per-tensor activations calibrated on 5 photos), but not wildly
    err = (got - fp32).abs().max().item() / fp32.abs().max().item()
    assert 1e-3 < err < 0.35


@pytest.mark.slow  # QDQ calibration of MobileNetV2, then OpenVINO compiling it
@pytest.mark.skipif(not installed("openvino"), reason="openvino is not installed")
def test_openvino_runs_the_same_int8_file_as_onnxruntime(v2_fp32):
    """One quantised model, two runtimes: OpenVINO executes the QDQ file as int8 too, as close to
    fp32 as ONNX Runtime's int8 is (their int8 kernels round differently, so on a photo where
    fp32 itself is unsure, rocket, the two may pick different classes)."""
    model, images, fp32 = v2_fp32
    calibration = _batch(CALIBRATE)
    ort = prepare("mobilenet_v2", path="int8", threads=1, module=model, calibration=calibration)
    ov = prepare("mobilenet_v2", path="openvino-int8", threads=1, module=model, calibration=calibration)
    assert ov.path == "openvino-int8" and ov.details["onnx_file"] == ort.details["onnx_file"]
    a, b = (torch.cat([run(x[None]) for x in images]) for run in (ort, ov))  # the export's batch is 1
    assert int((a.argmax(1) != b.argmax(1)).sum()) <= 1
    assert len(_disagreements(b, fp32)) <= 1, _disagreements(b, fp32)
    err = (b - fp32).abs().max().item() / fp32.abs().max().item()
    # int8, not float (OpenVINO did not quietly dequantise the model), and not garbage. Wider
    # than ONNX Runtime's 0.35: measured 0.42 on an AVX2 CPU without VNNI, where OpenVINO's int8
    # kernels lose more (top-1 agreement on imagenet-sample-20: 70 % against ONNX Runtime's 85 %)
    assert 1e-3 < err < 0.6
    print(f"openvino-int8 vs int8 (onnxruntime): max |Δlogit| {(a - b).abs().max().item():.3f}")


@pytest.mark.skipif(not supports_bf16(), reason="CPU has no native bfloat16")
def test_bf16_agrees_with_fp32_on_top1(v2_fp32):
    model, images, fp32 = v2_fp32
    bf16 = prepare("mobilenet_v2", path="bf16", threads=1, module=model)
    got = bf16(images)
    assert got.dtype == torch.float32
    assert _disagreements(got, fp32) == []
    err = (got - fp32).abs().max().item() / fp32.abs().max().item()
    assert 1e-4 < err < 0.1


@pytest.mark.slow  # export + QDQ calibration: 5-15 s on a loaded 2-core machine
def test_int8_v3_small_has_no_float_fallbacks():
    """The known pitfall: h-sigmoid / h-swish without int8 kernels dequantise around every SE.
    With torch's x86 backend they run on quantised tensors; this fails if that ever regresses."""
    int8 = prepare("mobilenet_v3_small", path="int8", threads=1, resolution=64,
                   calibration=torch.randn(2, 3, 64, 64))
    report = int8.details["int8"]
    assert report.fallbacks == ()
    model = int8.network
    assert report.quantized_layers == sum(isinstance(m, (torch.nn.Conv2d, torch.nn.Linear, torch.nn.Hardswish))
                                          for m in model.modules())  # every conv, linear, h-swish in int8
