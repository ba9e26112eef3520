"""The fastest exact path is chosen by measurement and cached per model, size, threads and
machine (no speed is asserted: which path wins is the machine's business)."""

from __future__ import annotations

import json

from engine import paths
from engine.profiling.latency import profile_model
from engine.runtime import EXACT_PATHS, PER_LAYER_PATHS, available_paths
from engine.tradeoffs.fastest import cached_choice, default_path, measure_fastest


def test_measured_choice_is_the_fastest_exact_path_and_is_cached():
    name = "mobilenet_v3_small"
    assert cached_choice(name, 64, 1) is None and default_path(name, 64, 1) == "onnxruntime"  # nothing measured yet
    choice = measure_fastest(name, 64, 1, repeats=5)
    expected = {p for p in EXACT_PATHS if p != "reference" and p in available_paths(name)}
    assert set(choice.medians_ms) == expected
    assert choice.path == min(choice.medians_ms, key=choice.medians_ms.get)
    again = cached_choice(name, 64, 1)
    assert again == choice  # stored per model, size, threads and machine ...
    assert cached_choice(name, 96, 1) is None and cached_choice(name, 64, 2) is None  # ... and only for them
    assert default_path(name, 64, 1) == choice.path
    per_layer = default_path(name, 64, 1, per_layer=True)
    assert per_layer in PER_LAYER_PATHS
    usable = {p: ms for p, ms in choice.medians_ms.items() if p in PER_LAYER_PATHS}
    assert per_layer == min(usable, key=usable.get)
    stored = json.loads((paths.cache_dir() / "fastest_paths.json").read_text())
    assert [v["path"] for v in stored.values()] == [choice.path]


def test_a_profile_records_the_machine_load_around_it():
    result = profile_model("mobilenet_v3_small", resolution=64, repeats=3, warmup=0, threads=1, per_layer=False)
    doc = result.to_json()
    assert len(result.load) == 2 and all(v >= 0 for v in result.load)
    assert (doc["load_before"], doc["load_after"]) == result.load and doc["busy"] == result.busy


def test_sweep_runs_on_the_path_asked_and_says_which(capsys):
    from engine.cli import main
    from engine.results import ResultsDB
    from engine.runtime import supports_bf16

    argv = ["sweep", "--models", "mobilenet_v3_small", "--widths", "0.35", "--resolutions", "32", "--threads", "1",
            "--repeats", "3", "--json"]
    assert main([*argv, "--path", "onnxruntime"]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["path"] == "onnxruntime" and summary["measured"] == 1 and isinstance(summary["busy"], list)
    assert main([*argv, "--path", "fast"]) == 0  # another path is another series: measured again
    assert json.loads(capsys.readouterr().out)["measured"] == 1
    with ResultsDB() as db:
        assert sorted(r.path for r in db.runs()) == ["fast", "onnxruntime"]
    if not supports_bf16():
        assert main([*argv, "--path", "bf16"]) == 2
        assert "no native bfloat16" in capsys.readouterr().err
