"""Per-layer analysis: one row per leaf module in execution order, with shapes, MAdds,
parameters and activation bytes, plus a roll-up per block.

MAdds come from torch's own FlopCounterMode (it counts 2 FLOPs per multiply-add, so we halve
it); it counts convolutions and matrix products only, which is exactly the papers' convention.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn
from torch.utils.flop_counter import FlopCounterMode

from engine.models.blocks import Add, SqueezeExcitation

# Leaves that do nothing at inference time; they would only clutter the table.
_SKIP = (nn.Dropout, nn.Identity, nn.Flatten)
_ACTIVATIONS = (nn.ReLU, nn.ReLU6, nn.Hardswish, nn.Hardsigmoid, nn.Sigmoid, nn.SiLU, nn.Tanh)
_POOLS = (nn.AdaptiveAvgPool2d, nn.AvgPool2d, nn.MaxPool2d, nn.AdaptiveMaxPool2d)
FP32_BYTES = 4

KINDS = (
    "conv", "depthwise", "pointwise", "squeeze-excite", "fully connected",
    "batch-norm", "activation", "add", "pool", "other",
)


@dataclass(frozen=True)
class LayerRow:
    name: str
    kind: str
    block: str
    input_shape: tuple[int, ...]
    output_shape: tuple[int, ...]
    madds: int
    params: int
    activation_bytes: int  # the output tensor, fp32

    def to_json(self) -> dict:
        return {
            "name": self.name, "kind": self.kind, "block": self.block,
            "input_shape": list(self.input_shape), "output_shape": list(self.output_shape),
            "madds": self.madds, "params": self.params, "activation_bytes": self.activation_bytes,
        }


@dataclass(frozen=True)
class BlockRow:
    name: str
    title: str
    madds: int
    params: int
    activation_bytes: int
    output_shape: tuple[int, ...]

    def to_json(self) -> dict:
        return {
            "name": self.name, "title": self.title, "madds": self.madds, "params": self.params,
            "activation_bytes": self.activation_bytes, "output_shape": list(self.output_shape),
        }


def layer_kind(module: nn.Module, parent: nn.Module | None) -> str:
    if isinstance(parent, SqueezeExcitation):
        return "squeeze-excite"
    if isinstance(module, nn.Conv2d):
        if module.groups > 1 and module.groups == module.in_channels:
            return "depthwise"
        return "pointwise" if module.kernel_size == (1, 1) else "conv"
    if isinstance(module, nn.Linear):
        return "fully connected"
    if isinstance(module, (nn.BatchNorm2d, nn.GroupNorm)):
        return "batch-norm"
    if isinstance(module, _ACTIVATIONS):
        return "activation"
    if isinstance(module, Add):
        return "add"
    if isinstance(module, _POOLS):
        return "pool"
    return "other"


def block_of(name: str) -> str:
    """The block a layer belongs to: `features.N` inside a feature extractor, else the top-level
    child (`classifier`, `avgpool`, a head)."""
    parts = name.split(".")
    if len(parts) >= 2 and parts[0] in ("features", "backbone") and parts[1].isdigit():
        return ".".join(parts[:2])
    return parts[0]


def block_title(model: nn.Module, block: str, index: int, first_block: str) -> str:
    """A readable name for the roll-up chart: stem, bneck 3, dw-sep 5, conv 1x1, pool, ..."""
    module = model.get_submodule(block)
    cls = type(module).__name__
    if block == first_block:
        return "stem"
    if "InvertedResidual" in cls:
        return f"bneck {index}"
    if cls == "DepthwiseSeparable":
        return f"dw-sep {index}"
    if cls == "ConvBNAct":
        return "conv 1x1" if module[0].kernel_size == (1, 1) else "conv"
    return block.split(".")[-1]


def _shape(value) -> tuple[int, ...]:
    if isinstance(value, torch.Tensor):
        return tuple(value.shape)
    if isinstance(value, (tuple, list)) and value and isinstance(value[0], torch.Tensor):
        return tuple(value[0].shape)
    return ()


@torch.no_grad()
def analyze_layers(model: nn.Module, example: torch.Tensor) -> list[LayerRow]:
    """Run `example` once through `model` and describe every leaf layer it executed."""
    names = {module: name for name, module in model.named_modules()}
    parents = {
        child: parent for parent in model.modules() for child in parent.children()
    }
    calls: list[tuple[nn.Module, tuple, tuple, int]] = []
    counters: list[FlopCounterMode] = []

    # One FlopCounterMode per leaf call, and only its total is used: the counter's dispatch
    # mode is thread-local, but its module attribution rides on global module hooks, so a
    # forward pass in another thread (a GUI page classifying) would move FLOPs between layers.
    def enter(mod, inp):
        counter = FlopCounterMode(display=False)
        counter.__enter__()
        counters.append(counter)

    def leave(mod, inp, out):
        counter = counters.pop()
        counter.__exit__(None, None, None)
        calls.append((mod, _shape(inp), _shape(out), counter.get_total_flops()))

    handles = []
    for module in model.modules():
        if next(module.children(), None) is None and not isinstance(module, _SKIP):
            handles.append(module.register_forward_pre_hook(enter))
            handles.append(module.register_forward_hook(leave))
    try:
        model(example)
    finally:
        for handle in handles:
            handle.remove()
        while counters:  # a layer raised: leave no mode on this thread's stack
            counters.pop().__exit__(None, None, None)

    rows = []
    for module, in_shape, out_shape, own_flops in calls:
        name = names[module]
        params = sum(p.numel() for p in module.parameters(recurse=False))
        numel = 1
        for dim in out_shape:
            numel *= dim
        rows.append(
            LayerRow(
                name=name, kind=layer_kind(module, parents.get(module)), block=block_of(name),
                input_shape=in_shape, output_shape=out_shape, madds=own_flops // 2,
                params=params, activation_bytes=numel * FP32_BYTES,
            )
        )
    return rows


def roll_up(model: nn.Module, rows: list[LayerRow]) -> list[BlockRow]:
    """Sum rows per block, in execution order."""
    order: list[str] = []
    for row in rows:
        if row.block not in order:
            order.append(row.block)
    blocks = []
    for index, block in enumerate(order):
        members = [r for r in rows if r.block == block]
        blocks.append(
            BlockRow(
                name=block, title=block_title(model, block, index, order[0]),
                madds=sum(r.madds for r in members), params=sum(r.params for r in members),
                activation_bytes=sum(r.activation_bytes for r in members),
                output_shape=members[-1].output_shape,
            )
        )
    return blocks
