"""Non-linearities: each as a naive composition of elementwise ops (one temporary per op, as a
framework without a fused kernel would run it) and as torch's fused op, timed on the shapes where
the selected network applies a non-linearity. Reproduces the point of MobileNetV3 Table 5 /
Figure 8: optimised h-swish costs about as much as ReLU, naive h-swish and swish cost more, and
most of that cost sits in the early high-resolution layers (hence h-swish only in the second half).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn

from engine.analysis.stats import model_stats
from engine.kernels.timing import Progress, ShouldStop, check_stop, interleaved_medians, report
from engine.models.catalog import build_model
from engine.threads import torch_threads

Fn = Callable[[torch.Tensor], torch.Tensor]

NAIVE: dict[str, Fn] = {
    "relu": lambda x: x * (x > 0),
    "relu6": lambda x: torch.minimum(torch.maximum(x, torch.zeros_like(x)), torch.full_like(x, 6.0)),
    "sigmoid": lambda x: 1.0 / (1.0 + torch.exp(-x)),
    "swish": lambda x: x * (1.0 / (1.0 + torch.exp(-x))),
    "hard-sigmoid": lambda x: torch.clamp(x + 3.0, 0.0, 6.0) / 6.0,
    "hard-swish": lambda x: x * (torch.clamp(x + 3.0, 0.0, 6.0) / 6.0),
}
FUSED: dict[str, Fn] = {
    "relu": F.relu, "relu6": F.relu6, "sigmoid": torch.sigmoid, "swish": F.silu,
    "hard-sigmoid": F.hardsigmoid, "hard-swish": F.hardswish,
}
NAMES = tuple(FUSED)
_MODULE_NAMES = {nn.ReLU: "relu", nn.ReLU6: "relu6", nn.Sigmoid: "sigmoid", nn.SiLU: "swish",
                 nn.Hardsigmoid: "hard-sigmoid", nn.Hardswish: "hard-swish"}


@dataclass(frozen=True)
class Site:
    """One place where the network applies a non-linearity (SE gates excluded)."""

    name: str
    shape: tuple[int, ...]
    used: str  # the non-linearity the model applies here
    channels_out: int  # output channels of the block this site belongs to (for 'h-swish@N')
    block: str


@dataclass(frozen=True)
class SiteTiming:
    site: Site
    seconds: dict  # (name, 'naive'|'fused') as "name/kind" -> median seconds

    def to_json(self) -> dict:
        return {"name": self.site.name, "shape": list(self.site.shape), "used": self.site.used,
                "block": self.site.block, "seconds": self.seconds}


@dataclass(frozen=True)
class ActivationResult:
    model: str
    width: float
    resolution: int
    threads: int
    repeats: int
    sites: tuple[SiteTiming, ...]
    max_abs_diff: dict  # name -> max |naive - fused| on a test tensor

    def total(self, name: str, kind: str, sites: tuple[SiteTiming, ...] | None = None) -> float:
        return sum(t.seconds[f"{name}/{kind}"] for t in (self.sites if sites is None else sites))

    def by_resolution(self) -> dict[int, dict[str, float]]:
        """Seconds per spatial size (112, 56, ...) for each non-linearity and kind."""
        out: dict[int, dict[str, float]] = {}
        for t in self.sites:
            bucket = out.setdefault(t.site.shape[-1], {k: 0.0 for k in t.seconds})
            for k, v in t.seconds.items():
                bucket[k] += v
        return dict(sorted(out.items(), reverse=True))

    def policy(self, first_hswish: int | None, kind: str) -> float:
        """Total seconds with ReLU up to, and h-swish from, the first block whose output has
        `first_hswish` channels (MobileNetV3 Table 5's 'h-swish@N'); None = as the model is built."""
        start = len(self.sites)
        if first_hswish is not None:
            start = next((i for i, t in enumerate(self.sites) if t.site.channels_out == first_hswish), start)
        total = 0.0
        for i, t in enumerate(self.sites):
            if first_hswish is None:
                name = t.site.used
            else:
                name = "hard-swish" if i >= start else "relu"
            total += t.seconds[f"{name}/{'fused' if name == 'relu' else kind}"]
        return total

    def to_json(self) -> dict:
        return {
            "model": self.model, "width": self.width, "resolution": self.resolution,
            "threads": self.threads, "repeats": self.repeats,
            "conventions": "median seconds per call at batch 1, fp32, out-of-place; 'naive' = "
            "composition of elementwise torch ops, 'fused' = torch's single op; policies use fused ReLU",
            "max_abs_diff_naive_vs_fused": self.max_abs_diff,
            "totals": {f"{n}/{k}": self.total(n, k) for n in NAMES for k in ("naive", "fused")},
            "by_resolution": {str(k): v for k, v in self.by_resolution().items()},
            "sites": [t.to_json() for t in self.sites],
        }


def agreement(numel: int = 1 << 16, seed: int = 0) -> dict[str, float]:
    """max |naive - fused| per non-linearity on values spread over [-12, 12] plus the kinks."""
    x = torch.cat([torch.linspace(-12.0, 12.0, numel),
                   torch.tensor([-3.0, 0.0, 3.0, 6.0, -6.0, 1e-7, -1e-7])])
    x = x[torch.randperm(len(x), generator=torch.Generator().manual_seed(seed))]
    return {n: float((NAIVE[n](x) - FUSED[n](x)).abs().max()) for n in NAMES}


def activation_sites(model: str, *, width: float = 1.0, resolution: int = 224) -> list[Site]:
    stats = model_stats(model, width=width, resolution=resolution)
    net = build_model(model, width=width)
    block_out = {b.name: b.output_shape[1] if len(b.output_shape) > 1 else 0 for b in stats.blocks}
    sites = []
    for row in stats.layers:
        if row.kind != "activation" or len(row.output_shape) != 4:
            continue
        used = _MODULE_NAMES.get(type(net.get_submodule(row.name)), "relu")
        sites.append(Site(row.name, tuple(row.output_shape), used, block_out.get(row.block, 0), row.block))
    return sites


def run_activations(model: str, *, width: float = 1.0, resolution: int = 224, threads: int | None = 1,
                    repeats: int = 5, names: tuple[str, ...] = NAMES, progress: Progress | None = None,
                    should_stop: ShouldStop | None = None) -> ActivationResult:
    sites = activation_sites(model, width=width, resolution=resolution)
    shapes = sorted({s.shape for s in sites}, reverse=True)
    per_shape: dict[tuple, dict[str, float]] = {}
    with torch_threads(threads) as used, torch.inference_mode():
        for done, shape in enumerate(shapes):
            check_stop(should_stop)
            report(progress, done, len(shapes))
            x = torch.randn(shape) * 4
            fns = {f"{n}/{kind}": (lambda f=table[n]: f(x))
                   for n in names for kind, table in (("naive", NAIVE), ("fused", FUSED))}
            per_shape[shape] = interleaved_medians(fns, repeats, warmup=2)
    report(progress, len(shapes), len(shapes))
    return ActivationResult(model=model, width=float(width), resolution=resolution, threads=used,
                            repeats=repeats, sites=tuple(SiteTiming(s, per_shape[s.shape]) for s in sites),
                            max_abs_diff=agreement())
