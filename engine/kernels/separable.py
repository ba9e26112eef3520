"""Standard vs depthwise-separable convolution: MobileNetV1's cost formulas (Section 3.1) next
to the time torch takes for each on this CPU.

standard  D_K·D_K·M·N·D_F·D_F      depthwise D_K·D_K·M·D_F·D_F      pointwise M·N·D_F·D_F
reduction (depthwise + pointwise) / standard = 1/N + 1/D_K²
D_F is the output size (the paper assumes stride 1; a stride-2 layer's cost scales with its output).
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F

from engine.analysis.stats import model_stats
from engine.errors import InvalidInput, check_range
from engine.kernels.timing import Progress, ShouldStop, check_stop, interleaved_medians, report
from engine.threads import torch_threads


@dataclass(frozen=True)
class SeparableLayer:
    """One depthwise-separable layer: a depthwise D_K x D_K conv on M channels followed by a
    1x1 conv M -> N, read from the model's layer rows."""

    name: str  # the depthwise layer
    kernel: int  # D_K
    m: int
    n: int
    in_size: int
    out_size: int  # D_F
    stride: int

    def to_json(self) -> dict:
        return dict(self.__dict__)


@dataclass(frozen=True)
class SeparableRow:
    layer: SeparableLayer
    standard_madds: int
    depthwise_madds: int
    pointwise_madds: int
    standard_s: float | None
    depthwise_s: float | None
    pointwise_s: float | None

    @property
    def madds_ratio(self) -> float:
        """standard / separable MAdds = 1 / (1/N + 1/D_K²)."""
        return self.standard_madds / (self.depthwise_madds + self.pointwise_madds)

    @property
    def time_ratio(self) -> float | None:
        if self.standard_s is None:
            return None
        return self.standard_s / (self.depthwise_s + self.pointwise_s)

    def gflops(self, which: str) -> float | None:
        seconds = getattr(self, f"{which}_s")
        return None if seconds is None else 2 * getattr(self, f"{which}_madds") / seconds / 1e9

    def to_json(self) -> dict:
        return {
            "layer": self.layer.to_json(),
            "madds": {"standard": self.standard_madds, "depthwise": self.depthwise_madds,
                      "pointwise": self.pointwise_madds},
            "seconds": {"standard": self.standard_s, "depthwise": self.depthwise_s,
                        "pointwise": self.pointwise_s},
            "gflops": {w: self.gflops(w) for w in ("standard", "depthwise", "pointwise")},
            "madds_ratio": self.madds_ratio, "time_ratio": self.time_ratio,
            "reduction_formula": 1 / self.layer.n + 1 / self.layer.kernel ** 2,
        }


@dataclass(frozen=True)
class SeparableResult:
    model: str | None
    width: float | None
    resolution: int | None
    threads: int
    repeats: int
    rows: tuple[SeparableRow, ...]

    def totals(self) -> dict:
        sums = {k: sum(getattr(r, f"{k}_madds") for r in self.rows) for k in ("standard", "depthwise", "pointwise")}
        timed = [r for r in self.rows if r.standard_s is not None]
        secs = {k: sum(getattr(r, f"{k}_s") for r in timed) for k in ("standard", "depthwise", "pointwise")}
        sep_s = secs["depthwise"] + secs["pointwise"]
        return {"madds": sums, "seconds": secs,
                "madds_ratio": sums["standard"] / (sums["depthwise"] + sums["pointwise"]),
                "time_ratio": secs["standard"] / sep_s if sep_s else None}

    def to_json(self) -> dict:
        return {"model": self.model, "width": self.width, "resolution": self.resolution,
                "threads": self.threads, "repeats": self.repeats,
                "conventions": "MAdds per MobileNetV1 §3.1 with D_F = output size; seconds = median "
                "of `repeats` torch conv2d calls (batch 1, fp32, after a warm-up); GFLOP/s = 2·MAdds/s",
                "totals": self.totals(), "rows": [r.to_json() for r in self.rows]}


# A custom layer's sizes (the largest MobileNet layers are well inside: D_K 7, M/N 1280, D_F 112),
# and what timing its standard convolution may hold in float32 tensors at once.
LAYER_RANGES = {"D_K": (1, 15), "M": (1, 8192), "N": (1, 8192), "D_F": (1, 1024)}
MAX_TENSOR_BYTES = 2 * 1024 ** 3


def check_layer(kernel: int, m: int, n: int, out_size: int, in_size: int | None = None) -> None:
    """Ranges that fit in memory: each size, then the bytes of input, weights and outputs."""
    for name, value in (("D_K", kernel), ("M", m), ("N", n), ("D_F", out_size)):
        check_range(name, value, *LAYER_RANGES[name])
    in_size = in_size or out_size
    floats = m * in_size ** 2 + n * m * kernel ** 2 + n * out_size ** 2 + m * out_size ** 2 * 2
    if 4 * floats > MAX_TENSOR_BYTES:
        raise InvalidInput(f"layer D_K={kernel} M={m} N={n} D_F={out_size} needs {4 * floats / 1e9:.1f} GB of "
                           f"tensors to time; valid: up to {MAX_TENSOR_BYTES / 1e9:.1f} GB (smaller M, N or D_F)")


def costs(kernel: int, m: int, n: int, out_size: int) -> tuple[int, int, int]:
    """(standard, depthwise, pointwise) MAdds of MobileNetV1 §3.1."""
    for name, value in (("D_K", kernel), ("M", m), ("N", n), ("D_F", out_size)):
        if value < 1:
            raise InvalidInput(f"{name} {value}; valid: a positive integer")
    area = out_size * out_size
    return kernel * kernel * m * n * area, kernel * kernel * m * area, m * n * area


def separable_layers(model: str, *, width: float = 1.0, resolution: int = 224) -> list[SeparableLayer]:
    """Every depthwise layer of the model followed (after BN/activation/SE) by a pointwise one."""
    rows = model_stats(model, width=width, resolution=resolution).layers
    layers = []
    for i, row in enumerate(rows):
        if row.kind != "depthwise":
            continue
        nxt = next((r for r in rows[i + 1:] if r.kind in ("pointwise", "conv", "depthwise")), None)
        if nxt is None or nxt.kind != "pointwise":
            continue
        m, in_size, out_size = row.input_shape[1], row.input_shape[2], row.output_shape[2]
        area = out_size * out_size
        kernel = round((row.madds / (m * area)) ** 0.5)
        layers.append(SeparableLayer(name=row.name, kernel=kernel, m=m, n=nxt.output_shape[1],
                                     in_size=in_size, out_size=out_size,
                                     stride=max(1, round(in_size / out_size))))
    return layers


def time_layer(layer: SeparableLayer, repeats: int) -> tuple[float, float, float]:
    """Median seconds of the standard, depthwise and pointwise convolutions of one layer."""
    k, m, n, pad = layer.kernel, layer.m, layer.n, layer.kernel // 2
    x = torch.randn(1, m, layer.in_size, layer.in_size)
    mid = torch.randn(1, m, layer.out_size, layer.out_size)
    w_std, w_dw, w_pw = torch.randn(n, m, k, k), torch.randn(m, 1, k, k), torch.randn(n, m, 1, 1)
    with torch.inference_mode():
        t = interleaved_medians({
            "standard": lambda: F.conv2d(x, w_std, stride=layer.stride, padding=pad),
            "depthwise": lambda: F.conv2d(x, w_dw, stride=layer.stride, padding=pad, groups=m),
            "pointwise": lambda: F.conv2d(mid, w_pw),
        }, repeats)
    return t["standard"], t["depthwise"], t["pointwise"]


def run_separable(layers: list[SeparableLayer], *, model: str | None = None, width: float | None = None,
                  resolution: int | None = None, threads: int | None = 1, repeats: int = 5, timed: bool = True,
                  progress: Progress | None = None, should_stop: ShouldStop | None = None) -> SeparableResult:
    for layer in layers:  # before any tensor is made
        check_layer(layer.kernel, layer.m, layer.n, layer.out_size, layer.in_size)
    rows = []
    with torch_threads(threads) as used:
        for done, layer in enumerate(layers):
            check_stop(should_stop)
            report(progress, done, len(layers))
            times = time_layer(layer, repeats) if timed else (None, None, None)
            rows.append(SeparableRow(layer, *costs(layer.kernel, layer.m, layer.n, layer.out_size), *times))
    report(progress, len(layers), len(layers))
    return SeparableResult(model=model, width=width, resolution=resolution, threads=used,
                           repeats=repeats, rows=tuple(rows))
