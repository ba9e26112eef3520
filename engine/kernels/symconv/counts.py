"""Real operations per interior output point (spec.md §7); reload costs excluded."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class OpCount:
    mults: int
    adds: float  # the cache method's amortised x-fold makes this fractional

    @property
    def flops(self) -> float:
        return self.mults + self.adds


def flop_counts(oply: int, oplx: int, ny: int | None = None) -> dict[str, OpCount]:
    """Per-method multiplications and additions. `ny` amortises the cache method's x-fold over a
    finite column (None = the ny -> infinity figure of the spec's table)."""
    n = oplx * oply
    hy, hx = (oply + 1) // 2, (oplx + 1) // 2
    q = hx * hy
    counts = {
        "simple": OpCount(4 * n, 4 * n),
        "symmetric2d": OpCount(4 * q, 4 * q + 2 * (n - q)),
    }
    if hx == hy:
        n8 = hx * (hx + 1) // 2
        counts["circle"] = OpCount(4 * n8, 4 * n8 + 2 * (n - n8))
    xfold = 2 * hx if ny is None else 2 * hx * (1 + 2 * (hy - 1) / ny)
    counts["cache"] = OpCount(4 * q, 6 * q + xfold)
    return counts
