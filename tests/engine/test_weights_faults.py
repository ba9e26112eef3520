"""Hostile weights (issue 18): a pickle that would run code is refused in one line (no torch
warning first), and a cached copy of a published checkpoint whose bytes and sidecar were both
rewritten is caught by the manifest's hash, never loaded, and the GUI's runners say why."""

from __future__ import annotations

import hashlib
import json
import os
import pickle
import shutil
import subprocess
import sys
from pathlib import Path

import cv2
import numpy as np
import torch

from engine.tasks import cached_weights, untrained_reason
from engine.weights import cache, fetch, manifest
from tests.conftest import SHIPPED_CLASSIFIER

ROOT = Path(__file__).resolve().parents[2]


class RunsCode:
    def __reduce__(self):
        return (os.system, ("echo pwned",))


def test_a_code_running_pickle_is_one_line(tmp_path):
    (tmp_path / "evil.pkl").write_bytes(pickle.dumps(RunsCode()))
    cv2.imwrite(str(tmp_path / "i.png"), np.zeros((64, 64, 3), np.uint8))
    proc = subprocess.run([sys.executable, "-m", "engine.cli", "classify", str(tmp_path / "i.png"), "--weights",
                           str(tmp_path / "evil.pkl")], cwd=ROOT, capture_output=True, text=True, timeout=300,
                          env={**os.environ, "PYTHONWARNINGS": "default"})
    assert proc.returncode == 2 and "pwned" not in proc.stdout
    assert proc.stderr.strip().splitlines() == [
        f"error: checkpoint {tmp_path / 'evil.pkl'} is not a readable PyTorch file (UnpicklingError)"]


def test_a_tampered_copy_with_a_rewritten_sidecar_is_not_loaded(real_weights, tmp_path, monkeypatch):
    entry = manifest.get(SHIPPED_CLASSIFIER)
    assert entry.converter == "torch-state-dict"  # cached as published, byte for byte
    published = cache.converted_path(entry.name, entry.suffix)
    monkeypatch.setenv("MOBILENET_STUDIO_HOME", str(tmp_path))  # a home of our own to damage
    mine = cache.converted_path(entry.name, entry.suffix)
    mine.parent.mkdir(parents=True)
    shutil.copyfile(published, mine)
    shutil.copyfile(cache.sidecar(published), cache.sidecar(mine))
    assert fetch.cached_state(entry).ok and cached_weights("mobilenet_v2") == "default"

    state = torch.load(mine, weights_only=True)
    first = next(iter(state))
    state[first] = torch.ones_like(state[first])  # edited weights...
    torch.save(state, mine)
    doc = json.loads(cache.sidecar(mine).read_text())
    doc["sha256"] = hashlib.sha256(mine.read_bytes()).hexdigest()  # ...and a sidecar rewritten to fit them
    doc["size"] = mine.stat().st_size
    cache.sidecar(mine).write_text(json.dumps(doc))
    assert cache.check(mine).ok  # the sidecar alone would accept it

    bad = fetch.cached_state(entry)
    assert bad.status == "corrupt" and "is not the published file's" in bad.detail
    assert cached_weights("mobilenet_v2") is None
    assert "are corrupt" in untrained_reason("mobilenet_v2") and entry.name in untrained_reason("mobilenet_v2")


def test_no_reason_when_nothing_was_ever_fetched():
    assert untrained_reason("mobilenet_v2") == ""
