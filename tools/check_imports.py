"""Import every dependency mobilenet-studio declares (pyproject.toml, as installed: runtime and the
given extras), so a set-up that skipped or broke one stops here, naming it, and not later inside
the app. Run by `make` after installing; no list of modules is typed in anywhere.

    python tools/check_imports.py [EXTRA ...]
"""

from __future__ import annotations

import importlib
import importlib.util
import re
import sys
import warnings
from importlib import metadata

DIST = "mobilenet-studio"


def _normal(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def requirements(extras: list[str]) -> list[str]:
    """Distribution names this project requires: the runtime ones and those of `extras`."""
    names = []
    for req in metadata.requires(DIST) or []:
        name = re.match(r"[A-Za-z0-9][A-Za-z0-9._-]*", req).group(0)
        extra = re.search(r"""extra\s*==\s*["']([^"']+)["']""", req)
        if extra is None or extra.group(1) in extras:
            names.append(name)
    return names


def import_names(dists: list[str]) -> dict[str, list[str]]:
    """Distribution -> the top-level modules it installs (private ones, `_name`, left out)."""
    provided: dict[str, list[str]] = {_normal(d): [] for d in dists}
    for module, owners in metadata.packages_distributions().items():
        for owner in owners:
            if _normal(owner) in provided and not module.startswith("_") and module.isidentifier():
                provided[_normal(owner)].append(module)
    return {d: sorted(provided[_normal(d)]) for d in dists}


def main(argv: list[str]) -> int:
    failures = []
    for dist, names in import_names(requirements(argv)).items():
        # a name the metadata lists but no file provides is left out (PySide6 lists a "Shiboken")
        modules = [m for m in names if importlib.util.find_spec(m) is not None]
        if not modules:
            failures.append(f"{dist} (not installed)")
        for module in modules:
            try:
                with warnings.catch_warnings():  # deprecation notices (pkg_resources...) are not failures
                    warnings.simplefilter("ignore")
                    importlib.import_module(module)
            except Exception as exc:  # any failure to import is the finding
                failures.append(f"{dist} (import {module}: {type(exc).__name__}: {exc})")
    if failures:
        print(f"error: dependencies that do not import: {'; '.join(failures)}", file=sys.stderr)
        return 1
    print(f"all {len(import_names(requirements(argv)))} dependencies import")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
