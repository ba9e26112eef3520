"""`make test` offline, on a machine whose weights were never fetched: a test that needs the real
shipped weights is skipped with the reason, never failed. Run as a child pytest with an empty
home and a package index nobody answers (as tests/engine/test_weights.py does for fetch itself)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
NEEDS_WEIGHTS = "tests/engine/test_weights_real.py::test_cached_default_weights_are_torchvisions_file"


@pytest.mark.slow
def test_weights_tests_skip_with_the_reason_offline(tmp_path):
    env = dict(os.environ, MOBILENET_STUDIO_HOME=str(tmp_path / "never-fetched"),
               PIP_INDEX_URL="http://127.0.0.1:9/", PIP_CONFIG_FILE=os.devnull)
    for var in ("PIP_FIND_LINKS", "PIP_NO_INDEX", "PIP_EXTRA_INDEX_URL"):
        env.pop(var, None)
    run = subprocess.run([sys.executable, "-m", "pytest", "-q", "-rs", "-p", "no:cacheprovider", NEEDS_WEIGHTS],
                         cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "1 skipped" in run.stdout, run.stdout
    assert "needs the shipped weights mobilenet_v2.imagenet1k_v1" in run.stdout
    assert "weights fetch --shipped" in run.stdout
