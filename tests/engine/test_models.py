"""Model definitions: torchvision checkpoint layouts, shapes, options, the papers' tables."""

from __future__ import annotations

import pytest
import torch

from engine import api
from engine.errors import CheckpointMismatch, InvalidInput, UnknownName
from engine.models.specs import V1_BODY, make_divisible
from tests.helpers import key_list, state_dict_from_key_list

TORCHVISION_LAYOUT = ["mobilenet_v2", "mobilenet_v3_large", "mobilenet_v3_small"]
CLASSIFIERS = ["mobilenet_v1", *TORCHVISION_LAYOUT]


@pytest.mark.parametrize("name", TORCHVISION_LAYOUT)
def test_torchvision_state_dict_loads_strictly(name, tmp_path):
    state = state_dict_from_key_list(name)
    path = tmp_path / f"{name}.pth"
    torch.save(state, path)
    model = api.build_model(name, weights=path)  # strict load through the public API
    loaded = model.state_dict()
    assert set(loaded) == set(key_list(name))
    for key, tensor in state.items():
        assert torch.equal(loaded[key], tensor), key


@pytest.mark.parametrize("name", TORCHVISION_LAYOUT)
def test_parameter_count_equals_torchvision(name):
    expected = sum(
        torch.Size(shape).numel() for key, (shape, _) in key_list(name).items()
        if not key.endswith(("running_mean", "running_var", "num_batches_tracked"))
    )
    model = api.build_model(name)
    assert sum(p.numel() for p in model.parameters()) == expected


def test_wrong_checkpoint_names_first_mismatching_keys(tmp_path):
    path = tmp_path / "v3.pth"
    torch.save(api.build_model("mobilenet_v3_large").state_dict(), path)
    with pytest.raises(CheckpointMismatch) as info:
        api.build_model("mobilenet_v2", weights=path)
    message = str(info.value)
    assert "features.0.0.weight (16, 3, 3, 3) vs (32, 3, 3, 3)" in message
    assert "\n" not in message


@pytest.mark.parametrize("name", CLASSIFIERS)
@pytest.mark.parametrize("width,resolution", [(1.0, 224), (0.5, 160), (1.4, 96)])
def test_forward_gives_logits(name, width, resolution):
    model = api.build_model(name, width=width)
    with torch.no_grad():
        out = model(torch.randn(2, 3, resolution, resolution))
    assert out.shape == (2, 1000)
    assert torch.isfinite(out).all()


def test_v1_follows_tf_slim_strides():
    """Table 1 prints the last depthwise conv as s2 at 7x7; TF-slim uses s1, so 224 -> 7x7."""
    stats = api.model_stats("mobilenet_v1")
    last_pointwise = [r for r in stats.layers if r.kind == "pointwise"][-1]
    assert last_pointwise.output_shape == (1, 1024, 7, 7)
    assert sum(row.stride == 2 for row in V1_BODY) == 4  # plus the stem: output stride 32


@pytest.mark.parametrize("name,c4_index", [("mobilenet_v3_large", 13), ("mobilenet_v3_small", 9)])
def test_v3_options_change_the_tail(name, c4_index):
    plain = api.build_model(name)
    reduced = api.build_model(name, reduced_tail=True)
    dilated = api.build_model(name, dilated=True)
    x = torch.randn(1, 3, 224, 224)
    with torch.no_grad():
        assert plain.features(x).shape[-1] == 7
        assert dilated.features(x).shape[-1] == 14  # the last stage dilates instead of striding
        tail_out = reduced.features[c4_index].out_channels
    assert tail_out * 2 == plain.features[c4_index].out_channels


def test_minimalistic_has_no_se_no_hswish_no_5x5():
    model = api.build_model("mobilenet_v3_large", minimalistic=True)
    kinds = {type(m).__name__ for m in model.modules()}
    assert "SqueezeExcitation" not in kinds and "Hardswish" not in kinds
    kernels = {m.kernel_size for m in model.modules() if isinstance(m, torch.nn.Conv2d)}
    assert kernels == {(3, 3), (1, 1)}


@pytest.mark.parametrize("value,divisor", [(11.2, 8), (32 * 0.35, 8), (16 * 0.75, 8), (960 * 1.25, 8), (3, 8)])
def test_make_divisible_rounds_to_nearest_multiple_within_ten_percent(value, divisor):
    result = make_divisible(value, divisor)
    assert result % divisor == 0
    assert result >= 0.9 * value and result >= divisor
    nearest = max(divisor, round(value / divisor) * divisor)
    assert result in (nearest, nearest + divisor)


@pytest.mark.parametrize(
    "call,expected",
    [
        (lambda: api.build_model("mobilenet_v9"), "mobilenet_v1, mobilenet_v2, mobilenet_v3_large"),
        (lambda: api.build_model("mobilenet_v2", width=0), "width 0 is out of range; valid: 0.1 to 3"),
        (lambda: api.build_model("mobilenet_v2", width=50), "width 50 is out of range"),
        (lambda: api.build_model("mobilenet_v2", width=float("nan")), "width nan is out of range"),
        (lambda: api.build_model("mobilenet_v2", dilated=True), "unknown option for mobilenet_v2 'dilated'"),
        (lambda: api.build_model("mobilenet_v3_small", fancy=True), "valid: dilated, minimalistic, reduced_tail"),
        (lambda: api.model_stats("mobilenet_v2", resolution=16), "resolution 16 px is out of range"),
        (lambda: api.model_stats("mobilenet_v2", resolution=100000), "valid: 32 to 2048 px"),
        (lambda: api.model_stats("mobilenet_v2", resolution=224.5), "whole number of pixels"),
    ],
)
def test_bad_configuration_names_the_valid_values(call, expected):
    with pytest.raises(InvalidInput) as info:
        call()
    assert expected in str(info.value)
    assert "\n" not in str(info.value)


def test_unknown_name_is_also_a_key_error():
    with pytest.raises(KeyError):
        api.model_info("nope")
    with pytest.raises(UnknownName):
        api.model_info("nope")
