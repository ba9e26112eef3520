"""The `openvino` and `openvino-bf16` paths: OpenVINO's CPU plugin on the same verified ONNX
export the onnxruntime path runs.

The inference precision is always set explicitly: OpenVINO's CPU plugin picks bf16 by itself
on CPUs with AMX / AVX512-BF16, which would make the "exact" path inexact on those machines.
Threads: INFERENCE_NUM_THREADS, one stream, the LATENCY hint (one request at a time, like every
other path). Per-layer times come from the request's profiling info (PERF_COUNT, what
`benchmark_app -pc` prints), node names mapped to the app's layer names like onnxruntime's.
"""

from __future__ import annotations

import statistics
from pathlib import Path

import numpy as np
import torch
from torch import Tensor, nn

from engine.runtime.network import Outputs, unflatten
from engine.runtime.node_times import NodeTime, module_layer


def compile_onnx(onnx_file: str | Path, threads: int, *, bf16: bool = False, perf_count: bool = False):
    """A CompiledModel of the ONNX file on the CPU, precision and threads set explicitly."""
    import openvino as ov

    core = ov.Core()
    config = {"INFERENCE_NUM_THREADS": int(threads), "INFERENCE_PRECISION_HINT": "bf16" if bf16 else "f32",
              "PERFORMANCE_HINT": "LATENCY", "NUM_STREAMS": 1, "PERF_COUNT": bool(perf_count)}
    return core.compile_model(core.read_model(str(onnx_file)), "CPU", config)


def version() -> str:
    import openvino as ov

    return ov.get_version()


class OvRunner:
    """One infer request behind the same call as the other paths: NCHW tensor or numpy in,
    torch tensors out, dicts rebuilt by output order."""

    takes_numpy = True

    def __init__(self, onnx_file: Path, keys: tuple[str, ...] | None, threads: int, *, bf16: bool = False):
        self.onnx_path = Path(onnx_file)
        self.keys = keys
        self.threads = threads
        self.bf16 = bf16
        self.compiled = compile_onnx(onnx_file, threads, bf16=bf16)
        self.request = self.compiled.create_infer_request()
        self._profiled = None  # the PERF_COUNT compile, made on the first node_times

    def __call__(self, x: Tensor | np.ndarray) -> Outputs:
        array = x.detach().numpy() if isinstance(x, Tensor) else x
        if array.dtype != np.float32 or not array.flags.c_contiguous:
            array = np.ascontiguousarray(array, dtype=np.float32)
        # shared: OpenVINO reads the input in place and hands back views of its outputs, which
        # the line below copies once (two copies cost 3 % of V3-Small's 1.3 ms in bf16, A/B)
        self.request.infer({0: array}, share_inputs=True, share_outputs=True)
        values = [torch.from_numpy(self.request.get_output_tensor(i).data.copy())
                  for i in range(len(self.compiled.outputs))]
        return unflatten(values, self.keys)

    def node_times(self, example: np.ndarray, runs: int, network: nn.Module | None = None) -> list[NodeTime]:
        """Per-node medians over `runs` from PERF_COUNT (fused nodes, NOT_RUN, are left out)."""
        if self._profiled is None:  # compiled once: the profiler asks for a few rounds
            self._profiled = compile_onnx(self.onnx_path, self.threads, bf16=self.bf16, perf_count=True)
        request = self._profiled.create_infer_request()
        array = np.ascontiguousarray(example, dtype=np.float32)
        request.infer({0: array})  # one-off allocations
        per_node: dict[str, list[float]] = {}
        ops: dict[str, str] = {}
        for _ in range(max(runs, 1)):
            request.infer({0: array})
            for info in request.profiling_info:
                if info.status.name == "EXECUTED":
                    per_node.setdefault(info.node_name, []).append(info.real_time.total_seconds() * 1e6)
                    ops[info.node_name] = info.node_type
        names = dict(network.named_modules()) if network is not None else {}
        producers = _output_producers(self.onnx_path)
        return [NodeTime(node, ops[node], module_layer(_served(producers.get(node, node)), names),
                         statistics.median(times))
                for node, times in per_node.items()]


def _served(node_name: str) -> str:
    """The exported node a node stands for. OpenVINO names a layout conversion it inserts after
    the edge it converts, e.g. 'input_abcd_acdb_/network/features/.../Conv/WithoutBiases' for
    the input's conversion to the first conv's layout: it counts to the node it feeds, as
    onnxruntime's reorders count to their conv (5 % of V3-Small was otherwise no layer's)."""
    start = node_name.rfind("/network/")
    return node_name[start:] if start > 0 else node_name


def _output_producers(onnx_file: Path) -> dict[str, str]:
    """Graph output name -> the ONNX node that computes it. OpenVINO names a node that produces a
    graph output after the output ('output' for the classifier's last Linear), so without this
    the last layer's time counted as unattributed (8 % of V3-Small's whole-model median)."""
    import onnx

    graph = onnx.load(str(onnx_file), load_external_data=False).graph
    outputs = {o.name for o in graph.output}
    return {name: node.name for node in graph.node for name in node.output if name in outputs and node.name}
