"""Per-node times from the runtimes' own profilers, mapped back to the torch layers they came
from: onnxruntime's profiler here (profile_nodes), OpenVINO's PERF_COUNT in openvino_path. The
exporter names each ONNX node after its torch scope; the runtimes rename, fuse and add nodes,
and the mapping below undoes that."""

from __future__ import annotations

import functools
import json
import statistics
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from torch import Tensor, nn

from engine.runtime.ort_session import open_session


@dataclass(frozen=True)
class NodeTime:
    node: str  # ONNX node name
    op: str  # ONNX op type
    layer: str  # the torch module it came from ("" when the exporter gave no scope)
    us_median: float


def layer_of(node_name: str) -> str:
    """The torch module name in a TorchScript-exported node name: the exporter names nodes by
    scope, each scope named relative to its parent, e.g.
    '/network/features/features.3/block/block.0/block.0.0/Conv' -> 'features.3.block.0.0'.
    onnxruntime's layout pass renames nodes after their output ('.../Conv_output_0_nchwc'): same scope."""
    parts = [p for p in node_name.split("/") if p][:-1]  # scopes; the last part is the op
    if parts[:1] == ["network"]:  # the Flat wrapper export_onnx adds
        parts = parts[1:]
    names: list[str] = []
    previous = ""
    for scope in parts:  # 'features', 'features.1', 'block', 'block.0' -> features.1.block.0
        names.append(scope[len(previous) + 1:] if previous and scope.startswith(previous + ".") else scope)
        previous = scope
    return ".".join(names)


def module_layer(node_name: str, modules: dict[str, nn.Module]) -> str:
    """The deepest module a node's scope names, '' when none: runtimes add their own suffixes to
    the exporter's names (OpenVINO's '/Conv/WithoutBiases'), and the layout reorders they insert
    belong to no module."""
    layer = layer_of(node_name)
    while layer and layer not in modules:
        layer = layer.rpartition(".")[0]
    return layer


def _conv_owner(network: nn.Module) -> dict[str, str]:
    """Each module name -> the last Conv2d at or before it in definition order: onnxruntime fuses
    an activation into the conv before it and names the fused node after the activation."""
    owner, last = {}, ""
    for name, module in network.named_modules():
        if isinstance(module, nn.Conv2d):
            last = name
        owner[name] = last
    return owner


def profile_nodes(onnx_file: str | Path, example: Tensor | np.ndarray, *, threads: int, runs: int = 20,
                  network: nn.Module | None = None) -> list[NodeTime]:
    """Per-node times from onnxruntime's own profiler (SessionOptions.enable_profiling), median
    over `runs`, in execution order, each mapped back to its torch layer name. Conv nodes carry
    the folded BN and the fused activation; given `network` (the exported module), a fused conv
    is named after its conv layer rather than the activation it absorbed. Each time is net of
    the profiler's own cost inside a kernel's span (profiler_floor_us)."""

    per_node, ops = _kernel_times(Path(onnx_file), example, threads, runs)
    floor = profiler_floor_us(threads)
    owner = _conv_owner(network) if network is not None else {}
    result = []
    for node, times in per_node.items():
        layer = layer_of(node)
        if ops[node] in ("Conv", "FusedConv") and layer in owner:
            layer = owner[layer]
        # the first run includes one-off allocations: drop it when there are enough runs
        median = statistics.median(times[1:] if len(times) > 2 else times)
        result.append(NodeTime(node, ops[node], layer, max(median - floor, 0.0)))
    return _reorders_to_their_convs(result)


def _kernel_times(onnx_file: Path, example: Tensor | np.ndarray, threads: int,
                  runs: int) -> tuple[dict[str, list[float]], dict[str, str]]:
    """Each node's kernel_time spans (µs, one per run) from onnxruntime's profiler, and its op."""
    with tempfile.TemporaryDirectory() as tmp:
        session = open_session(onnx_file, threads, profile_prefix=str(Path(tmp) / "ort"))
        array = np.ascontiguousarray(np.asarray(example, dtype=np.float32))
        for _ in range(runs):
            session.run(None, {session.get_inputs()[0].name: array})
        events = json.loads(Path(session.end_profiling()).read_text(encoding="utf-8"))
    per_node: dict[str, list[float]] = {}
    ops: dict[str, str] = {}
    for event in events:
        if event.get("cat") == "Node" and event.get("name", "").endswith("_kernel_time"):
            node = event["name"].removesuffix("_kernel_time")
            per_node.setdefault(node, []).append(float(event["dur"]))
            ops[node] = event.get("args", {}).get("op_name", "")
    return per_node, ops


FLOOR_NODES = 50  # nodes in the calibration chain
FLOOR_RUNS = 100
FLOOR_SHAPE = [1, 16]


def write_floor_chain(file: Path) -> Path:
    """The calibration model: FLOOR_NODES Relu nodes in a chain on FLOOR_SHAPE floats."""
    import onnx
    from onnx import TensorProto, helper

    chain = [helper.make_node("Relu", [f"t{i}"], [f"t{i + 1}"], name=f"relu{i}") for i in range(FLOOR_NODES)]
    graph = helper.make_graph(chain, "floor", [helper.make_tensor_value_info("t0", TensorProto.FLOAT, FLOOR_SHAPE)],
                              [helper.make_tensor_value_info(f"t{FLOOR_NODES}", TensorProto.FLOAT, FLOOR_SHAPE)])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    onnx.save(model, str(file))
    return file


@functools.lru_cache(maxsize=None)
def profiler_floor_us(threads: int) -> float:
    """What onnxruntime's profiler adds inside each node's kernel_time span, in µs, measured on
    this machine: a chain of Relu nodes on 16 floats does next to nothing, so its profiled span
    less its per-node cost without the profiler (the plain session's run over the chain) is the
    instrument's own cost (issue 16 item 7: about 4 µs a node here; over V3-Small's 104 nodes it
    put the layer sum at 1.2-1.4x the whole). Conservative: the plain per-node cost includes the
    executor's own step, so the floor errs low. Measured once per process and thread count."""
    x = np.ones(FLOOR_SHAPE, np.float32)
    with tempfile.TemporaryDirectory() as tmp:
        file = write_floor_chain(Path(tmp) / "floor.onnx")
        plain = open_session(file, threads)
        for _ in range(10):
            plain.run(None, {"t0": x})
        samples = []
        for _ in range(FLOOR_RUNS):
            start = time.perf_counter()
            plain.run(None, {"t0": x})
            samples.append(time.perf_counter() - start)
        per_node_plain = statistics.median(samples) * 1e6 / FLOOR_NODES
        spans, _ = _kernel_times(file, x, threads, FLOOR_RUNS)
    profiled = statistics.median(t for times in spans.values() for t in times[1:])
    return max(profiled - per_node_plain, 0.0)


LAYOUT_REORDERS = {"ReorderInput": 1, "ReorderOutput": -1}  # op -> where the conv it serves is (next, previous)


def _reorders_to_their_convs(nodes: list[NodeTime]) -> list[NodeTime]:
    """onnxruntime runs convolutions in a blocked layout (NCHWc) and inserts the conversions
    into and out of it as nodes of their own (ReorderInput before a run of blocked convs,
    ReorderOutput after it), named after no module. They are part of what those convs cost on
    this runtime, so each counts to the nearest mapped node on its side (issue 16 item 7: about
    0.6 ms of V3-Large's 6.3 ms was otherwise left to no layer)."""
    out = list(nodes)
    for i, node in enumerate(nodes):
        step = LAYOUT_REORDERS.get(node.op)
        if step is None or node.layer:
            continue
        j = i + step
        while 0 <= j < len(nodes) and (not nodes[j].layer or nodes[j].op in LAYOUT_REORDERS):
            j += step
        if 0 <= j < len(nodes):
            out[i] = NodeTime(node.node, node.op, nodes[j].layer, node.us_median)
    return out
