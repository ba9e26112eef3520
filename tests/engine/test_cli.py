"""The CLI contract (DESIGN.md section 3): JSON documents, exit status 2 with one line."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from engine import api


def cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "engine.cli", *args], capture_output=True, text=True, timeout=300
    )


def test_models_json_lists_every_registered_model():
    result = cli("models", "--json")
    assert result.returncode == 0, result.stderr
    names = [m["name"] for m in json.loads(result.stdout)]
    assert names == [info.name for info in api.list_models()]
    assert {"mobilenet_v1", "mobilenet_v2", "mobilenet_v3_large", "mobilenet_v3_small"} <= set(names)


def test_stats_json_document():
    result = cli("stats", "mobilenet_v3_small", "--width", "0.75", "--resolution", "160", "--json")
    assert result.returncode == 0, result.stderr
    doc = json.loads(result.stdout)
    assert {"model", "width", "resolution", "madds", "params", "peak_activation_bytes", "layers"} <= set(doc)
    assert (doc["model"], doc["width"], doc["resolution"]) == ("mobilenet_v3_small", 0.75, 160)
    direct = api.model_stats("mobilenet_v3_small", width=0.75, resolution=160)
    assert doc["madds"] == direct.madds and doc["params"] == direct.params
    assert sum(layer["madds"] for layer in doc["layers"]) == doc["madds"]
    assert "multiply-accumulates" in doc["conventions"]["madds"]
    assert doc["peak_activation_table3"]["bytes_16bit"] == 2 * doc["peak_activation_table3"]["elements"]


def test_stats_options_reach_the_model():
    plain = json.loads(cli("stats", "mobilenet_v3_large", "--json").stdout)
    reduced = json.loads(cli("stats", "mobilenet_v3_large", "--option", "reduced_tail", "--json").stdout)
    assert reduced["options"] == {"reduced_tail": True}
    assert reduced["params"] < plain["params"]


@pytest.mark.parametrize(
    "args,expected",
    [
        (["stats", "resnet50"], "unknown model 'resnet50'; valid: "),
        (["stats", "mobilenet_v2", "--width", "-1"], "width -1 is out of range; valid: 0.1 to 3"),
        (["stats", "mobilenet_v2", "--width", "1e9"], "valid: 0.1 to 3"),
        (["stats", "mobilenet_v2", "--resolution", "10"], "valid: 32 to 2048 px"),
        (["stats", "mobilenet_v2", "--resolution", "99999"], "valid: 32 to 2048 px"),
        (["stats", "mobilenet_v2", "--option", "dilated"], "unknown option for mobilenet_v2"),
        (["stats", "mobilenet_v2", "--width", "wide"], "invalid float value: 'wide'"),
        (["frobnicate"], "invalid choice: 'frobnicate'"),
        ([], "a command is required"),
    ],
)
def test_bad_input_exits_2_with_one_line(args, expected):
    result = cli(*args)
    assert result.returncode == 2
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and expected in lines[0], result.stderr
    assert "Traceback" not in result.stderr
