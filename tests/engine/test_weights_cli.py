"""`mobilenet-studio weights ...` from the command line (in-process)."""

from __future__ import annotations

import json
import os
import time

from engine.cli import main
from engine.weights import manifest


def _offline(monkeypatch) -> None:
    monkeypatch.setenv("PIP_INDEX_URL", "http://127.0.0.1:9/")
    monkeypatch.setenv("PIP_CONFIG_FILE", os.devnull)
    for var in ("PIP_FIND_LINKS", "PIP_NO_INDEX", "PIP_EXTRA_INDEX_URL", "no_proxy", "NO_PROXY"):
        monkeypatch.delenv(var, raising=False)
    for var in ("https_proxy", "HTTPS_PROXY"):
        monkeypatch.setenv(var, "http://127.0.0.1:9")


def test_list_json_has_every_entry_with_state_licence_and_metrics(capsys):
    assert main(["weights", "list", "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    rows = {row["name"]: row for row in doc["weights"]}
    assert set(rows) == {e.name for e in manifest.entries()}
    v2 = rows["mobilenet_v2.imagenet1k_v1"]
    assert v2["status"] == "not cached" and v2["shipped"] and v2["licence"].startswith("BSD-3-Clause")
    assert v2["metrics"]["acc1"] == 71.878 and v2["metrics"]["acc5"] == 90.286  # torchvision.csv


def test_fetch_offline_fails_fast_with_one_line_saying_what_to_do(monkeypatch, capsys):
    _offline(monkeypatch)
    started = time.monotonic()
    assert main(["weights", "fetch", "mobilenet_v3_large.imagenet1k_v1"]) == 1
    assert time.monotonic() - started < 15
    err = capsys.readouterr().err.strip().splitlines()
    assert err[-1].startswith("error: ") and "weights import mobilenet_v3_large.imagenet1k_v1 PATH" in err[-1]


def test_fetch_needs_exactly_one_of_name_or_shipped(capsys):
    assert main(["weights", "fetch"]) == 2
    assert main(["weights", "fetch", "nope"]) == 2
    err = capsys.readouterr().err
    assert "mobilenet_v2.imagenet1k_v1" in err and "Traceback" not in err


def test_import_of_a_missing_file_is_one_line(tmp_path, capsys):
    assert main(["weights", "import", "mobilenet_v2", str(tmp_path / "nope.pth")]) == 2
    assert capsys.readouterr().err.count("\n") == 1
