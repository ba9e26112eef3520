"""ONNX export and the onnxruntime path.

Export uses torch's TorchScript-based exporter (`dynamo=False`): it needs only the `onnx`
package, folds batch-norm into the convolutions, and writes h-swish / h-sigmoid as ONNX's
HardSwish / HardSigmoid ops. (The torch.export-based exporter, torch's default since 2.9, also
needs `onnxscript`.) Files are written atomically and cached per configuration and weights, each verified by its
hash before it is loaded (engine.runtime.exports).

The session runs with `intra_op_num_threads` = the threads asked for and spinning OFF
(`session.intra_op.allow_spinning` = 0): with spinning on, idle pool threads busy-wait between
ops and steal the CPU from the UI, the capture thread or a second model running side by side.
"""

from __future__ import annotations

import json
import tempfile
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from torch import Tensor, nn

from engine.files import atomic_path
from engine.runtime import exports
from engine.runtime.network import Flat, Outputs, output_keys, unflatten

DEFAULT_OPSET = 17
INPUT_NAME = "input"


def _output_names(keys: tuple[str, ...] | None) -> list[str]:
    return list(keys) if keys is not None else ["output"]


class _FixedPadConv(nn.Conv2d):
    """A TF-SAME conv with its padding frozen for one input size. The exporter would otherwise
    record SAME's `-(-size // stride)` as ONNX integer division, which truncates where Python
    floors, and pad odd sizes wrongly (the person detector's 5->3 and 3->2 levels)."""

    def __init__(self, conv: nn.Conv2d, pads: tuple[int, int, int, int]):
        super().__init__(conv.in_channels, conv.out_channels, conv.kernel_size, conv.stride, 0,
                         conv.dilation, conv.groups, conv.bias is not None)
        self.load_state_dict(conv.state_dict())
        self.pads = pads

    def forward(self, x: Tensor) -> Tensor:
        return self._conv_forward(nn.functional.pad(x, self.pads), self.weight, self.bias)


def freeze_same_padding(network: nn.Module, example: Tensor) -> nn.Module:
    """A copy of `network` whose input-size-dependent (TF SAME) convs pad by constants for
    `example`'s size; the same module itself when it has none."""
    from engine.models.detection.person import Conv2dSame, same_pads

    if not any(isinstance(m, Conv2dSame) for m in network.modules()):
        return network
    import copy

    frozen = copy.deepcopy(network)
    sizes: dict[str, tuple[int, int]] = {}
    handles = [m.register_forward_pre_hook(lambda _m, args, name=name: sizes.__setitem__(name, tuple(args[0].shape[-2:])))
               for name, m in frozen.named_modules() if isinstance(m, Conv2dSame)]
    with torch.no_grad():
        frozen(example)
    for handle in handles:
        handle.remove()
    for name, size in sizes.items():
        conv = frozen.get_submodule(name)
        (top, bottom), (left, right) = (same_pads(n, k, s, d) for n, k, s, d in
                                        zip(size, conv.kernel_size, conv.stride, conv.dilation))
        parent_name, _, child = name.rpartition(".")
        setattr(frozen.get_submodule(parent_name), child, _FixedPadConv(conv, (left, right, top, bottom)))
    return frozen


def export_onnx(network: nn.Module, example: Tensor, path: str | Path, *, opset: int = DEFAULT_OPSET) -> Path:
    """Write `network` traced at `example`'s shape to `path` (atomically). Returns the path."""
    path = Path(path)
    network = freeze_same_padding(network, example)
    with torch.inference_mode(False), torch.no_grad():
        keys = output_keys(network(example))
    with exports.EXPORT_LOCK, atomic_path(path, make_parents=True) as tmp, warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the exporter's deprecation notice: we chose it on purpose
        torch.onnx.export(
            Flat(network).eval(), (example,), str(tmp), dynamo=False, opset_version=opset,
            input_names=[INPUT_NAME], output_names=_output_names(keys), do_constant_folding=True,
        )
    return path


def cached_onnx(name: str, network: nn.Module, example: Tensor, *, opset: int = DEFAULT_OPSET,
                keep: bool = True) -> Path:
    """The exported file for this network and input shape, verified by its hash before use and
    exported again when it fails (engine.runtime.exports). keep=False (random weights): a
    file for this process only."""
    tag = "x".join(str(d) for d in example.shape)
    key = exports.fingerprint(network, tuple(example.shape), opset)
    return exports.cached_export("onnx", f"{name}-{tag}-opset{opset}-{key}.onnx",
                                 lambda target: export_onnx(network, example, target, opset=opset), keep=keep)


def session_options(threads: int, *, spinning: bool = False, profile_prefix: str | None = None):
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    options.log_severity_level = 3  # errors only: a QDQ model's fused Clip bounds print one notice per node
    options.add_session_config_entry("session.intra_op.allow_spinning", "1" if spinning else "0")
    options.add_session_config_entry("session.inter_op.allow_spinning", "1" if spinning else "0")
    if profile_prefix is not None:
        options.enable_profiling = True
        options.profile_file_prefix = profile_prefix
    return options


def open_session(path: str | Path, threads: int, *, spinning: bool = False, profile_prefix: str | None = None):
    import onnxruntime as ort

    return ort.InferenceSession(str(path), session_options(threads, spinning=spinning, profile_prefix=profile_prefix),
                                providers=["CPUExecutionProvider"])


class OrtRunner:
    """An InferenceSession behind the same call as the torch paths: NCHW tensor (or numpy) in,
    torch tensors out (zero-copy views of onnxruntime's arrays), dicts rebuilt by output name."""

    takes_numpy = True  # Prepared hands numpy input through unconverted

    def __init__(self, onnx_path: Path, keys: tuple[str, ...] | None, threads: int, *, spinning: bool = False):
        self.onnx_path = Path(onnx_path)
        self.keys = keys
        self.threads = threads
        self.spinning = spinning
        self.session = open_session(onnx_path, threads, spinning=spinning)
        self.batch = self.session.get_inputs()[0].shape[0]
        self.output_names = _output_names(keys)

    def __call__(self, x: Tensor | np.ndarray) -> Outputs:
        array = x.detach().numpy() if isinstance(x, Tensor) else x
        if array.dtype != np.float32 or not array.flags.c_contiguous:
            array = np.ascontiguousarray(array, dtype=np.float32)
        if array.shape[0] != self.batch and self.batch == 1:  # a batch-1 export fed a batch: one at a time
            runs = [self.session.run(self.output_names, {INPUT_NAME: array[i:i + 1]}) for i in range(array.shape[0])]
            values = [np.concatenate(parts) for parts in zip(*runs)]
        else:
            values = self.session.run(self.output_names, {INPUT_NAME: array})
        return unflatten([torch.from_numpy(v) for v in values], self.keys)

    def node_times(self, example: np.ndarray, runs: int, network: nn.Module | None = None) -> list[NodeTime]:
        """Per-node medians from onnxruntime's profiler on this runner's file and threads."""
        return profile_nodes(self.onnx_path, example, threads=self.threads, runs=runs, network=network)


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
    is named after its conv layer rather than the activation it absorbed."""
    import statistics

    onnx_file = Path(onnx_file)
    with tempfile.TemporaryDirectory() as tmp:
        session = open_session(onnx_file, threads, profile_prefix=str(Path(tmp) / "ort"))
        array = np.ascontiguousarray(np.asarray(example, dtype=np.float32))
        for _ in range(runs):
            session.run(None, {session.get_inputs()[0].name: array})
        trace = Path(session.end_profiling())
        events = json.loads(trace.read_text(encoding="utf-8"))
    per_node: dict[str, list[float]] = {}
    ops: dict[str, str] = {}
    for event in events:
        if event.get("cat") == "Node" and event.get("name", "").endswith("_kernel_time"):
            node = event["name"].removesuffix("_kernel_time")
            per_node.setdefault(node, []).append(float(event["dur"]))
            ops[node] = event.get("args", {}).get("op_name", "")
    owner = _conv_owner(network) if network is not None else {}
    result = []
    for node, times in per_node.items():
        layer = layer_of(node)
        if ops[node] in ("Conv", "FusedConv") and layer in owner:
            layer = owner[layer]
        # the first run includes one-off allocations: drop it when there are enough runs
        result.append(NodeTime(node, ops[node], layer, statistics.median(times[1:] if len(times) > 2 else times)))
    return _reorders_to_their_convs(result)


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


def op_counts(onnx_file: str | Path) -> dict[str, int]:
    """How many nodes of each ONNX op type the file holds (to check h-swish/SE exported cleanly)."""
    import collections

    import onnx

    model = onnx.load(str(onnx_file))
    return dict(collections.Counter(node.op_type for node in model.graph.node))
