"""The one list of inference paths: every consumer reads it, unavailable paths say why, and
exports follow the shape the network is really fed."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

from engine.api import build_model
from engine.cli import main as cli_main
from engine.errors import InvalidInput, UnknownName
from engine.profiling import inference_paths
from engine.runtime import EXACT_PATHS, PATHS, available_paths, check_path, path_statuses, prepare, supports_bf16
from engine.runtime.available import installed, spec
from tests.engine.test_runtime import assert_outputs_close, randomize_batchnorm


def test_profiler_and_runtime_share_one_list():
    assert inference_paths.path_names() == list(PATHS)
    statuses = path_statuses()
    assert [s.name for s in statuses] == list(PATHS)
    assert {s.name for s in statuses if s.exact} == set(EXACT_PATHS)
    assert {"reference", "fast", "onnxruntime"} <= set(EXACT_PATHS)
    for status in statuses:  # available exactly when no reason is given, and the reason names a cause
        assert status.available == (status.reason == "")
        if not status.available:
            assert spec(status.name).package in status.reason or "bfloat16" in status.reason or "models only" in status.reason


@pytest.mark.skipif(supports_bf16(), reason="this CPU has native bfloat16: the bf16 path is offered")
def test_bf16_is_hidden_with_its_reason_on_a_cpu_without_it(capsys):
    bf16 = next(s for s in path_statuses("mobilenet_v2") if s.name == "bf16")
    assert not bf16.available and "no native bfloat16" in bf16.reason
    assert "bf16" not in available_paths("mobilenet_v2")
    with pytest.raises(InvalidInput, match="path bf16 is not available for mobilenet_v2 on this machine: this CPU"):
        check_path("bf16", "mobilenet_v2")
    argv = ["profile", "mobilenet_v3_small", "--resolution", "64", "--repeats", "3", "--path", "bf16", "--no-save"]
    assert cli_main(argv) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "available: " in err and "onnxruntime" in err


def test_unknown_path_lists_every_path(capsys):
    with pytest.raises(UnknownName) as raised:
        check_path("tensorrt")
    assert raised.value.valid == sorted(PATHS)
    argv = ["profile", "mobilenet_v3_small", "--repeats", "3", "--path", "tensorrt", "--no-save"]
    assert cli_main(argv) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and all(p in err for p in PATHS)


def test_task_restricted_path_says_which_tasks():
    status = next(s for s in path_statuses("selfie_segmentation") if s.name == "int8")
    assert not status.available and "classification" in status.reason


@pytest.mark.skipif(not installed("onnxruntime"), reason="onnxruntime is not installed")
def test_detector_export_follows_the_size_its_transform_feeds():
    """The person detector resizes every image to 300: asked for 224, the export is traced at
    300 (it used to be traced at 224 and crash in onnxruntime, 'Got: 300 Expected: 224')."""
    name = "ssdlite_mobilenet_v2_person"
    model = randomize_batchnorm(build_model(name))
    on_ort = prepare(name, resolution=224, path="onnxruntime", threads=1, module=model)
    reference = prepare(name, resolution=224, path="reference", threads=1, module=model)
    image = [torch.rand(3, 224, 224, generator=torch.Generator().manual_seed(4))]
    batch, _ = model.transform(image)
    assert tuple(batch.tensors.shape[-2:]) == (300, 300)
    assert_outputs_close(on_ort(batch.tensors), reference(batch.tensors))
    got, want = on_ort.detect(image)[0], reference.detect(image)[0]
    assert len(got["boxes"]) == len(want["boxes"])


@pytest.mark.skipif(not installed("openvino"), reason="openvino is not installed")
@pytest.mark.parametrize("name,size", [("mobilenet_v3_small", 96), ("ssdlite_mobilenet_v2_person", 300),
                                       ("selfie_segmentation", 256)])
def test_openvino_equals_torch_in_f32(name, size):
    model = randomize_batchnorm(build_model(name))
    reference = prepare(name, resolution=size, path="reference", threads=1, module=model)
    on_ov = prepare(name, resolution=size, path="openvino", threads=1, module=model)
    x = torch.rand(1, 3, size, size, generator=torch.Generator().manual_seed(6))
    assert_outputs_close(on_ov(x), reference(x))
    compiled = on_ov.run.compiled  # f32 asked for explicitly, threads as asked
    assert str(compiled.get_property("INFERENCE_PRECISION_HINT")) == "<Type: 'float32'>"
    assert int(compiled.get_property("INFERENCE_NUM_THREADS")) == 1


@pytest.mark.skipif(not installed("openvino"), reason="openvino is not installed")
def test_openvino_per_layer_profile_names_the_models_layers():
    """PERF_COUNT nodes map to the layer table's names: every conv and linear layer of V3-Small
    gets a time, the last one too (OpenVINO names it after the graph's output)."""
    from engine.api import model_stats
    from engine.profiling.latency import profile_model

    result = profile_model("mobilenet_v3_small", resolution=96, threads=1, repeats=3, warmup=1, path="openvino")
    assert result.path == "openvino"
    rows = {row.name: row for row in model_stats("mobilenet_v3_small", resolution=96).layers}
    timed = {layer.name for layer in result.layers}
    assert timed <= set(rows)
    convs = {name for name, row in rows.items() if row.kind.lower().startswith("conv")}
    assert convs and convs <= timed, sorted(convs - timed)[:5]
    linears = {name for name, row in rows.items() if row.kind == "fully connected"}
    assert len(linears) == 2 and linears <= timed, sorted(linears - timed)
    assert 0 < result.layer_sum_ms < 3 * result.total_ms.median


@pytest.mark.skipif(not installed("openvino"), reason="openvino is not installed")
def test_openvino_layout_conversions_count_to_the_node_they_feed():
    """OpenVINO's inserted Reorder nodes are named after the edge they convert; one that feeds an
    exported node counts to that node's layer (the input's conversion to the first conv's
    layout was 5 % of V3-Small's time, left to no layer)."""
    model = build_model("mobilenet_v3_small")
    prepared = prepare("mobilenet_v3_small", resolution=96, path="openvino", threads=1, module=model)
    nodes = prepared.run.node_times(torch.rand(1, 3, 96, 96).numpy(), 2, prepared.network)
    modules = dict(prepared.network.named_modules())
    feeding = [n for n in nodes if n.op == "Reorder" and "/network/" in n.node]
    assert feeding, sorted({n.op for n in nodes})
    for node in feeding:
        fed = node.node[node.node.rfind("/network/"):]
        assert node.layer and node.layer in modules and fed.startswith(f"/network/{node.layer.split('.')[0]}/"), node


def test_a_container_modules_node_counts_to_its_last_leaf_layer():
    """A runtime node named after a block (an SE multiply, a residual add) counts to a row of
    the layer table inside that block, the last one, and adds to what that row already has;
    a node of no module stays unattributed."""
    from engine.api import model_stats
    from engine.profiling.latency import _to_rows

    rows = [row.name for row in model_stats("mobilenet_v3_small", resolution=96).layers]
    se = next(name for name in (r.rpartition(".")[0] for r in rows) if name.endswith("block.1") and name not in rows)
    inside = [r for r in rows if r.startswith(se + ".")]
    mapped = _to_rows({se: 1.0, inside[0]: 2.0, inside[-1]: 4.0, "": 8.0, "no.such.module": 16.0}, rows)
    assert sum(mapped.values()) == 7.0 and set(mapped) <= set(rows)
    assert len(inside) > 1 and mapped[inside[-1]] == 5.0 and mapped[inside[0]] == 2.0


@pytest.mark.skipif(not installed("ai_edge_litert"), reason="ai-edge-litert is not installed")
@pytest.mark.parametrize("name,size", [("mobilenet_v1", 96), ("mobilenet_v2", 96), ("mobilenet_v3_large", 96),
                                       ("mobilenet_v3_small", 112)])
def test_litert_runs_our_tflite_and_equals_torch(name, size):
    """The .tflite written from the export (NHWC, asymmetric stride-2 padding as PAD + VALID,
    h-sigmoid as ADD+RELU6, MUL) gives the reference's logits in LiteRT's interpreter."""
    from engine.runtime.exports import verified

    model = randomize_batchnorm(build_model(name))
    reference = prepare(name, resolution=size, path="reference", threads=1, module=model)
    on_litert = prepare(name, resolution=size, path="litert", threads=1, module=model)
    x = torch.rand(1, 3, size, size, generator=torch.Generator().manual_seed(7))
    assert_outputs_close(on_litert(x), reference(x))
    assert verified(Path(on_litert.details["tflite_file"]))


@pytest.mark.skipif(not installed("ai_edge_litert"), reason="ai-edge-litert is not installed")
def test_a_path_without_layer_times_says_why(capsys):
    """Every path the profiler cannot time layer by layer carries its reason, and the CLI prints it."""
    for name in PATHS:
        assert bool(spec(name).no_layers_why) == (not spec(name).per_layer), name
    argv = ["profile", "mobilenet_v3_small", "--resolution", "64", "--repeats", "3", "--threads", "1",
            "--path", "litert", "--no-save", "--no-agreement"]
    assert cli_main(argv) == 0
    assert f"no per-layer times on this path: {spec('litert').no_layers_why}" in capsys.readouterr().out


@pytest.mark.skipif(not installed("ai_edge_litert"), reason="ai-edge-litert is not installed")
def test_litert_file_fuses_every_relu6_into_its_convolution():
    """MobileNetV2's 35 ReLU6 each follow a convolution they alone consume: written as that
    op's fused activation, never as separate RELU6 ops (which cost V2 ~20 % in LiteRT). The ONNX
    export puts a Clip's bounds after the Conv: the writer must read them first."""
    import collections

    import onnx
    from ai_edge_litert.interpreter import Interpreter

    on_litert = prepare("mobilenet_v2", resolution=64, path="litert", threads=1)
    clips = sum(n.op_type == "Clip" for n in onnx.load(on_litert.details["onnx_file"]).graph.node)
    interpreter = Interpreter(model_path=on_litert.details["tflite_file"])
    ops = collections.Counter(op["op_name"] for op in interpreter._get_ops_details())
    relu6 = sum(isinstance(m, torch.nn.ReLU6) for m in on_litert.network.modules())
    convs = sum(isinstance(m, torch.nn.Conv2d) for m in on_litert.network.modules())
    assert clips == relu6 > 0 and ops["RELU6"] == 0 and ops["CONV_2D"] + ops["DEPTHWISE_CONV_2D"] == convs

