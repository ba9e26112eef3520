"""A runner's network on an inference path (engine.runtime): the same outputs as the eager
network (fp32 paths agree within 1e-4), usually much sooner. Runners keep preprocessing and
postprocessing in torch/OpenCV either way; only the network call changes."""

from __future__ import annotations

import torch
from torch import nn

from engine.runtime import prepare

TORCH_PATHS = ("reference", "fast", "bf16")  # run the module itself: any input shape

__all__ = ["network_on_path"]


def network_on_path(model: str, network: nn.Module, path: str, threads: int | None, size: int,
                    *, square_input: bool = True):
    """(the runtime's Prepared network, the path that ran). The ONNX export behind every runtime
    path has a fixed input shape (sizes inside the graph too: LR-ASPP's branches meet at traced
    sizes, so not even OpenVINO's reshape helps), so a runner whose input is not a fixed square
    (VOC segmenters keep the frame's aspect) gets the fast torch path instead, which is exact."""
    if path not in TORCH_PATHS and not square_input:
        path = "fast"
    prepared = prepare(model, module=network, path=path, threads=threads or torch.get_num_threads(),
                       resolution=size)
    return prepared, prepared.path
