"""Profiler mechanics (not speed: speed is measured in bench/)."""

from __future__ import annotations

import json

import pytest
import torch

from engine import api
from engine.errors import Cancelled, InvalidInput
from engine.models import catalog
from engine.profiling import latency
from engine.profiling.latency import profile_model, summarize


def test_summary_statistics_against_numpy():
    np = pytest.importorskip("numpy")
    samples = [5.0, 1.0, 3.0, 2.0, 4.0, 10.0, 6.0, 7.0, 8.0, 9.0, 11.0]
    t = summarize(samples)
    assert t.median == np.median(samples)
    assert t.p10 == pytest.approx(np.percentile(samples, 10))
    assert t.p90 == pytest.approx(np.percentile(samples, 90))
    assert t.runs == len(samples)


def test_profile_rows_follow_the_layer_table_and_json_contract(tmp_path):
    result = profile_model("mobilenet_v3_small", resolution=96, repeats=3, warmup=1, threads=1,
                           trace=tmp_path / "trace.json")
    stats = api.model_stats("mobilenet_v3_small", resolution=96)
    assert [layer.name for layer in result.layers] == [row.name for row in stats.layers]
    assert sum(layer.madds for layer in result.layers) == stats.madds
    assert all(layer.ms_median >= 0 for layer in result.layers)
    doc = result.to_json()
    assert {"model", "width", "resolution", "threads", "device", "path", "total_ms", "layer_sum_ms",
            "overhead_ms", "layers", "machine"} <= set(doc)
    assert {"median", "p10", "p90", "runs"} <= set(doc["total_ms"])
    assert {"name", "kind", "ms_median", "madds", "params"} <= set(doc["layers"][0])
    assert {"cpu", "cores", "torch", "threads", "device"} <= set(doc["machine"])
    assert doc["overhead_ms"] == pytest.approx(doc["total_ms"]["median"] - doc["layer_sum_ms"])
    trace = json.loads((tmp_path / "trace.json").read_text())
    names = {event.get("name") for event in trace["traceEvents"]}
    assert {"features.0.0", "classifier.3"} <= names  # trace ranges carry the layer names


def test_hooks_are_removed_even_when_cancelled(monkeypatch):
    built = {}
    real_build = api.build_model

    def keep(*args, **kwargs):
        built["model"] = real_build(*args, **kwargs)
        return built["model"]

    monkeypatch.setattr(catalog, "build_model", keep)  # where profile_model looks it up
    calls = []
    with pytest.raises(Cancelled):
        profile_model("mobilenet_v3_small", resolution=64, repeats=5, warmup=1,
                      should_stop=lambda: len(calls) > 8, progress=lambda d, t: calls.append(d))
    for module in built["model"].modules():
        assert not module._forward_hooks and not module._forward_pre_hooks


def test_threads_are_restored():
    before = torch.get_num_threads()
    profile_model("mobilenet_v3_small", resolution=64, repeats=3, warmup=0, threads=1)
    assert torch.get_num_threads() == before


@pytest.mark.parametrize("kwargs,expected", [
    ({"threads": 0}, "threads 0 is out of range"),
    ({"repeats": 1}, "repeats 1 is out of range; valid: 3 to"),
    ({"device": "tpu"}, "valid: cpu, cuda"),
])
def test_bad_profile_arguments(kwargs, expected):
    with pytest.raises(InvalidInput) as info:
        profile_model("mobilenet_v2", **kwargs)
    assert expected in str(info.value)


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
def test_cuda_path_uses_events():
    result = profile_model("mobilenet_v2", repeats=5, device="cuda")
    assert result.device.startswith("cuda") and result.total_ms.median > 0
    assert "gpu" in result.machine


def test_clock_is_wall_time_on_cpu():
    clock = latency._Clock(torch.device("cpu"))
    start = clock.mark()
    end = clock.mark()
    assert 0 <= clock.elapsed_ms(start, end) < 1000


def test_unknown_inference_path_lists_the_valid_ones():
    with pytest.raises(InvalidInput, match="unknown inference path 'turbo'; valid: bf16, fast, int8, litert, onnxruntime, openvino, openvino-bf16, openvino-int8, reference"):
        profile_model("mobilenet_v3_small", resolution=64, repeats=3, path="turbo")


def test_whole_model_only_has_no_layer_rows_but_keeps_the_cost():
    result = profile_model("mobilenet_v3_small", resolution=64, repeats=3, warmup=0, threads=1, per_layer=False)
    stats = api.model_stats("mobilenet_v3_small", resolution=64)
    assert result.layers == () and result.layer_sum_ms is None and result.overhead_ms is None
    assert (result.madds, result.params) == (stats.madds, stats.params)
    assert result.path == "reference" and result.total_ms.runs == 3


def test_profile_cli_json_contract_and_saving(capsys):
    from engine.cli import main
    from engine.results import ResultsDB
    from engine.runtime import fastest_exact_path

    argv = ["profile", "mobilenet_v3_small", "--resolution", "64", "--repeats", "3", "--threads", "1", "--json"]
    assert main(argv) == 0
    doc = json.loads(capsys.readouterr().out)
    assert list(doc)[:11] == ["model", "width", "resolution", "threads", "device", "path", "total_ms",
                              "layer_sum_ms", "overhead_ms", "layers", "machine"]
    assert (doc["model"], doc["width"], doc["resolution"], doc["threads"], doc["device"], doc["path"]) == (
        "mobilenet_v3_small", 1.0, 64, 1, "cpu", fastest_exact_path())  # the default path, as in the live view
    assert {"median", "p10", "p90", "runs"} <= set(doc["total_ms"]) and doc["total_ms"]["runs"] == 3
    assert {"name", "kind", "ms_median", "madds", "params"} <= set(doc["layers"][0])
    assert doc["layer_sum_ms"] == pytest.approx(sum(layer["ms_median"] for layer in doc["layers"]))
    with ResultsDB() as db:
        (run,) = db.runs()
        assert run.total_ms.median == doc["total_ms"]["median"]
        assert [lt.name for lt in db.layers(run.uuid)] == [layer["name"] for layer in doc["layers"]]
    assert main(argv + ["--no-save"]) == 0
    with ResultsDB() as db:
        assert len(db.runs()) == 1


@pytest.mark.parametrize("path", ["fast", "int8", "onnxruntime"])
def test_every_runtime_path_can_be_profiled_and_says_which_ran(path):
    """engine.runtime's paths plug into the profiler, every one with per-layer rows under the
    layer table's names: torch paths by hooks, onnxruntime from its own per-node profile."""
    from engine.api import model_stats, profile_model

    result = profile_model("mobilenet_v3_small", width=0.5, resolution=96, threads=1, repeats=3, warmup=1, path=path)
    assert result.path == path
    assert result.total_ms.median > 0
    names = {row.name for row in model_stats("mobilenet_v3_small", width=0.5, resolution=96).layers}
    assert result.layers and {layer.name for layer in result.layers} <= names
    assert 0 < result.layer_sum_ms < 3 * result.total_ms.median


def test_fingerprint_names_the_onednn_build_torch_reports():
    """torch prints its oneDNN as "oneDNN vX" or, in 2.13, "MKL-DNN vX"; either is found."""
    import re

    import torch

    from engine.profiling.machine import fingerprint

    shown = re.search(r"(?:oneDNN|MKL-DNN) v([\d.]+)", torch.__config__.show())
    expected = shown.group(1) if shown else None
    assert fingerprint(threads=1, device="cpu", backend="torch eager")["onednn"] == expected
