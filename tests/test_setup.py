"""The set-up itself: a failed install stops `make`, and the README's dependency list is complete."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.skipif(shutil.which("make") is None or shutil.which("bash") is None, reason="needs make and bash")
def test_a_failed_pip_install_stops_make(tmp_path):
    """`make venv` with a Python whose pip fails (and which imports everything else fine): make must
    stop with pip's message and leave no stamp, instead of carrying on to a half-installed .venv."""
    venv = tmp_path / "venv"
    venv.mkdir()
    python = tmp_path / "python"
    python.write_text('#!/bin/sh\ncase "$*" in *"pip install"*) echo "ERROR: the package index is down" >&2; exit 1;; esac\n'
                      f'exec "{sys.executable}" "$@"\n')
    python.chmod(0o755)
    run = subprocess.run(["make", "--no-print-directory", "venv", f"VENV={venv}", f"PY={python}"], cwd=ROOT,
                         capture_output=True, text=True, timeout=120)
    assert run.returncode != 0, run.stdout + run.stderr
    assert "the package index is down" in run.stdout + run.stderr
    assert not (venv / ".installed").exists()


def test_readme_names_every_dependency():
    tomllib = pytest.importorskip("tomllib")  # Python 3.11+
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    names = [*project["dependencies"], *(r for extra in project["optional-dependencies"].values() for r in extra)]
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    listed = readme.split("Dependencies (pyproject.toml):", 1)[1].split("\n\n", 1)[0]
    for requirement in names:
        name = re.match(r"[A-Za-z0-9][A-Za-z0-9._-]*", requirement).group(0)
        assert name.lower() in listed.lower(), f"README's dependency list lacks {name}"
