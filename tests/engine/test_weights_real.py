"""The real MobileNetV2 ImageNet checkpoint: its bytes, a strict load, and logits equal to
torchvision's definition of the network (re-computed here functionally from the state dict)."""

from __future__ import annotations

import hashlib
import os
import shutil

import cv2
import pytest
import torch
import torch.nn.functional as F

from engine.api import build_model
from engine.tasks.classify import Preprocess
from engine.cli import main
from engine.errors import CheckpointMismatch, InvalidInput, WeightsUnavailable
from engine.models import catalog
from engine.weights import cache, fetch
from engine.weights.load import load_weights
from tests.conftest import SHIPPED_CLASSIFIER, sample_image

TORCHVISION_SHA256 = "b03531047ffacf1e2488318dcd2aba1126cde36e3bfe1aa5cb07700aeeee9889"  # DESIGN.md §4
TORCHVISION_PARAMS = 3504872  # torchvision.csv num_params, MobileNet_V2_Weights.IMAGENET1K_V1
V2_TABLE = [(1, 16, 1, 1), (6, 24, 2, 2), (6, 32, 3, 2), (6, 64, 4, 2), (6, 96, 3, 1), (6, 160, 3, 2), (6, 320, 1, 1)]


def _offline(monkeypatch) -> None:
    monkeypatch.setenv("PIP_INDEX_URL", "http://127.0.0.1:9/")
    monkeypatch.setenv("PIP_CONFIG_FILE", os.devnull)
    for var in ("PIP_FIND_LINKS", "PIP_NO_INDEX", "PIP_EXTRA_INDEX_URL", "no_proxy", "NO_PROXY"):
        monkeypatch.delenv(var, raising=False)
    for var in ("https_proxy", "HTTPS_PROXY"):
        monkeypatch.setenv(var, "http://127.0.0.1:9")


def _functional_v2(state: dict, x: torch.Tensor) -> torch.Tensor:
    """torchvision's MobileNetV2 forward (eval), written from the paper's Table 2 and
    torchvision's key layout, independent of engine.models."""

    def bn(x, p):
        return F.batch_norm(x, state[f"{p}.running_mean"], state[f"{p}.running_var"],
                            state[f"{p}.weight"], state[f"{p}.bias"], False, 0.0, 1e-5)

    def conv_bn_relu6(x, p, stride=1, groups=1):
        w = state[f"{p}.0.weight"]
        return F.relu6(bn(F.conv2d(x, w, None, stride, (w.shape[-1] - 1) // 2, 1, groups), f"{p}.1"))

    x = conv_bn_relu6(x, "features.0", stride=2)
    index = 1
    for t, _, n, s in V2_TABLE:
        for i in range(n):
            stride, p, inp = (s if i == 0 else 1), f"features.{index}.conv", x
            k = 0
            if t != 1:
                x, k = conv_bn_relu6(x, f"{p}.0"), 1
            x = conv_bn_relu6(x, f"{p}.{k}", stride=stride, groups=x.shape[1])
            x = bn(F.conv2d(x, state[f"{p}.{k + 1}.weight"]), f"{p}.{k + 2}")
            if stride == 1 and inp.shape[1] == x.shape[1]:
                x = x + inp
            index += 1
    x = conv_bn_relu6(x, "features.18").mean((2, 3))
    return F.linear(x, state["classifier.1.weight"], state["classifier.1.bias"])


def test_cached_default_weights_are_torchvisions_file(real_weights):
    path = cache.converted_path(SHIPPED_CLASSIFIER)
    assert hashlib.sha256(path.read_bytes()).hexdigest() == TORCHVISION_SHA256


def test_strict_load_shapes_and_parameter_count(real_weights):
    model = build_model("mobilenet_v2", weights="default")
    state = torch.load(cache.converted_path(SHIPPED_CLASSIFIER), map_location="cpu", weights_only=True)
    own = model.state_dict()
    assert list(own) == list(state)
    assert all(torch.equal(own[k], state[k]) for k in state)
    assert sum(v.numel() for k, v in state.items() if not k.endswith(("running_mean", "running_var",
                                                                        "num_batches_tracked"))) == TORCHVISION_PARAMS
    assert not model.training


def test_logits_equal_torchvisions_definition(real_weights):
    torch.manual_seed(0)
    model = build_model("mobilenet_v2", weights="default")
    state = model.state_dict()
    batch = torch.stack([Preprocess()(sample_image("chelsea")), torch.randn(3, 224, 224)])
    with torch.inference_mode():
        ours = model(batch)
        reference = _functional_v2(state, batch)
    torch.testing.assert_close(ours, reference, rtol=1e-4, atol=1e-4)


def test_wrong_checkpoint_names_the_first_mismatching_keys_and_shapes(tmp_path):
    path = tmp_path / "v3_large.pth"
    torch.save(catalog.build("mobilenet_v3_large").state_dict(), path)
    with pytest.raises(CheckpointMismatch) as err:
        build_model("mobilenet_v2", weights=path)
    # V3-Large's stem has 16 filters, V2's 32 (both papers' first table row).
    assert "features.0.0.weight (16, 3, 3, 3) vs (32, 3, 3, 3)" in str(err.value)
    assert "keys missing, first: " in str(err.value) and "unexpected keys, first: " in str(err.value)
    with pytest.raises(InvalidInput, match="none of the known files for mobilenet_v2"):
        fetch.import_file("mobilenet_v2", path)


def test_import_a_downloaded_torchvision_file_by_model_name(real_weights, tmp_path, monkeypatch):
    download = tmp_path / "mobilenet_v2-b0353104.pth"
    shutil.copyfile(cache.converted_path(SHIPPED_CLASSIFIER), download)
    monkeypatch.setenv("MOBILENET_STUDIO_HOME", str(tmp_path / "home"))
    first = fetch.import_file("mobilenet_v2", download)
    assert (first.status, first.entry.name) == ("imported", SHIPPED_CLASSIFIER)
    assert fetch.import_file(SHIPPED_CLASSIFIER, download).status == "cached"
    truncated = tmp_path / "short.pth"
    truncated.write_bytes(download.read_bytes()[:4096])
    with pytest.raises(InvalidInput, match="expects b03531047ffacf1e"):
        fetch.import_file(SHIPPED_CLASSIFIER, truncated)


def test_corrupt_cache_offline_is_reported_and_never_loaded(real_weights, tmp_path, monkeypatch, capsys):
    home = tmp_path / "home"
    mine = cache.converted_path(SHIPPED_CLASSIFIER)
    monkeypatch.setenv("MOBILENET_STUDIO_HOME", str(home))
    target = cache.converted_path(SHIPPED_CLASSIFIER)
    target.parent.mkdir(parents=True)
    shutil.copyfile(mine, target)
    shutil.copyfile(cache.sidecar(mine), cache.sidecar(target))
    with open(target, "r+b") as f:
        f.truncate(target.stat().st_size // 2)
    _offline(monkeypatch)
    image = tmp_path / "cat.png"
    cv2.imwrite(str(image), sample_image("chelsea")[:, :, ::-1])
    assert main(["classify", str(image)]) == 1
    err = capsys.readouterr().err
    assert "corrupt" in err and "--random-weights" in err.splitlines()[-1]
    assert "Traceback" not in err
    assert not target.exists()  # removed, not loaded
    with pytest.raises(WeightsUnavailable, match="weights import"):
        load_weights(catalog.build("mobilenet_v2"), "mobilenet_v2", "default")
