"""Position-dependent symmetric complex 2D convolution (spec.md in shared/reference/kernels).

The kernel layer knows nothing about physics: `convolve(data, quarters, op_index, method)`
takes unscaled quarter operators and a per-point operator index. The physics (operator design,
velocity models, the operator table) lives in `design`, `velocity` and `table`.
"""

from __future__ import annotations

import numpy as np

from engine.errors import InvalidInput, UnknownName
from engine.kernels.symconv import loops
from engine.kernels.symconv.reference import convolve_reference

METHODS = ("simple", "symmetric2d", "circle", "cache")
ALL_METHODS = METHODS + ("reference",)
DIAGONAL_RTOL = 1e-5  # circle needs q[i][j] == q[j][i]; designed operators meet it to rounding

__all__ = ["METHODS", "ALL_METHODS", "convolve", "convolve_counted", "validate"]


def validate(data: np.ndarray, quarters: np.ndarray, op_index: np.ndarray, method: str) -> None:
    """Raise one InvalidInput naming the first thing wrong with the arguments."""
    if method not in ALL_METHODS:
        raise UnknownName("convolution method", method, ALL_METHODS)
    for name, arr, dtype, ndim, shape_txt in (
        ("data", data, np.complex64, 2, "ny x nx"),
        ("quarters", quarters, np.complex64, 3, "n_ops x hy x hx"),
        ("op_index", op_index, np.int32, 2, "ny x nx"),
    ):
        if not isinstance(arr, np.ndarray):
            raise InvalidInput(f"{name} must be a numpy array ({shape_txt}, {np.dtype(dtype).name}); "
                               f"got {type(arr).__name__}")
        if arr.dtype != dtype:
            raise InvalidInput(f"{name} has dtype {arr.dtype}; valid: {np.dtype(dtype).name}")
        if arr.ndim != ndim or 0 in arr.shape:
            raise InvalidInput(f"{name} has shape {arr.shape}; valid: non-empty {shape_txt}")
    if op_index.shape != data.shape:
        raise InvalidInput(f"op_index has shape {op_index.shape}; valid: the data's shape {data.shape}")
    if not np.isfinite(data).all():
        raise InvalidInput("data contains NaN or infinite values; valid: finite complex64 values")
    if not np.isfinite(quarters).all():
        raise InvalidInput("quarters contain NaN or infinite values; valid: finite complex64 values")
    n_ops, hy, hx = quarters.shape
    ny, nx = data.shape
    if 2 * hy - 1 > ny or 2 * hx - 1 > nx:
        raise InvalidInput(f"operator {2 * hy - 1}x{2 * hx - 1} is larger than the {ny}x{nx} grid; "
                           f"valid: operator lengths up to the grid size")
    lo, hi = int(op_index.min()), int(op_index.max())
    if lo < 0 or hi >= n_ops:
        raise InvalidInput(f"op_index ranges {lo}..{hi}; valid: 0..{n_ops - 1} (one per quarter operator)")
    if method == "circle":
        if hx != hy:
            raise InvalidInput(f"method 'circle' needs a square operator; got quarter {hy}x{hx}")
        scale = max(float(np.abs(quarters).max()), np.finfo(np.float32).tiny)
        asym = float(np.abs(quarters - quarters.transpose(0, 2, 1)).max())
        if asym > DIAGONAL_RTOL * scale:
            raise InvalidInput(f"method 'circle' needs q[i][j] == q[j][i]; the quarters differ by "
                               f"{asym:.3g} (max |q| {scale:.3g}); use 'symmetric2d' or 'cache'")
    if method == "cache" and hx < 2:
        raise InvalidInput("method 'cache' needs an operator at least 3 wide; valid: hx >= 2")


def convolve_counted(data: np.ndarray, quarters: np.ndarray, op_index: np.ndarray,
                     method: str) -> tuple[np.ndarray, int]:
    """`convolve` plus the number of operator reloads the method's loop order needed
    (0 for 'reference', which has no reloads)."""
    validate(data, quarters, op_index, method)
    if method == "reference":
        return convolve_reference(data, quarters, op_index), 0
    ny, nx = data.shape
    _, hy, hx = quarters.shape
    quarters = np.ascontiguousarray(quarters)
    idx = np.ascontiguousarray(op_index)
    out = np.empty((ny, nx), np.complex64)
    if method == "simple":
        reloads = loops.simple(np.ascontiguousarray(data), quarters, idx, out)
    else:
        padded = np.pad(data, ((hy - 1, hy - 1), (hx - 1, hx - 1)))
        q = quarters.view(np.float32).reshape(quarters.shape + (2,))
        out_f = out.view(np.float32).reshape(ny, nx, 2)
        if method == "cache":
            reloads = loops.cache(np.ascontiguousarray(padded.real), np.ascontiguousarray(padded.imag),
                                  q, idx, out_f)
        elif method == "symmetric2d":
            pad_re, pad_im = np.ascontiguousarray(padded.real), np.ascontiguousarray(padded.imag)
            reloads = loops.symmetric2d(pad_re, pad_im, np.ascontiguousarray(pad_re[:, ::-1]),
                                        np.ascontiguousarray(pad_im[:, ::-1]), q, idx, out_f)
        else:
            padded_t = np.ascontiguousarray(padded.T)  # F[j][i] streams run along its rows
            reloads = loops.circle(padded, padded_t, quarters, idx, out)
    return out, int(reloads)


def convolve(data: np.ndarray, quarters: np.ndarray, op_index: np.ndarray, method: str) -> np.ndarray:
    """Equation (1) of spec.md with `method`: same size as `data`, zero outside the grid, data
    multiplied by the conjugated operator, operator chosen by `op_index` at the output point."""
    return convolve_counted(data, quarters, op_index, method)[0]
