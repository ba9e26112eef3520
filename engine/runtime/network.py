"""The part of a model that an inference path accelerates (its "network"), and its outputs as
a flat tuple (what ONNX and FX need) and back.

- classifiers: the whole model, N×3×H×W normalised input -> logits;
- segmenters: the whole model, input -> {"out"[, "aux"]} (the upsampling to input size is in
  the graph, so every path returns masks at input size);
- detectors: backbone + head only, the prepared batch (the detector's `transform` output at the
  network resolution, already normalised) -> {"bbox_regression", "cls_logits"}. Resizing,
  anchors, box decoding and NMS stay eager: they are data-dependent and cheap, and their
  output is what `Prepared.detect` returns.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import Tensor, nn

from engine.models import catalog

Outputs = Tensor | dict[str, Tensor]


class DetectorNetwork(nn.Module):
    """backbone + head of an SSDLite: the raw head outputs, before anchors and postprocess."""

    def __init__(self, detector: nn.Module):
        super().__init__()
        self.backbone = detector.backbone
        self.head = detector.head

    def forward(self, x: Tensor) -> dict[str, Tensor]:
        features = list(self.backbone(x).values())
        return self.head(features)


def network_of(name: str, model: nn.Module) -> nn.Module:
    """The module a path runs for `model` (registered under `name`)."""
    if catalog.model_info(name).task == "detection":
        return DetectorNetwork(model).eval()
    return model


def output_keys(outputs: Outputs) -> tuple[str, ...] | None:
    """The dict keys in order, or None for a plain tensor."""
    return tuple(outputs) if isinstance(outputs, dict) else None


def flatten(outputs: Outputs) -> tuple[Tensor, ...]:
    return tuple(outputs.values()) if isinstance(outputs, dict) else (outputs,)


def unflatten(values: Sequence[Tensor], keys: tuple[str, ...] | None) -> Outputs:
    return dict(zip(keys, values)) if keys is not None else values[0]


class Flat(nn.Module):
    """`network` with a tuple output (FX quantisation and ONNX export want tensors, not dicts)."""

    def __init__(self, network: nn.Module):
        super().__init__()
        self.network = network

    def forward(self, x: Tensor) -> tuple[Tensor, ...]:
        return flatten(self.network(x))


def max_relative_error(got: Outputs, want: Outputs) -> float:
    """Largest |got - want| over the largest |want|, per output, worst output: a relative error
    that does not blow up on outputs that cross zero."""
    worst = 0.0
    for g, w in zip(flatten(got), flatten(want)):
        scale = w.abs().max().item() or 1.0
        worst = max(worst, (g.float() - w.float()).abs().max().item() / scale)
    return worst


def as_tensor(x) -> Tensor:
    """NCHW float32 tensor from a tensor or numpy array."""
    tensor = torch.as_tensor(x)
    if tensor.dim() != 4 or tensor.shape[1] != 3:
        from engine.errors import InvalidInput

        raise InvalidInput(f"expected an N×3×H×W input, got shape {tuple(tensor.shape)}")
    return tensor.float()
