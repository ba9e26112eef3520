"""The engine must stay Qt-free: importing every engine module loads no Qt, pyqtgraph or gui."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
FORBIDDEN = ("PySide6", "shiboken6", "pyqtgraph", "PyQt5", "PyQt6", "gui")

PROBE = """
import importlib, json, pkgutil, sys
import engine, engine.api
for info in pkgutil.walk_packages(engine.__path__, "engine."):
    if not info.name.endswith("__main__"):
        importlib.import_module(info.name)
print(json.dumps(sorted(sys.modules)))
"""


def test_importing_the_engine_loads_no_qt():
    result = subprocess.run([sys.executable, "-c", PROBE], cwd=ROOT, capture_output=True, text=True,
                            timeout=300, env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"})
    assert result.returncode == 0, result.stderr
    modules = json.loads(result.stdout.strip().splitlines()[-1])
    assert any(m.startswith("engine.models") for m in modules)  # the probe really imported it
    loaded = [m for m in modules if m.split(".")[0] in FORBIDDEN]
    assert loaded == [], f"engine imports pulled in {loaded}"
