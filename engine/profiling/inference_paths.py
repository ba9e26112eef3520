"""Inference paths the profiler can time: the ONE place where a new path plugs in.

A path turns the eager model (already on its device and memory format) into what is timed:
"reference" times the model as built; every other path of engine.runtime's one list
(engine.runtime.available) is registered here from that list. Per-layer timing hooks the leaf nn.Modules of what `prepare` returns, so a path
that returns a module without leaves (an ONNX session wrapper) gets whole-model timing only.
"""

from __future__ import annotations

from collections.abc import Callable

import torch
from torch import nn

from engine.registry import Registry
from engine.runtime import PATHS as RUNTIME_PATHS, check_path, prepare as runtime_prepare

Prepare = Callable[..., nn.Module]  # (model, example, name, threads, *, keep_export)

PATHS: Registry[Prepare] = Registry("inference path")


@PATHS.register("reference")
def _reference(model: nn.Module, example: torch.Tensor, name: str, threads: int, *, keep_export: bool = True) -> nn.Module:
    """The eager model exactly as built: what the layer table and MAdds describe."""
    return model


class PreparedModule(nn.Module):
    """An engine.runtime path as a module the profiler can time. Torch paths keep their
    (BN-folded or quantised) network as a child, so per-layer hooks still find its leaves;
    the onnxruntime session has none, so that path gets whole-model timing only. Detectors
    run their whole forward (transform, network on the path, decoding and NMS), as the
    reference path does."""

    def __init__(self, prepared) -> None:
        super().__init__()
        self.prepared = prepared
        network = getattr(prepared.run, "network", None)
        self.network = network if isinstance(network, nn.Module) else None

    def forward(self, x: torch.Tensor):
        if self.prepared.detector is not None:
            return self.prepared.detect(list(x))
        return self.prepared(x)


def _runtime(path: str) -> Prepare:
    def prepare_path(model: nn.Module, example: torch.Tensor, name: str, threads: int, *,
                     keep_export: bool = True) -> nn.Module:
        prepared = runtime_prepare(name, module=model, path=path, threads=threads, keep_export=keep_export,
                                   resolution=int(example.shape[-1]), batch=int(example.shape[0]))
        return PreparedModule(prepared)

    prepare_path.__doc__ = f"engine.runtime's {path!r} path"
    return prepare_path


for _path in RUNTIME_PATHS:  # engine.runtime's one list of paths
    if _path != "reference":
        PATHS.add(_path, _runtime(_path))


def prepare(path: str, model: nn.Module, example: torch.Tensor, name: str = "", threads: int = 1, *,
            keep_export: bool = True) -> nn.Module:
    """The module to time for `path` (UnknownName lists every path; a path that cannot run here
    says why and which can)."""
    check_path(path, name or None)
    return PATHS.get(path)(model, example, name, threads, keep_export=keep_export)


def path_names() -> list[str]:
    return PATHS.names()
