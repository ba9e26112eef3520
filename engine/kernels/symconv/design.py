"""Operator design for k = omega/c from the phase-shift spectrum (spec.md §6).

W(kx, ky) = exp(-i kz dz) with kz = sqrt(k^2 - kr^2) depends only on kr, so the short operator
is even in x and y (and diagonal-symmetric on a square grid): only the quarter q is designed.
Two designs: a truncated, windowed inverse FFT (cheap) and weighted least squares on the
cosine-sum response (spec §6.2/6.4, about 10x smaller pass-band error).
"""

from __future__ import annotations

import numpy as np

from engine.errors import InvalidInput

DESIGNS = ("window", "wlsq")


def check_operator_length(length: int) -> int:
    """The half length including the centre tap; odd lengths >= 3 only."""
    if length < 3 or length % 2 == 0:
        raise InvalidInput(f"operator length {length} is invalid; valid: odd lengths >= 3 (e.g. 19, 25)")
    return (length + 1) // 2


def target_spectrum(kr: np.ndarray, k: float, dz: float, alpha_deg: float, dx: float) -> np.ndarray:
    """Smooth-phase target: exact phase shift up to kmax = k sin(alpha), beyond it the phase
    continues linearly (value and slope matched) under a raised-cosine amplitude taper that
    reaches 0 at the Nyquist wavenumber pi/dx; zero beyond Nyquist."""
    if k <= 0:
        raise InvalidInput(f"wavenumber {k:g} must be positive (omega/c with c > 0)")
    nyq = np.pi / dx
    kmax = min(k * np.sin(np.radians(alpha_deg)), 0.85 * nyq)
    kz_max = np.sqrt(k * k - kmax * kmax)
    inside = kr <= kmax
    kz = np.sqrt(np.maximum(k * k - np.minimum(kr, kmax) ** 2, 0.0))
    slope = -kmax / kz_max  # d kz / d kr at kmax
    phase = np.where(inside, kz, kz_max + slope * (kr - kmax)) * dz
    taper = np.where(inside, 1.0, 0.5 * (1 + np.cos(np.pi * np.clip((kr - kmax) / (nyq - kmax), 0, 1))))
    return taper * np.exp(-1j * phase)


def _phase_fix(quarter: np.ndarray, k: float, dz: float) -> np.ndarray:
    """Rotate the overall phase so that the response at kx = ky = 0 has the exact phase -k dz."""
    hy, hx = quarter.shape
    m = np.where(np.arange(hy) > 0, 2.0, 1.0)[:, None] * np.where(np.arange(hx) > 0, 2.0, 1.0)[None, :]
    dc = (m * quarter).sum()
    return quarter * np.exp(1j * (-k * dz - np.angle(dc)))


def design_window(k: float, length: int, dx: float = 10.0, dz: float = 10.0, alpha_deg: float = 65.0,
                  nfft: int = 256, beta: float = 5.0) -> np.ndarray:
    """Quarter (h x h, complex128) from the inverse FFT of the target, Kaiser-windowed."""
    h = check_operator_length(length)
    kaxis = 2 * np.pi * np.fft.fftfreq(nfft, d=dx)
    kr = np.hypot(kaxis[:, None], kaxis[None, :])
    w = np.fft.ifft2(target_spectrum(kr, k, dz, alpha_deg, dx))
    window = np.kaiser(2 * h - 1, beta)[h - 1:]
    quarter = w[:h, :h] * window[:, None] * window[None, :]
    quarter = 0.5 * (quarter + quarter.T)  # exact diagonal symmetry (it holds to rounding anyway)
    return _phase_fix(quarter, k, dz)


def cosine_response(quarter: np.ndarray, kx: np.ndarray, ky: np.ndarray, dx: float, dy: float) -> np.ndarray:
    """W_op(kx, ky) = sum m(ky') m(kx') q[ky'][kx'] cos(kx kx' dx) cos(ky ky' dy) on a grid."""
    hy, hx = quarter.shape
    my = np.where(np.arange(hy) > 0, 2.0, 1.0)
    mx = np.where(np.arange(hx) > 0, 2.0, 1.0)
    cy = np.cos(np.outer(ky, np.arange(hy)) * dy) * my
    cx = np.cos(np.outer(kx, np.arange(hx)) * dx) * mx
    return cy @ quarter @ cx.T


def design_wlsq(k: float, length: int, dx: float = 10.0, dz: float = 10.0, alpha_deg: float = 65.0,
                nk: int = 129, wfact: float = 5e-5) -> np.ndarray:
    """Weighted least squares fit of the cosine-sum response to the plain phase shift (with
    evanescent decay): weight 1 inside kmax, `wfact` outside."""
    h = check_operator_length(length)
    kaxis = np.linspace(0, np.pi / dx, nk)
    kr = np.hypot(kaxis[:, None], kaxis[None, :])
    kz2 = k * k - kr ** 2
    target = np.where(kz2 >= 0, np.exp(-1j * np.sqrt(np.abs(kz2)) * dz), np.exp(-np.sqrt(np.abs(kz2)) * dz))
    kmax = min(k * np.sin(np.radians(alpha_deg)), 0.85 * np.pi / dx)
    sw = np.sqrt(np.where(kr <= kmax, 1.0, wfact)).ravel()
    m = np.where(np.arange(h) > 0, 2.0, 1.0)
    basis_1d = np.cos(np.outer(kaxis, np.arange(h)) * dx) * m  # (nk, h)
    design = np.einsum("ya,xb->yxab", basis_1d, basis_1d).reshape(nk * nk, h * h)
    rhs = np.stack([target.real.ravel(), target.imag.ravel()], axis=1)
    sol, *_ = np.linalg.lstsq(design * sw[:, None], rhs * sw[:, None], rcond=None)
    quarter = (sol[:, 0] + 1j * sol[:, 1]).reshape(h, h)
    return 0.5 * (quarter + quarter.T)


def passband_error(quarter: np.ndarray, k: float, dx: float = 10.0, dz: float = 10.0,
                   alpha_deg: float = 65.0, nk: int = 101) -> tuple[float, float]:
    """(max |W_op - exp(-i kz dz)| inside kmax, max |W_op| anywhere): the design check of §6.4."""
    kaxis = np.linspace(0, np.pi / dx, nk)
    response = cosine_response(quarter, kaxis, kaxis, dx, dx)
    kr = np.hypot(kaxis[:, None], kaxis[None, :])
    kmax = min(k * np.sin(np.radians(alpha_deg)), 0.85 * np.pi / dx)
    inside = kr <= kmax
    exact = np.exp(-1j * np.sqrt(np.maximum(k * k - kr ** 2, 0)) * dz)
    return float(np.abs(response - exact)[inside].max()), float(np.abs(response).max())
