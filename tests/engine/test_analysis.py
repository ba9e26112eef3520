"""Per-layer analysis: counts against TF-slim's exact per-layer figures, an independent MAdds
formula, and the MobileNetV2 paper's Table 3 memory figures."""

from __future__ import annotations

import csv

import pytest
import torch

from engine import api
from engine.analysis.layers import KINDS, analyze_layers
from engine.analysis.memory import eager_peak_bytes
from engine.paths import ASSETS


def _slim_rows(alpha: str, resolution: str) -> dict[str, tuple[int, int]]:
    with open(ASSETS / "papers" / "v1_slim_layer_costs.csv", newline="") as fh:
        return {
            r["layer"]: (int(r["params"]), int(r["macs"]))
            for r in csv.DictReader(fh)
            if r["alpha"] == alpha and r["resolution"] == resolution and r["layer"] != "Total"
        }


def _slim_name(layer: str) -> str | None:
    """Our V1 layer name -> TF-slim's (features.3.dw.0 -> Conv2d_3_depthwise/depthwise)."""
    parts = layer.split(".")
    if parts[:2] == ["features", "0"] and parts[-1] == "0":
        return "MobilenetV1/Conv2d_0/Conv2D"
    if len(parts) == 4 and parts[3] == "0":
        i, unit = parts[1], parts[2]
        return f"MobilenetV1/Conv2d_{i}_depthwise/depthwise" if unit == "dw" else f"MobilenetV1/Conv2d_{i}_pointwise/Conv2D"
    return None


@pytest.mark.parametrize("alpha,resolution", [("1.0", "224"), ("0.75", "128")])
def test_v1_layers_equal_tf_slim_exactly(alpha, resolution):
    slim = _slim_rows(alpha, resolution)
    stats = api.model_stats("mobilenet_v1", width=float(alpha), resolution=int(resolution))
    ours = {_slim_name(r.name): (r.params, r.madds) for r in stats.layers if _slim_name(r.name)}
    assert ours == slim


def _conv_madds(module: torch.nn.Module, out_shape) -> int:
    """Textbook count: every output value needs k*k*(C_in/groups) multiply-adds."""
    if isinstance(module, torch.nn.Linear):
        return module.in_features * module.out_features
    kh, kw = module.kernel_size
    per_output = kh * kw * module.in_channels // module.groups
    n = 1
    for d in out_shape:
        n *= d
    return per_output * n


@pytest.mark.parametrize("name", ["mobilenet_v2", "mobilenet_v3_large", "mobilenet_v3_small"])
def test_madds_match_an_independent_formula(name):
    model = api.build_model(name)
    rows = analyze_layers(model, torch.zeros(1, 3, 224, 224))
    for row in rows:
        module = model.get_submodule(row.name)
        if isinstance(module, (torch.nn.Conv2d, torch.nn.Linear)):
            assert row.madds == _conv_madds(module, row.output_shape), row.name
        else:
            assert row.madds == 0, row.name
    assert {r.kind for r in rows} <= set(KINDS)
    assert sum(r.params for r in rows) == sum(p.numel() for p in model.parameters())


def test_kinds_cover_the_mobilenet_v3_vocabulary():
    kinds = {r.kind for r in api.model_stats("mobilenet_v3_large").layers}
    assert {"conv", "depthwise", "pointwise", "squeeze-excite", "fully connected",
            "batch-norm", "activation", "add", "pool"} <= kinds


def test_blocks_roll_up_the_layers():
    stats = api.model_stats("mobilenet_v2")
    assert sum(b.madds for b in stats.blocks) == stats.madds
    assert sum(b.params for b in stats.blocks) == stats.params
    titles = [b.title for b in stats.blocks]
    assert titles[0] == "stem" and titles[1] == "bneck 1" and "conv 1x1" in titles
    assert len([t for t in titles if t.startswith("bneck")]) == 17  # Table 2: 1+2+3+4+3+3+1


# The MobileNetV2 paper's Table 3 "max" row: V1 1600 Kb and V2 400 Kb at 16 bits per value,
# i.e. 800 K and 200 K values (112x112x64 and 112x112x16).
@pytest.mark.parametrize("name,paper_kbytes", [("mobilenet_v1", 1600), ("mobilenet_v2", 400)])
def test_table3_peak_memory_matches_the_paper(name, paper_kbytes):
    table3 = api.model_stats(name).table3
    assert table3.bytes == 2 * table3.elements
    assert abs(table3.bytes / 1000 - paper_kbytes) / paper_kbytes < 0.03
    largest = max(table3.per_resolution, key=lambda entry: entry[3])
    assert largest[:2] == (112, 112) and largest[3] == table3.bytes


def test_eager_peak_is_bounded_by_what_must_coexist():
    """A conv cannot run in place, so its input and output are alive together; nothing can exceed
    all activations plus the input."""
    model = api.build_model("mobilenet_v2")
    x = torch.zeros(1, 3, 224, 224)
    rows = analyze_layers(model, x)
    peak = eager_peak_bytes(model, x)
    stem = rows[0]
    lower = stem.activation_bytes + x.numel() * 4
    upper = sum(r.activation_bytes for r in rows) + x.numel() * 4
    assert lower <= peak <= upper
    assert peak == eager_peak_bytes(model, x)  # deterministic


def test_eager_peak_counts_activations_never_weights():
    """Hand count on conv -> flatten -> linear: the input, the conv output (flatten is a view of
    it) and the logits are alive at once; the linear's weight (and the transposed view of it that
    addmm gets) is not an activation, even though it is far larger than all of them."""
    from torch import nn

    conv = nn.Conv2d(3, 8, 3, padding=1, bias=False)
    linear = nn.Linear(8 * 16 * 16, 1000)
    model = nn.Sequential(conv, nn.Flatten(), linear).eval()
    x = torch.zeros(1, 3, 16, 16)
    fp32 = 4
    hand = (x.numel() + 8 * 16 * 16 + linear.out_features) * fp32
    assert eager_peak_bytes(model, x) == hand
    assert linear.weight.numel() * fp32 > 10 * hand  # the weight would dominate had it counted


def test_eager_peak_follows_width_and_resolution():
    """V2 0.35 at 96 px: its largest activation is a few hundred KB, its classifier weight 5 MB."""
    small = api.model_stats("mobilenet_v2", width=0.35, resolution=96)
    classifier_bytes = 1000 * 1280 * 4
    largest = max(r.activation_bytes for r in small.layers)
    assert small.peak_activation_bytes < classifier_bytes
    assert largest < small.peak_activation_bytes < 4 * largest + 3 * 96 * 96 * 4
    bigger = api.model_stats("mobilenet_v2", width=0.35, resolution=192)
    assert bigger.peak_activation_bytes > 3 * small.peak_activation_bytes


def test_layer_madds_unaffected_by_a_forward_pass_in_another_thread():
    """GUI pages run models in worker threads while the Models page counts; torch's module
    tracking is global, so this once moved FLOPs between layers (V2 read 289.9 M, not 300.8 M)."""
    import threading

    from engine.analysis.layers import analyze_layers
    from engine.api import build_model

    model = build_model("mobilenet_v2")
    example = torch.zeros(1, 3, 224, 224)
    quiet = [(r.name, r.madds) for r in analyze_layers(model, example)]
    stop = threading.Event()

    def other_thread() -> None:
        busy, x = build_model("mobilenet_v3_small", width=0.35), torch.zeros(1, 3, 96, 96)
        with torch.no_grad():
            while not stop.is_set():
                busy(x)

    thread = threading.Thread(target=other_thread)
    thread.start()
    try:
        loaded = [[(r.name, r.madds) for r in analyze_layers(model, example)] for _ in range(3)]
    finally:
        stop.set()
        thread.join()
    assert all(rows == quiet for rows in loaded)
