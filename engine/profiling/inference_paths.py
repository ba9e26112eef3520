"""Inference paths the profiler can time: the ONE place where a new path plugs in.

A path turns the eager model (already on its device and memory format) into what is timed:
"reference" times the model as built. engine/runtime (fast torch with BN folding, int8, ONNX
Runtime...) adds its paths here with `PATHS.add(name, prepare)`, e.g. from an import at the end
of this file. Per-layer timing hooks the leaf nn.Modules of what `prepare` returns, so a path
that returns a module without leaves (an ONNX session wrapper) gets whole-model timing only.
"""

from __future__ import annotations

from collections.abc import Callable

import torch
from torch import nn

from engine.registry import Registry

Prepare = Callable[[nn.Module, torch.Tensor], nn.Module]

PATHS: Registry[Prepare] = Registry("inference path")


@PATHS.register("reference")
def _reference(model: nn.Module, example: torch.Tensor) -> nn.Module:
    """The eager model exactly as built: what the layer table and MAdds describe."""
    return model


def prepare(path: str, model: nn.Module, example: torch.Tensor) -> nn.Module:
    """The module to time for `path` (UnknownName lists the valid paths)."""
    return PATHS.get(path)(model, example)


def path_names() -> list[str]:
    return PATHS.names()
