"""MobileNetV1 §3.1 cost formulas on the real layers of the models."""

from __future__ import annotations

import pytest
import torch

from engine import api
from engine.kernels.separable import SeparableLayer, costs, run_separable, separable_layers


def _shapes_from_rows(model, resolution):
    """(K, M, N, D_F, depthwise MAdds counted by torch) read straight from the layer rows."""
    rows = api.model_stats(model, resolution=resolution).layers
    convs = [r for r in rows if r.kind in ("conv", "depthwise", "pointwise")]
    out = []
    for dw, pw in zip(convs, convs[1:]):
        if dw.kind == "depthwise" and pw.kind == "pointwise":
            m, d_f = dw.input_shape[1], dw.output_shape[2]
            k = round((dw.madds / (m * d_f * d_f)) ** 0.5)
            out.append((k, m, pw.output_shape[1], d_f, dw.madds, pw.madds))
    return out


@pytest.mark.parametrize("model", ["mobilenet_v1", "mobilenet_v2"])
def test_reduction_equals_formula_for_every_real_layer(model):
    expected = _shapes_from_rows(model, 160)
    result = run_separable(separable_layers(model, resolution=160), timed=False)
    assert len(result.rows) == len(expected) > 10
    for row, (k, m, n, d_f, dw_madds, pw_madds) in zip(result.rows, expected):
        assert (row.layer.kernel, row.layer.m, row.layer.n, row.layer.out_size) == (k, m, n, d_f)
        assert row.depthwise_madds == dw_madds and row.pointwise_madds == pw_madds  # torch's own count
        assert row.madds_ratio == pytest.approx(1 / (1 / n + 1 / k ** 2), rel=1e-12)


def test_v1_reduction_is_8_to_9x():
    result = run_separable(separable_layers("mobilenet_v1"), timed=False)
    assert 8 < result.totals()["madds_ratio"] < 9
    assert all(7.5 < r.madds_ratio < 9 for r in result.rows)  # 3x3: at most 9x


def test_costs_formula():
    assert costs(3, 32, 64, 112) == (3 * 3 * 32 * 64 * 112 * 112, 3 * 3 * 32 * 112 * 112, 32 * 64 * 112 * 112)


def test_timing_restores_threads_and_reports_progress():
    before = torch.get_num_threads()
    seen = []
    layer = SeparableLayer("tiny", 3, 8, 16, 10, 10, 1)
    result = run_separable([layer], threads=1, repeats=1, progress=lambda d, t: seen.append((d, t)))
    assert torch.get_num_threads() == before
    assert result.rows[0].standard_s > 0 and seen[-1] == (1, 1)
