"""The `kernels` CLI: one JSON document, exit 2 with one line on bad input."""

from __future__ import annotations

import json
import subprocess
import sys


def cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "engine.cli", "kernels", *args],
                          capture_output=True, text=True, timeout=300)


def test_symconv_json():
    result = cli("symconv", "--grid", "24", "20", "--op-size", "5", "--velocity", "layered", "--repeats", "1",
                 "--json")
    assert result.returncode == 0, result.stderr
    doc = json.loads(result.stdout)
    assert [r["method"] for r in doc["runs"]] == ["simple", "symmetric2d", "circle", "cache"]
    assert all(r["max_rel_error"] < 1e-5 for r in doc["runs"])


def test_separable_custom_layer_table():
    result = cli("separable", "--layer", "3", "8", "16", "12", "--repeats", "1")
    assert result.returncode == 0, result.stderr
    assert "custom" in result.stdout and f"{1 / (1 / 16 + 1 / 9):.2f}" in result.stdout


def test_bad_input_exits_2_with_one_line():
    for args in (("symconv", "--op-size", "6"),
                 ("symconv", "--velocity", "marble", "--grid", "16", "16", "--op-size", "5"),
                 ("symconv", "--method", "fft", "--grid", "16", "16", "--op-size", "5")):
        result = cli(*args)
        assert result.returncode == 2, args
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("error:"), result.stderr
