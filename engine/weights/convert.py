"""Converters: a manifest entry names one by key; it turns the verified source file into a
PyTorch state dict for the entry's model.

A converter is `callable(src_path: Path, dst_path: Path) -> None`; it writes a file that
`torch.load(dst, weights_only=True)` reads as a state dict fitting the catalog model (the
cache writes dst to a temp name and moves it into place, so a converter need not be atomic).

Converters live in modules of the package `engine.weights.converters` (e.g. tf_graphdef.py,
tflite.py), found when first needed, as the CLI finds its subcommands. A module either calls
`register_converter("key")` on its function, or defines `convert(src_path, dst_path)`, which is
then registered under the module's name. Keep such modules cheap to import (import heavy
libraries inside the function).
"""

from __future__ import annotations

import importlib
import pkgutil
import shutil
from collections.abc import Callable
from pathlib import Path

from engine.registry import Registry

Converter = Callable[[Path, Path], None]
CONVERTERS: Registry[Converter] = Registry("converter")
_discovered = False
_broken: dict[str, str] = {}  # module name -> why it failed to import


def register_converter(key: str) -> Callable[[Converter], Converter]:
    """Decorator: `@register_converter("tflite")` on a `(src_path, dst_path)` function."""
    return CONVERTERS.register(key)


COPIES = frozenset({"torch-state-dict"})  # converters whose output is the source byte for byte


@register_converter("torch-state-dict")
def copy_state_dict(src_path: Path, dst_path: Path) -> None:
    """torchvision's checkpoints already are state dicts with our module names: a plain copy."""
    shutil.copyfile(src_path, dst_path)


def discover() -> None:
    """Import every module of engine.weights.converters once (they register themselves)."""
    global _discovered
    if _discovered:
        return
    _discovered = True
    try:
        package = importlib.import_module("engine.weights.converters")
    except ModuleNotFoundError:
        return
    for mod in sorted(pkgutil.iter_modules(package.__path__), key=lambda m: m.name):
        try:
            module = importlib.import_module(f"{package.__name__}.{mod.name}")
        except Exception as exc:  # one broken converter must not break listing or the others
            _broken[mod.name] = f"{type(exc).__name__}: {exc}"
            continue
        if mod.name not in CONVERTERS and callable(getattr(module, "convert", None)):
            CONVERTERS.add(mod.name, module.convert)


def converter_for(key: str) -> Converter | None:
    """The converter registered under `key`, or None when this version has none yet."""
    discover()
    return CONVERTERS.get(key) if key in CONVERTERS else None


def why_missing(key: str) -> str:
    """A short reason for a missing converter, for messages."""
    discover()
    if key in _broken:
        return f"converter module {key!r} failed to import ({_broken[key]})"
    return f"converter {key!r} is not available in this version (known: {', '.join(CONVERTERS.names())})"
