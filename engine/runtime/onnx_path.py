"""ONNX export and the onnxruntime path.

Export uses torch's TorchScript-based exporter (`dynamo=False`): it needs only the `onnx`
package, folds batch-norm into the convolutions, and writes h-swish / h-sigmoid as ONNX's
HardSwish / HardSigmoid ops. (The torch.export-based exporter, torch's default since 2.9, also
needs `onnxscript`.) Files are written atomically and cached per configuration and weights, each verified by its
hash before it is loaded (engine.runtime.exports).

Sessions open as engine.runtime.ort_session says (spinning off); per-node times come from
engine.runtime.node_times.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import torch
from torch import Tensor, nn

from engine.files import atomic_path
from engine.runtime import exports
from engine.runtime.network import Flat, Outputs, output_keys, unflatten
from engine.runtime.node_times import NodeTime, profile_nodes
from engine.runtime.ort_session import open_session

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


def op_counts(onnx_file: str | Path) -> dict[str, int]:
    """How many nodes of each ONNX op type the file holds (to check h-swish/SE exported cleanly)."""
    import collections

    import onnx

    model = onnx.load(str(onnx_file))
    return dict(collections.Counter(node.op_type for node in model.graph.node))
