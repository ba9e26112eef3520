"""SSDLite models: torchvision's SSDLite320 layout (from its key list), the output format, and
the generic SSDLite over every backbone, width and resolution."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

from engine.models import catalog
from engine.models.detection import ssdlite, ssdlite320_mobilenet_v3_large
from engine.models.detection.person import same_pads
from engine.models.detection.ssdlite import count_anchors
from engine.paths import labels

KEYS = Path(__file__).resolve().parent.parent / "data" / "detector" / "ssdlite320_mobilenet_v3_large.tsv"
DTYPES = {"float32": torch.float32, "int64": torch.int64}


@pytest.fixture(autouse=True)
def _one_thread():
    """Small tensors: one thread is as fast and does not fight the other test workers."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


def _torchvision_keys() -> tuple[dict[str, tuple[tuple[int, ...], str]], list[str]]:
    """key -> (shape, dtype) and the header comment lines of torchvision's key list."""
    keys, header = {}, []
    for line in KEYS.read_text().splitlines():
        if line.startswith("#"):
            header.append(line)
            continue
        key, shape, dtype, _ = line.split("\t")
        if key == "key":
            continue
        dims = shape.strip("[]")
        keys[key] = (tuple(int(d) for d in dims.split(",")) if dims else (), dtype)
    return keys, header


def test_torchvision_state_dict_loads_strictly():
    keys, header = _torchvision_keys()
    assert any("keys: 476" in h for h in header) and len(keys) == 476
    model = ssdlite320_mobilenet_v3_large()
    own = {k: tuple(v.shape) for k, v in model.state_dict().items()}
    assert own == {k: shape for k, (shape, _) in keys.items()}
    g = torch.Generator().manual_seed(0)
    state = {
        k: (torch.randn(shape, generator=g) if dtype == "float32" else torch.zeros(shape, dtype=DTYPES[dtype]))
        for k, (shape, dtype) in keys.items()
    }
    for k in state:
        if k.endswith("running_var"):
            state[k] = state[k].abs() + 0.5
    model.load_state_dict(state, strict=True)
    assert torch.equal(model.state_dict()["head.regression_head.module_list.5.1.bias"],
                       state["head.regression_head.module_list.5.1.bias"])
    params = sum(p.numel() for p in model.parameters())
    assert any(f"parameters: {params}" in h for h in header)


def test_torchvision_settings_match_header():
    model = ssdlite320_mobilenet_v3_large()
    bns = [m for m in model.modules() if isinstance(m, torch.nn.BatchNorm2d)]
    assert {(m.eps, m.momentum) for m in bns} == {(0.001, 0.03)}
    post = model._postprocess
    assert (post.score_thresh, post.nms_thresh, post.detections_per_img, post.topk_candidates) == (0.001, 0.55, 300, 300)
    assert post.coder.weights == (10.0, 10.0, 5.0, 5.0) and post.coder.size_clip == pytest.approx(4.135167, abs=1e-6)
    assert model.transform.size == (320, 320)
    assert count_anchors(model, 320) == 3234


@torch.no_grad()
def test_ssdlite320_random_forward_has_documented_format():
    torch.manual_seed(0)
    model = ssdlite320_mobilenet_v3_large().eval()
    image = torch.rand(3, 320, 320)
    features = model.backbone(model.transform([image])[0].tensors)
    assert [tuple(f.shape[1:]) for f in features.values()] == [
        (672, 20, 20), (480, 10, 10), (512, 5, 5), (256, 3, 3), (256, 2, 2), (128, 1, 1)]
    head = model.head(list(features.values()))
    assert head["bbox_regression"].shape == (1, 3234, 4) and head["cls_logits"].shape == (1, 3234, 91)
    (out,) = model([image])
    assert set(out) == {"boxes", "scores", "labels"}
    n = out["boxes"].shape[0]
    assert 0 < n <= 300 and out["boxes"].shape == (n, 4) and out["scores"].shape == (n,)
    assert out["labels"].dtype == torch.int64 and int(out["labels"].min()) >= 1 and int(out["labels"].max()) < 91
    assert len(labels("coco91")) == 91
    boxes = out["boxes"]
    assert (boxes[:, 2] >= boxes[:, 0]).all() and (boxes[:, 3] >= boxes[:, 1]).all()
    assert boxes.min() >= 0 and boxes.max() <= 320
    assert torch.all(out["scores"][:-1] >= out["scores"][1:])


@torch.no_grad()
def test_boxes_are_in_the_input_images_pixels():
    torch.manual_seed(0)
    model = ssdlite320_mobilenet_v3_large().eval()
    (out,) = model([torch.rand(3, 240, 480)])
    boxes = out["boxes"]
    assert boxes[:, 0::2].max() <= 480 and boxes[:, 1::2].max() <= 240
    assert boxes[:, 0::2].max() > 320  # scaled back out of the 320x320 working size


def _map_sizes(resolution: int) -> list[int]:
    """Six feature-map sizes: strides 16 and 32, then four stride-2 extras (ceil each time)."""
    sizes = [-(-resolution // 16), -(-resolution // 32)]
    while len(sizes) < 6:
        sizes.append(-(-sizes[-1] // 2))
    return sizes


@pytest.mark.parametrize("backbone", ["mobilenet_v1", "mobilenet_v2", "mobilenet_v3_large", "mobilenet_v3_small"])
@torch.no_grad()
def test_generic_ssdlite_builds_and_runs(backbone):
    for width in (0.5, 1.0):
        model = catalog.build(f"ssdlite_{backbone}", width).eval()
        for resolution in (224, 320):
            batch = torch.rand(1, 3, resolution, resolution)
            head, anchors, _ = model.raw_outputs(batch)
            feats = list(model.backbone(batch).values())
            strides = [resolution / f.shape[-1] for f in feats[:2]]
            assert strides == [pytest.approx(16, rel=0.1), pytest.approx(32, rel=0.1)]
            assert [f.shape[-1] for f in feats] == _map_sizes(resolution)
            assert anchors[0].shape[0] == head["cls_logits"].shape[1] == head["bbox_regression"].shape[1]
            assert head["cls_logits"].shape[2] == 91
        (out,) = model([torch.rand(3, 200, 260)])
        assert set(out) == {"boxes", "scores", "labels"} and out["boxes"].shape[1] == 4


def test_v2_and_v3_taps_are_expansion_layers():
    v2 = ssdlite("mobilenet_v2")
    assert v2.backbone.out_channels[:2] == [576, 1280]  # expanded_conv_13 expansion, Conv_1
    v3 = ssdlite("mobilenet_v3_small", reduced_tail=False)
    assert v3.backbone.out_channels[:2] == [288, 576]  # 9th bneck expansion, last conv
    v3r = ssdlite("mobilenet_v3_small", reduced_tail=True)
    assert v3r.backbone.out_channels[:2] == [288, 288]  # tail halved: 48 -> 6 * 48
    v1 = ssdlite("mobilenet_v1", width=0.5)
    assert v1.backbone.out_channels == [256, 512, 256, 128, 128, 64]


@pytest.mark.parametrize("size,pads", [(300, (0, 1)), (150, (0, 1)), (75, (1, 1)), (38, (0, 1)),
                                       (19, (1, 1)), (10, (0, 1)), (5, (1, 1)), (3, (1, 1)), (2, (0, 1))])
def test_tf_same_padding_matches_the_graph(size, pads):
    """Pads of every stride-2 3x3 conv of the TF graph (detector_arch.md's table)."""
    assert same_pads(size, 3, 2, 1) == pads


def test_ssdlite320_cost_matches_torchvision_published():
    """torchvision publishes 0.583 GFLOPS (multiply-adds) and 3,440,060 parameters for
    ssdlite320_mobilenet_v3_large (assets/papers/torchvision.csv)."""
    import csv

    from engine import api
    from engine.paths import ASSETS

    with open(ASSETS / "papers" / "torchvision.csv", newline="") as f:
        row = next(r for r in csv.DictReader(f) if r["builder"] == "ssdlite320_mobilenet_v3_large")
    stats = api.model_stats("ssdlite320_mobilenet_v3_large", resolution=320)
    assert stats.params == int(row["num_params"])
    assert stats.madds / 1e9 == pytest.approx(float(row["gflops"]), abs=0.0005)


def test_bad_images_are_rejected_with_a_clear_message():
    from engine.errors import InvalidInput

    model = catalog.build("ssdlite_mobilenet_v3_small", 0.5)
    with pytest.raises(InvalidInput, match="3xHxW"):
        model([torch.rand(1, 64, 64)])
    with pytest.raises(InvalidInput, match="list of 3xHxW"):
        model(torch.rand(3, 64, 64))
