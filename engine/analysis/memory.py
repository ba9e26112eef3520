"""Peak activation memory, two ways.

- `eager_peak_bytes`: measured. Every tensor an operator creates during one eager forward pass is
  tracked until Python frees it; the peak is the largest total alive at once (input included,
  weights excluded). This is what plain PyTorch needs at batch 1.
- `table3_peak`: MobileNetV2 paper, section 6 / Table 3: 16-bit activations, and only the tensors
  that must be materialised count. Inside an inverted-residual block the expansion is streamed
  (computed in slices, never whole), so only block inputs and outputs are materialised; the
  stem's output is streamed into the first bottleneck too (the paper's first-layer trick).
  MobileNetV1's separable units stream nothing: each conv output is materialised. The figure
  is the largest single materialised tensor, as in the table's "max" row.
"""

from __future__ import annotations

import weakref
from dataclasses import dataclass

import torch
from torch import nn
from torch.utils._python_dispatch import TorchDispatchMode
from torch.utils._pytree import tree_flatten

from engine.analysis.layers import LayerRow

TABLE3_BYTES = 2  # the paper assumes 16-bit activations


class _LiveTensors(TorchDispatchMode):
    """Counts bytes of op outputs that are still referenced; keeps the running maximum."""

    def __init__(self, baseline: int, not_activations: set[int]):
        super().__init__()
        self.refs: dict[int, list[int]] = {}  # storage pointer -> [live tensors, bytes]
        self.live = self.peak = baseline
        # storages that are no op's activation: the input (in the baseline already) and the
        # parameters and buffers, whose views (`t()` of a classifier weight) ops also return
        self.skip = not_activations

    def _release(self, key: int) -> None:
        entry = self.refs.get(key)
        if entry is None:
            return
        entry[0] -= 1
        if entry[0] == 0:
            self.live -= entry[1]
            del self.refs[key]

    def __torch_dispatch__(self, func, types, args=(), kwargs=None):
        out = func(*args, **(kwargs or {}))
        for tensor in tree_flatten(out)[0]:
            if not isinstance(tensor, torch.Tensor):
                continue
            storage = tensor.untyped_storage()
            key = storage.data_ptr()
            if key in self.skip:
                continue
            if key not in self.refs:
                self.refs[key] = [0, storage.nbytes()]
                self.live += storage.nbytes()
            self.refs[key][0] += 1
            weakref.finalize(tensor, self._release, key)
        self.peak = max(self.peak, self.live)
        return out


@torch.no_grad()
def eager_peak_bytes(model: nn.Module, example: torch.Tensor) -> int:
    """Activations only: the input plus every op output alive at once; parameters, buffers
    and views of them are never counted."""
    skip = {t.untyped_storage().data_ptr() for t in (*model.parameters(), *model.buffers())}
    skip.add(example.untyped_storage().data_ptr())
    tracker = _LiveTensors(baseline=example.untyped_storage().nbytes(), not_activations=skip)
    with tracker:
        out = model(example)
    del out
    return tracker.peak


@dataclass(frozen=True)
class Table3Memory:
    elements: int  # largest materialised tensor, in values
    bytes: int  # the same at 16 bits per value
    per_resolution: tuple[tuple[int, int, int, int], ...]  # (height, width, max channels, bytes)

    def to_json(self) -> dict:
        return {
            "elements": self.elements,
            "bytes_16bit": self.bytes,
            "per_resolution": [
                {"height": h, "width": w, "max_channels": c, "bytes_16bit": b}
                for h, w, c, b in self.per_resolution
            ],
            "convention": "MobileNetV2 Table 3: largest single materialised activation tensor, "
            "16-bit values; inverted-residual expansions and the stem output are streamed",
        }


def _numel(shape: tuple[int, ...]) -> int:
    n = 1
    for d in shape:
        n *= d
    return n


def table3_peak(model: nn.Module, rows: list[LayerRow], input_shape: tuple[int, ...]) -> Table3Memory:
    blocks: list[str] = []
    for row in rows:
        if row.block not in blocks:
            blocks.append(row.block)
    streams = {b: getattr(model.get_submodule(b), "streams_internals", False) for b in blocks}

    materialised: list[tuple[int, ...]] = [input_shape]
    for i, block in enumerate(blocks):
        members = [r for r in rows if r.block == block]
        next_streams = i + 1 < len(blocks) and streams[blocks[i + 1]]
        if streams[block]:
            materialised.append(members[-1].output_shape)
        elif i == 0 and next_streams:
            continue  # the first-layer trick: the stem output is streamed into the bottleneck
        else:
            materialised += [r.output_shape for r in members if r.kind not in ("batch-norm", "activation")]

    by_size: dict[tuple[int, int], int] = {}
    for shape in materialised:
        if len(shape) == 4:
            by_size[shape[2:]] = max(by_size.get(shape[2:], 0), shape[1])
    per_res = tuple(
        (h, w, ch, h * w * ch * TABLE3_BYTES) for (h, w), ch in sorted(by_size.items(), reverse=True)
    )
    elements = max(_numel(s[1:]) for s in materialised)
    return Table3Memory(elements=elements, bytes=elements * TABLE3_BYTES, per_resolution=per_res)
