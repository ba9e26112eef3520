"""Run every bench module's `main()` in name order (`python -m bench [NAME ...]` for a subset)."""

from __future__ import annotations

import importlib
import pkgutil
import sys

import bench


def main(argv: list[str]) -> int:
    names = sorted(m.name for m in pkgutil.iter_modules(bench.__path__) if not m.name.startswith("_"))
    chosen = argv or names
    unknown = sorted(set(chosen) - set(names))
    if unknown:
        print(f"error: unknown bench {', '.join(unknown)}; valid: {', '.join(names)}", file=sys.stderr)
        return 2
    for name in chosen:
        module = importlib.import_module(f"bench.{name}")
        if hasattr(module, "main"):
            print(f"=== bench.{name} ===", flush=True)
            module.main()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
