"""Naive and fused non-linearities agree; the sites come from the model as built."""

from __future__ import annotations

import pytest
import torch

from engine.errors import Cancelled
from engine.kernels.activations import FUSED, NAIVE, NAMES, activation_sites, agreement, run_activations


def test_naive_equals_fused():
    for name, diff in agreement().items():
        assert diff < 1e-6, name


@pytest.mark.parametrize("name", NAMES)
def test_naive_equals_fused_on_a_network_shape(name):
    x = torch.randn(1, 16, 112, 112, generator=torch.Generator().manual_seed(0)) * 5
    torch.testing.assert_close(NAIVE[name](x), FUSED[name](x), rtol=1e-6, atol=1e-6)


def test_definitions_match_the_papers():
    x = torch.tensor([-4.0, -3.0, 0.0, 1.0, 3.0, 7.0])
    relu6 = torch.clamp(x + 3, 0, 6)
    torch.testing.assert_close(FUSED["hard-swish"](x), x * relu6 / 6)  # V3 paper eq. (2)
    torch.testing.assert_close(FUSED["swish"](x), x / (1 + torch.exp(-x)))


def test_v3_large_sites_use_relu_early_and_hswish_late():
    sites = activation_sites("mobilenet_v3_large", resolution=96)
    used = [s.used for s in sites]
    assert used[0] == "hard-swish" and used[1] == "relu" and used[-1] == "hard-swish"
    first_late = used.index("hard-swish", 1)
    assert set(used[first_late:]) == {"hard-swish"}
    assert sites[first_late].channels_out == 80  # V3 Table 1: h-swish from the 80-channel blocks


def test_cancel():
    with pytest.raises(Cancelled):
        run_activations("mobilenet_v3_small", resolution=64, repeats=1, should_stop=lambda: True)


def test_interleaved_timing_warms_every_function_up_then_rotates_the_order():
    """Warm-up rounds run first and are not timed; each timed round starts one function later,
    so no function is always the one timed right after another's allocations."""
    from engine.kernels.timing import interleaved_seconds

    order: list[str] = []
    fns = {name: (lambda n=name: order.append(n)) for name in "abc"}
    samples = interleaved_seconds(fns, repeats=3, warmup=1)
    assert order == list("abc" "abc" "bca" "cab")
    assert {name: len(times) for name, times in samples.items()} == {"a": 3, "b": 3, "c": 3}
