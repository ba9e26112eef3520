"""Velocity models and the operator table that turns a velocity grid into the kernel's inputs
(quarters, op_index): spec.md §1 and §6.3. The kernels never see a velocity."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from engine.errors import InvalidInput, UnknownName, check_range
from engine.kernels.symconv.design import DESIGNS, check_operator_length, design_window, design_wlsq

VELOCITY_MODELS = ("constant", "layered", "gradient", "random")
C_MIN, C_MAX = 1500.0, 4500.0  # m/s, the range every model stays within
# above C_MAX / (2 dx) = 225 Hz every velocity is past the grid's Nyquist: the operators are all zero
FREQUENCY_RANGE = (0.1, 225.0)


def velocity_model(kind: str, ny: int, nx: int, *, seed: int = 0) -> np.ndarray:
    """A float32 ny x nx velocity grid (m/s). constant: 2000 everywhere; layered: 6 flat layers
    increasing with depth-row y; gradient: smooth c = 1500..4500 along y plus a gentle lateral
    ripple, rounded to 1 m/s (thousands of distinct operators); random: 16x16-point blocks of
    random velocities."""
    if ny < 1 or nx < 1:
        raise InvalidInput(f"grid {ny}x{nx} is empty; valid: positive sizes")
    y = np.arange(ny)[:, None] / max(ny - 1, 1)
    x = np.arange(nx)[None, :] / max(nx - 1, 1)
    if kind == "constant":
        c = np.full((ny, nx), 2000.0)
    elif kind == "layered":
        levels = np.linspace(C_MIN, C_MAX, 6)
        c = np.broadcast_to(levels[np.minimum((y * 6).astype(int), 5)], (ny, nx))
    elif kind == "gradient":
        c = np.round(C_MIN + (C_MAX - C_MIN) * (0.9 * y + 0.1 * (0.5 + 0.5 * np.sin(2 * np.pi * x))))
    elif kind == "random":
        rng = np.random.default_rng(seed)
        blocks = rng.uniform(C_MIN, C_MAX, ((ny + 15) // 16, (nx + 15) // 16))
        c = np.repeat(np.repeat(blocks, 16, axis=0), 16, axis=1)[:ny, :nx]
    else:
        raise UnknownName("velocity model", kind, VELOCITY_MODELS)
    return np.ascontiguousarray(c, dtype=np.float32)


@dataclass(frozen=True)
class OperatorTable:
    """Quarter operators on a regular k axis (spec §6.3), looked up by linear interpolation."""

    kmin: float
    dk: float
    quarters: np.ndarray  # (ntable, h, h) complex128, unscaled

    @classmethod
    def build(cls, freq: float, c_min: float, c_max: float, length: int, *, entries: int = 24,
              dx: float = 10.0, dz: float = 10.0, design: str = "window") -> "OperatorTable":
        check_operator_length(length)
        if not (c_min > 0 and c_max >= c_min):
            raise InvalidInput(f"velocity range {c_min:g}..{c_max:g} m/s; valid: 0 < c_min <= c_max")
        if design not in DESIGNS:
            raise UnknownName("operator design", design, DESIGNS)
        make = design_window if design == "window" else design_wlsq
        omega = 2 * np.pi * freq
        kmin, kmax = omega / c_max, omega / c_min
        dk = max((kmax - kmin) / (entries - 2), 1e-9)  # one spare entry keeps p+1 inside
        ks = kmin + dk * np.arange(entries)
        return cls(kmin=kmin, dk=dk, quarters=np.stack([make(k, length, dx=dx, dz=dz) for k in ks]))

    def lookup(self, k: np.ndarray, mode: int = 1) -> np.ndarray:
        """Interpolated quarters for each k (complex64); mode -1 conjugates (inverse step)."""
        t = (np.asarray(k, float) - self.kmin) / self.dk
        p = np.clip(np.floor(t).astype(int), 0, len(self.quarters) - 2)
        s = (t - p)[:, None, None]
        q = self.quarters[p] + s * (self.quarters[p + 1] - self.quarters[p])
        return (q if mode == 1 else np.conj(q)).astype(np.complex64)


def operators_for(velocity: np.ndarray, freq: float, length: int, *, design: str = "window",
                  entries: int = 24, dx: float = 10.0, dz: float = 10.0) -> tuple[np.ndarray, np.ndarray]:
    """(quarters, op_index) for `convolve`: one interpolated operator per distinct velocity."""
    velocity = np.asarray(velocity)
    if velocity.ndim != 2:
        raise InvalidInput(f"velocity has shape {velocity.shape}; valid: ny x nx")
    if not np.isfinite(velocity).all() or velocity.min() <= 0:
        raise InvalidInput(f"velocity must be positive and finite; got minimum {np.nanmin(velocity):g} m/s")
    check_range("frequency", freq, *FREQUENCY_RANGE, unit=" Hz")
    distinct, inverse = np.unique(velocity, return_inverse=True)
    table = OperatorTable.build(freq, float(distinct[0]), float(distinct[-1]), length,
                                entries=entries, dx=dx, dz=dz, design=design)
    quarters = table.lookup(2 * np.pi * freq / distinct.astype(float))
    return quarters, inverse.reshape(velocity.shape).astype(np.int32)
