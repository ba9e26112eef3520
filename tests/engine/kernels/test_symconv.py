"""The four symmetric-convolution methods against an independent reference (spec.md)."""

from __future__ import annotations

import numpy as np
import pytest

from engine.errors import InvalidInput
from engine.kernels.symconv import METHODS, convolve, convolve_counted
from engine.kernels.symconv.counts import flop_counts
from engine.kernels.symconv.design import design_window, design_wlsq, passband_error
from engine.kernels.symconv.experiment import make_problem
from engine.kernels.symconv.velocity import operators_for, velocity_model

RTOL = 1e-5  # max |method - reference| / max |reference|, float32 kernels vs float64 reference


def _random_case(ny, nx, h, n_ops, seed=0, diagonal=True):
    rng = np.random.default_rng(seed)
    data = (rng.standard_normal((ny, nx)) + 1j * rng.standard_normal((ny, nx))).astype(np.complex64)
    q = rng.standard_normal((n_ops, h, h)) + 1j * rng.standard_normal((n_ops, h, h))
    if diagonal:
        q = (q + q.transpose(0, 2, 1)) / 2
    idx = rng.integers(0, n_ops, (ny, nx)).astype(np.int32)
    return data, q.astype(np.complex64), idx


def _brute_force(data, full_ops, idx, flip=False):
    """Equation (1) literally: loops over points and lags, explicit conjugation, zero outside."""
    ny, nx = data.shape
    hy, hx = (full_ops.shape[1] + 1) // 2, (full_ops.shape[2] + 1) // 2
    out = np.zeros((ny, nx), complex)
    for y in range(ny):
        for x in range(nx):
            w = full_ops[idx[y, x]]
            for a in range(-(hy - 1), hy):
                for b in range(-(hx - 1), hx):
                    if 0 <= y + a < ny and 0 <= x + b < nx:
                        wa, wb = (-a, -b) if flip else (a, b)
                        out[y, x] += complex(data[y + a, x + b]) * np.conj(w[wa + hy - 1, wb + hx - 1])
    return out


def _full_from_quarter(q):
    h = q.shape[-1]
    lags = np.abs(np.arange(-(h - 1), h))
    return q[:, lags[:, None], lags[None, :]]


def test_reference_matches_brute_force_definition_including_edges():
    data, q, idx = _random_case(9, 11, 4, 3, seed=1)
    expected = _brute_force(data, _full_from_quarter(q.astype(complex)), idx)
    got = convolve(data, q, idx, "reference")
    assert np.abs(got - expected).max() <= RTOL * np.abs(expected).max()


def test_conjugation_convention_matters():
    data, q, idx = _random_case(9, 11, 4, 2, seed=2)
    full = _full_from_quarter(q.astype(complex))
    unconjugated = _brute_force(data, np.conj(full), idx)
    got = convolve(data, q, idx, "reference")
    assert np.abs(got - unconjugated).max() > 0.1 * np.abs(unconjugated).max()


def test_correlation_equals_convolution_only_for_symmetric_operators():
    rng = np.random.default_rng(3)
    data, q, idx = _random_case(8, 10, 3, 1, seed=3)
    symmetric = _full_from_quarter(q.astype(complex))
    assert np.allclose(_brute_force(data, symmetric, idx), _brute_force(data, symmetric, idx, flip=True))
    skew = rng.standard_normal((1, 5, 5)) + 1j * rng.standard_normal((1, 5, 5))
    assert not np.allclose(_brute_force(data, skew, idx), _brute_force(data, skew, idx, flip=True))


CASES = [  # (velocity, op length, ny, nx)
    ("constant", 5, 17, 13),
    ("layered", 9, 33, 29),
    ("random", 13, 40, 57),
    ("layered", 19, 31, 45),
    ("random", 25, 25, 30),  # every point lies within half an operator of an edge
    ("constant", 25, 64, 48),
    ("gradient", 7, 50, 50),
    ("random", 11, 100, 77),
]


@pytest.mark.parametrize("velocity,op,ny,nx", CASES)
@pytest.mark.parametrize("method", METHODS)
def test_methods_agree_with_reference(velocity, op, ny, nx, method):
    data, quarters, op_index = make_problem(ny, nx, op, velocity, seed=ny + op)
    reference = convolve(data, quarters, op_index, "reference")
    got = convolve(data, quarters, op_index, method)
    assert got.shape == data.shape and got.dtype == np.complex64
    assert np.abs(got - reference).max() <= RTOL * np.abs(reference).max()


def test_large_grid_edges():
    data, quarters, op_index = make_problem(512, 512, 5, "constant", seed=5)
    reference = convolve(data, quarters, op_index, "reference")
    scale = np.abs(reference).max()
    for method in METHODS:
        diff = np.abs(convolve(data, quarters, op_index, method) - reference)
        edges = np.concatenate([diff[:2].ravel(), diff[-2:].ravel(), diff[:, :2].ravel(), diff[:, -2:].ravel()])
        assert diff.max() <= RTOL * scale and edges.max() <= RTOL * scale, method


def test_random_operators_with_position_dependence():
    data, q, idx = _random_case(23, 19, 6, 5, seed=4)
    reference = convolve(data, q, idx, "reference")
    for method in METHODS:
        assert np.abs(convolve(data, q, idx, method) - reference).max() <= RTOL * np.abs(reference).max()


def test_reload_counts_follow_loop_order():
    velocity = velocity_model("layered", 60, 40)
    quarters, op_index = operators_for(velocity, 30.0, 7)
    data = np.ones((60, 40), np.complex64)
    row_major = 1 + int(np.count_nonzero(np.diff(op_index.ravel(order="C"))))
    col_major = 1 + int(np.count_nonzero(np.diff(op_index.ravel(order="F"))))
    for method in ("simple", "symmetric2d", "circle"):  # y outer, x inner
        assert convolve_counted(data, quarters, op_index, method)[1] == row_major
    assert convolve_counted(data, quarters, op_index, "cache")[1] == col_major
    assert col_major > row_major


def test_flop_counts_match_spec_table():
    c19, c25 = flop_counts(19, 19), flop_counts(25, 25)
    assert [(c19[m].mults, c19[m].adds) for m in METHODS] == [(1444, 1444), (400, 922), (220, 832), (400, 620)]
    assert [(c25[m].mults, c25[m].adds) for m in METHODS] == [(2500, 2500), (676, 1588), (364, 1432), (676, 1040)]


def test_designed_operators_are_symmetric_and_accurate():
    k = 2 * np.pi * 30 / 2000  # spec §6.4: 19x19, dx = dz = 10 m, 30 Hz, 2000 m/s
    wlsq = design_wlsq(k, 19)
    err, peak = passband_error(wlsq, k)
    assert err < 2e-2 and peak < 1.01
    window = design_window(k, 19)
    err_w, peak_w = passband_error(window, k)
    assert err_w < 0.2 and peak_w < 1.05 and err_w > err
    for q in (wlsq, window):
        assert np.allclose(q, q.T)


@pytest.mark.parametrize("call,needle", [
    (lambda d, q, i: convolve(d, q, i, "fft"), "unknown convolution method"),
    (lambda d, q, i: convolve(d.astype(np.complex128), q, i, "simple"), "dtype"),
    (lambda d, q, i: convolve(d[0], q, i, "simple"), "shape"),
    (lambda d, q, i: convolve(d, q, i[:, :5], "simple"), "op_index has shape"),
    (lambda d, q, i: convolve(np.where(i == 0, np.nan, d).astype(np.complex64), q, i, "cache"), "NaN"),
    (lambda d, q, i: convolve(d[:5, :5].copy(), q, i[:5, :5].copy(), "simple"), "larger than"),
    (lambda d, q, i: convolve(d, q, i + 5, "simple"), "op_index ranges"),
    (lambda d, q, i: make_problem(16, 16, 6, "constant"), "odd"),
    (lambda d, q, i: operators_for(-np.ones((4, 4)), 30.0, 3), "positive"),
    (lambda d, q, i: make_problem(16, 16, 5, "marble"), "velocity model"),
])
def test_bad_input_is_one_clear_error(call, needle):
    data, q, idx = _random_case(16, 16, 4, 2)
    with pytest.raises(InvalidInput, match=needle):
        call(data, q, idx)


def test_circle_rejects_non_diagonal_operators():
    data, q, idx = _random_case(16, 16, 4, 2, diagonal=False)
    with pytest.raises(InvalidInput, match="circle"):
        convolve(data, q, idx, "circle")


def test_run_carries_the_arrays_behind_the_pictures():
    from engine.kernels.symconv.experiment import run_symconv

    steps = []
    result = run_symconv(21, 17, 5, "layered", ("simple", "cache"), repeats=1, progress=lambda d, t: steps.append((d, t)))
    f = result.fields
    np.testing.assert_array_equal(f.velocity, velocity_model("layered", 21, 17))
    data, quarters, op_index = make_problem(21, 17, 5, "layered")
    np.testing.assert_array_equal(f.data, data)
    expected = convolve(data, quarters, op_index, "simple")
    assert np.abs(f.output - expected).max() <= RTOL * np.abs(expected).max()
    w = f.operator
    assert w.shape == (5, 5)
    np.testing.assert_array_equal(w, w[::-1, :])
    np.testing.assert_array_equal(w, w[:, ::-1])
    assert f.operator_velocity == velocity_model("layered", 21, 17)[10, 8]
    assert all(run.correct and run.max_rel_error <= RTOL for run in result.runs)
    assert steps[0] == (0, 4) and steps[-1] == (4, 4)  # 2 methods x (1 warm-up + 1 timed)
    assert "fields" not in result.to_json()
