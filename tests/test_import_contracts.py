"""The dependency rules of DESIGN.md §2, checked on every `make test`.

import-linter runs the contracts in .importlinter (grimp's graph holds every import statement,
those inside functions included). Its acyclic_siblings contract does not see a package's
`__init__` and one of its own modules importing each other, so the module-level graph is also
checked here for any cycle at all.
"""

from __future__ import annotations

import graphlib
from pathlib import Path

import grimp
from importlinter.cli import lint_imports

ROOT = Path(__file__).resolve().parents[1]


def import_cycle(package: str) -> tuple[str, ...] | None:
    """One import cycle among `package`'s modules (every import statement counts), or None."""
    graph = grimp.build_graph(package, cache_dir=None)
    order = graphlib.TopologicalSorter({m: graph.find_modules_directly_imported_by(m) for m in graph.modules})
    try:
        order.prepare()
    except graphlib.CycleError as exc:
        return tuple(exc.args[1])
    return None


def test_import_linter_contracts_are_kept(monkeypatch, capsys):
    monkeypatch.chdir(ROOT)
    code = lint_imports(config_filename=str(ROOT / ".importlinter"), no_cache=True)
    assert code == 0, capsys.readouterr().out  # the report names each broken contract and import


def test_the_engine_has_no_import_cycle():
    assert import_cycle("engine") is None


def test_a_cycle_through_a_package_init_or_a_late_import_is_found(tmp_path, monkeypatch):
    pkg = tmp_path / "cyclic_probe"
    pkg.mkdir()
    monkeypatch.syspath_prepend(str(tmp_path))
    (pkg / "__init__.py").write_text("from cyclic_probe.a import f\n")
    (pkg / "a.py").write_text("def f():\n    import cyclic_probe\n    return cyclic_probe\n")
    assert set(import_cycle("cyclic_probe") or ()) == {"cyclic_probe", "cyclic_probe.a"}
    (pkg / "__init__.py").write_text("")
    (pkg / "b.py").write_text("import cyclic_probe.c\n")
    (pkg / "c.py").write_text("def g():\n    from cyclic_probe import b\n    return b\n")
    assert set(import_cycle("cyclic_probe") or ()) == {"cyclic_probe.b", "cyclic_probe.c"}
    (pkg / "c.py").write_text("")
    assert import_cycle("cyclic_probe") is None
