"""Pure-torch paths: "reference" (eager, as built) and "fast" (batch-norm folded, channels_last,
inference mode; optionally bfloat16 autocast). Both run in `torch.inference_mode()` with the
thread count asked for."""

from __future__ import annotations

import torch
from torch import Tensor, nn

from engine.runtime.fold import fold_batchnorm
from engine.runtime.network import Outputs, flatten, output_keys, unflatten
from engine.threads import torch_threads


class TorchRunner:
    """`network` under inference mode, with the memory format and autocast of its path."""

    def __init__(self, network: nn.Module, *, threads: int, channels_last: bool = False, bf16: bool = False):
        self.threads = threads
        self.memory_format = torch.channels_last if channels_last else torch.contiguous_format
        self.bf16 = bf16
        self.network = network.to(memory_format=self.memory_format) if channels_last else network

    def __call__(self, x: Tensor) -> Outputs:
        x = x.contiguous(memory_format=self.memory_format)
        with torch_threads(self.threads), torch.inference_mode():
            if not self.bf16:
                return self.network(x)
            with torch.autocast("cpu", dtype=torch.bfloat16):
                out = self.network(x)
            return unflatten([t.float() for t in flatten(out)], output_keys(out))


def reference(network: nn.Module, threads: int) -> TorchRunner:
    return TorchRunner(network, threads=threads)


def fast(network: nn.Module, threads: int, *, bf16: bool = False) -> tuple[TorchRunner, int]:
    """(runner, batch-norms folded). The network is copied: the reference stays as built."""
    folded, count = fold_batchnorm(network)
    return TorchRunner(folded, threads=threads, channels_last=True, bf16=bf16), count
