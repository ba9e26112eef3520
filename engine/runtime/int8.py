"""int8 post-training static quantisation of the classifiers (the MobileNetV3 paper's Table 4
compares float and 8-bit), calibrated on a few images.

torch 2.13 still ships FX graph-mode quantisation (`torch.ao.quantization.quantize_fx`) but marks
`torch.ao.quantization` deprecated in favour of torchao's pt2e flow (`torch.export` +
X86InductorQuantizer, which needs torchao and torch.compile). FX mode needs neither and its x86
(fbgemm + oneDNN) kernels run every MobileNet layer in int8, h-swish and the SE's h-sigmoid
included; `fallbacks` lists any op that runs in float between a dequantize and a quantize.
"""

from __future__ import annotations

import copy
import warnings
from collections.abc import Sequence
from dataclasses import dataclass

import torch
from torch import Tensor, nn

BACKEND = "x86"


@dataclass(frozen=True)
class Int8Report:
    backend: str
    calibration_images: int
    quantized_layers: int  # modules with int8 kernels
    fallbacks: tuple[str, ...]  # graph nodes fed by a dequantize (float islands), output excluded


def _fallbacks(graph_module: torch.fx.GraphModule) -> tuple[str, ...]:
    floats = []
    for node in graph_module.graph.nodes:
        if node.op == "call_method" and node.target == "dequantize":
            floats += [user.name for user in node.users if user.op != "output"]
    return tuple(floats)


def quantize(network: nn.Module, calibration: Sequence[Tensor] | Tensor) -> tuple[nn.Module, Int8Report]:
    """An int8 copy of a classifier (the float network is left as it was)."""
    from torch.ao.quantization import get_default_qconfig_mapping
    from torch.ao.quantization.quantize_fx import convert_fx, prepare_fx

    batches = [calibration] if isinstance(calibration, Tensor) else list(calibration)
    torch.backends.quantized.engine = BACKEND
    with warnings.catch_warnings():  # the deprecation notice, once per call, says nothing new
        warnings.simplefilter("ignore")
        observed = prepare_fx(copy.deepcopy(network).eval(), get_default_qconfig_mapping(BACKEND), (batches[0][:1],))
        with torch.inference_mode():
            for batch in batches:
                observed(batch)
        quantized = convert_fx(observed)
    layers = sum(1 for m in quantized.modules()  # int8 compute modules carry an output scale
                 if type(m).__module__.startswith("torch.ao.nn.") and hasattr(m, "scale"))
    return quantized, Int8Report(BACKEND, sum(len(b) for b in batches), layers, _fallbacks(quantized))


def synthetic_calibration(resolution: int, count: int = 8, seed: int = 0) -> Tensor:
    """Smooth random images, mean/std-normalised scale: a stand-in when no real images are given
    (fine for latency; real images give better ranges and agreement)."""
    generator = torch.Generator().manual_seed(seed)
    coarse = torch.randn(count, 3, 8, 8, generator=generator)
    return nn.functional.interpolate(coarse, size=(resolution, resolution), mode="bilinear", align_corners=False)
