"""Inference paths: every fast path equals the reference; onnxruntime equals torch; the ONNX
export is clean; per-node profiles map back to layers."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from torch import nn

from engine.api import build_model, list_models
from engine.cli import main as cli_main
from engine.errors import InvalidInput, UnknownName
from engine.runtime import PATHS, export_onnx, fastest_exact_path, network_of, op_counts, prepare, profile_nodes

# Small inputs keep the registry-wide test fast; detectors need room for their six levels.
SMALL = {"classification": 64, "segmentation": 64, "detection": 128}
RTOL = 1e-4  # relative to the output's largest magnitude (fp32 rounding of a reordered sum)


def randomize_batchnorm(model: nn.Module, seed: int = 0) -> nn.Module:
    """Non-trivial BN statistics and affine terms: with the init's mean 0 / var 1 / weight 1,
    folding would be nearly the identity and the test could not see a wrong fold."""
    generator = torch.Generator().manual_seed(seed)
    for m in model.modules():
        if isinstance(m, nn.BatchNorm2d):
            n = m.num_features
            m.running_mean.copy_(torch.randn(n, generator=generator) * 0.2)
            m.running_var.copy_(torch.rand(n, generator=generator) * 1.5 + 0.5)
            m.weight.data.copy_(torch.rand(n, generator=generator) + 0.5)
            m.bias.data.copy_(torch.randn(n, generator=generator) * 0.2)
    return model


def assert_outputs_close(got, want, rtol: float = RTOL) -> None:
    got_list = list(got.values()) if isinstance(got, dict) else [got]
    want_list = list(want.values()) if isinstance(want, dict) else [want]
    if isinstance(want, dict):
        assert list(got) == list(want)
    for g, w in zip(got_list, want_list, strict=True):
        assert g.shape == w.shape
        scale = w.abs().max().item()
        assert scale > 0
        torch.testing.assert_close(g.float(), w.float(), rtol=0, atol=rtol * scale)


def _network_input(info, seed: int = 1) -> torch.Tensor:
    size = SMALL[info.task]
    return torch.rand(1, 3, size, size, generator=torch.Generator().manual_seed(seed))


@pytest.mark.parametrize("info", list_models(), ids=lambda info: info.name)
def test_fast_path_equals_reference_for_every_model(info):
    model = randomize_batchnorm(build_model(info.name))
    size = SMALL[info.task]
    batchnorms = sum(isinstance(m, nn.BatchNorm2d) for m in network_of(info.name, model).modules())
    reference = prepare(info.name, resolution=size, path="reference", threads=1, module=model)
    fast = prepare(info.name, resolution=size, path="fast", threads=1, module=model)
    x = _network_input(info)
    assert fast.path == "fast" and reference.path == "reference"
    assert fast.details["batchnorms_folded"] == batchnorms  # every BN of the network was folded
    assert_outputs_close(fast(x), reference(x))
    # The reference network is untouched by the fast path's folding.
    assert sum(isinstance(m, nn.BatchNorm2d) for m in reference.network.modules()) == batchnorms


ONNX_CASES = [("mobilenet_v2", 96), ("mobilenet_v3_large", 96), ("mobilenet_v3_small", 96),
              ("ssdlite_mobilenet_v2_person", 300), ("lraspp_mobilenet_v3_large", 128), ("selfie_segmentation", 256)]


@pytest.mark.parametrize("name,size", ONNX_CASES)
def test_onnxruntime_equals_torch(name, size):
    model = randomize_batchnorm(build_model(name))
    reference = prepare(name, resolution=size, path="reference", threads=1, module=model)
    ort_path = prepare(name, resolution=size, path="onnxruntime", threads=1, module=model)
    x = torch.rand(1, 3, size, size, generator=torch.Generator().manual_seed(2))
    assert_outputs_close(ort_path(x), reference(x))
    assert_outputs_close(ort_path(x.numpy()), reference(x))  # numpy in, same structure out
    options = ort_path.run.session.get_session_options()
    assert options.intra_op_num_threads == 1
    assert options.get_session_config_entry("session.intra_op.allow_spinning") == "0"


def test_detect_runs_postprocess_over_the_path_network():
    name = "ssdlite_mobilenet_v2_person"
    model = build_model(name)
    images = [torch.rand(3, 240, 320, generator=torch.Generator().manual_seed(3))]
    with torch.inference_mode():
        want = model(images)[0]
    got = prepare(name, path="reference", threads=1, module=model).detect(images)[0]
    assert len(want["boxes"]) > 0
    for key in ("boxes", "scores", "labels"):
        torch.testing.assert_close(got[key], want[key])


def test_onnx_cache_is_reused_and_keyed_by_weights():
    first = prepare("mobilenet_v3_small", resolution=64, path="onnxruntime", threads=1, keep_export=True)
    again = prepare("mobilenet_v3_small", resolution=64, path="onnxruntime", threads=1, module=first.network,
                    keep_export=True)
    other = prepare("mobilenet_v3_small", resolution=64, path="onnxruntime", threads=1,
                    keep_export=True)  # new random weights
    assert first.details["onnx_file"] == again.details["onnx_file"]
    assert other.details["onnx_file"] != first.details["onnx_file"]


def test_export_cli_writes_hardswish_and_se_as_onnx_ops(tmp_path, capsys):
    target = tmp_path / "v3s.onnx"
    assert cli_main(["export", "mobilenet_v3_small", "--onnx", str(target), "--resolution", "96", "--json"]) == 0
    model = build_model("mobilenet_v3_small")
    ops = op_counts(target)
    assert ops["HardSwish"] == sum(isinstance(m, nn.Hardswish) for m in model.modules())
    assert ops["HardSigmoid"] == sum(isinstance(m, nn.Hardsigmoid) for m in model.modules())
    assert ops["Conv"] == sum(isinstance(m, nn.Conv2d) for m in model.modules())
    assert "BatchNormalization" not in ops  # folded by the exporter
    assert not {op for op in ops if op.startswith("ATen") or op == "PythonOp"}
    assert [p.name for p in tmp_path.iterdir()] == ["v3s.onnx"]  # no temp file left
    assert '"HardSwish"' in capsys.readouterr().out


def test_export_cli_rejects_bad_opset(tmp_path, capsys):
    assert cli_main(["export", "mobilenet_v2", "--onnx", str(tmp_path / "a.onnx"), "--opset", "9"]) == 2
    assert "opset 9 is out of range; valid: 14 to 20" in capsys.readouterr().err
    assert not (tmp_path / "a.onnx").exists()


def test_paths_are_checked():
    with pytest.raises(UnknownName, match="valid: bf16, fast, int8, litert, onnxruntime, openvino, openvino-bf16, openvino-int8, reference"):
        prepare("mobilenet_v2", path="tensorrt")
    with pytest.raises(InvalidInput, match="int8 is not available for selfie_segmentation"):
        prepare("selfie_segmentation", path="int8")
    assert set(PATHS) == {"reference", "fast", "bf16", "int8", "openvino-int8", "onnxruntime", "openvino", "openvino-bf16",
                          "litert"}
    assert fastest_exact_path() == "onnxruntime"


def test_onnx_node_profile_maps_to_layer_names(tmp_path):
    model = build_model("mobilenet_v3_small")
    x = torch.rand(1, 3, 96, 96)
    file = export_onnx(model, x, tmp_path / "m.onnx")
    nodes = profile_nodes(file, x.numpy(), threads=1, runs=5, network=model)
    layers = dict(model.named_modules())
    convs = [n for n in nodes if n.op.startswith(("Conv", "FusedConv"))]
    # net of the profiler's own cost per span: a conv still costs something, nothing goes negative
    assert convs and all(n.us_median > 0 for n in convs) and all(n.us_median >= 0 for n in nodes)
    # every conv node names a real conv layer of the model
    assert all(isinstance(layers.get(n.layer), nn.Conv2d) for n in convs), [n.node for n in convs][:5]
    assert len({n.layer for n in convs}) == sum(isinstance(m, nn.Conv2d) for m in model.modules())
    # onnxruntime's layout conversions for its blocked convs count to the conv they serve
    reorders = [(i, n) for i, n in enumerate(nodes) if n.op in ("ReorderInput", "ReorderOutput")]
    for i, n in reorders:
        assert n.layer in layers, n.node
        side = nodes[i + 1:] if n.op == "ReorderInput" else nodes[:i][::-1]
        assert n.layer == next(m.layer for m in side if m.layer and m.op not in ("ReorderInput", "ReorderOutput"))


def test_profiler_floor_is_measured_on_a_chain_onnxruntime_keeps_whole(tmp_path):
    """The floor subtracted from every node span is only the profiler's cost if onnxruntime
    runs the calibration chain node by node: were its optimiser to fuse or drop the Relus,
    the spans would hold real work and the floor would eat into the layers."""
    from engine.runtime.node_times import FLOOR_NODES, FLOOR_SHAPE, _kernel_times, profiler_floor_us, write_floor_chain

    file = write_floor_chain(tmp_path / "floor.onnx")
    spans, ops = _kernel_times(file, np.ones(FLOOR_SHAPE, np.float32), threads=1, runs=3)
    assert len(spans) == FLOOR_NODES and set(ops.values()) == {"Relu"}
    assert all(len(times) == 3 for times in spans.values())
    floor = profiler_floor_us(1)
    assert 0 <= floor == profiler_floor_us(1)  # measured once per thread count
