"""Vectorised reference for equation (1) of spec.md, and the quarter <-> full operator helpers.

It gathers, for every tap, the operator coefficient chosen at each output point and adds the
shifted data times its conjugate: no loops over points, float64 accumulation, so it is an
independent check of the four compiled loops.
"""

from __future__ import annotations

import numpy as np


def expand_quarter(quarters: np.ndarray) -> np.ndarray:
    """(..., hy, hx) quarter -> (..., 2hy-1, 2hx-1) full operator, w[a][b] = q[|a|][|b|]."""
    hy, hx = quarters.shape[-2:]
    rows = np.abs(np.arange(-(hy - 1), hy))
    cols = np.abs(np.arange(-(hx - 1), hx))
    return quarters[..., rows[:, None], cols[None, :]]


def convolve_reference(data: np.ndarray, quarters: np.ndarray, op_index: np.ndarray) -> np.ndarray:
    """Equation (1): P'[y][x] = sum_{a,b} P[y+a][x+b] conj(w_{op[y][x]}[a][b]), zero outside."""
    ny, nx = data.shape
    hy, hx = quarters.shape[1:]
    full = np.conj(expand_quarter(quarters.astype(np.complex128)))
    padded = np.pad(data.astype(np.complex128), ((hy - 1, hy - 1), (hx - 1, hx - 1)))
    out = np.zeros((ny, nx), np.complex128)
    single = full.shape[0] == 1
    for a in range(2 * hy - 1):
        for b in range(2 * hx - 1):
            coeff = full[0, a, b] if single else full[:, a, b][op_index]
            out += padded[a:a + ny, b:b + nx] * coeff
    return out.astype(np.complex64)
