"""Cached exports (ONNX, TFLite): verified before every load, rebuilt when they fail, and never
kept for random weights.

Each file under `cache_dir()/exports/<kind>/` has a JSON sidecar with its sha256 and size,
written after the file (engine.files' atomic writes: data first, sidecar last), so an
interrupted export leaves no sidecar and is rebuilt. A bit-flipped or truncated file fails the
hash and is deleted and rebuilt, never handed to a runtime.

Exports of random weights (the profiler's and sweeps' latency-only models) go to one
temporary folder per process instead, removed when the process ends: each `profile` run used
to leave another ~10 MB file behind.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import tempfile
import threading
from collections.abc import Callable
from pathlib import Path

import torch
from torch import nn

from engine import files, paths
from engine.weights.cache import sha256_file, sidecar

_scratch: tempfile.TemporaryDirectory | None = None
# torch's exporters keep process-wide state (torch.onnx's GLOBALS.in_onnx_export): two threads
# exporting at once fail with "GLOBALS.in_onnx_export must be False" (the Live page's two lanes,
# or a task switch while the previous task's models still load). Every export in the process
# holds this lock; reentrant, so cached_export's writer may take it again.
EXPORT_LOCK = threading.RLock()
_legacy_dropped = False


def root() -> Path:
    return paths.cache_dir() / "exports"


def scratch_dir() -> Path:
    """This process's folder for exports that are not kept (deleted at exit)."""
    global _scratch
    if _scratch is None:
        _scratch = tempfile.TemporaryDirectory(prefix="mobilenet-studio-exports-")
    return Path(_scratch.name)


def fingerprint(network: nn.Module, *parts) -> str:
    """Hash of the weights and everything else that shapes the file (input shape, opset,
    versions): a cached file is reused only for exactly this network."""
    digest = hashlib.sha256(json.dumps([str(p) for p in parts] + [torch.__version__]).encode())
    for name, tensor in network.state_dict().items():
        digest.update(name.encode())
        digest.update(tensor.detach().contiguous().cpu().numpy().tobytes())
    return digest.hexdigest()[:16]


def verified(path: Path) -> bool:
    """The file exists and matches the sha256 and size its sidecar recorded."""
    try:
        record = json.loads(sidecar(path).read_text(encoding="utf-8"))
        return path.stat().st_size == record["bytes"] and sha256_file(path) == record["sha256"]
    except (OSError, ValueError, KeyError, TypeError):
        return False


def _drop_legacy() -> None:
    """Unverified exports of earlier versions (`cache_dir()/onnx`, one per profile run)."""
    global _legacy_dropped
    if not _legacy_dropped:
        _legacy_dropped = True
        shutil.rmtree(paths.cache_dir() / "onnx", ignore_errors=True)


def cached_export(kind: str, filename: str, write: Callable[[Path], object], *, keep: bool = True) -> Path:
    """The verified file `kind/filename`, written by `write(path)` when missing or when it
    fails verification. keep=False: in this process's scratch folder, not the user cache."""
    folder = (root() if keep else scratch_dir()) / kind
    path = folder / filename
    if verified(path):
        return path
    with EXPORT_LOCK:  # one export at a time; a thread that waited finds the file written
        return _export(kind, path, write, keep)


def _export(kind: str, path: Path, write: Callable[[Path], object], keep: bool) -> Path:
    if verified(path):
        return path
    if keep:
        _drop_legacy()
    path.unlink(missing_ok=True)
    sidecar(path).unlink(missing_ok=True)
    with files.atomic_path(path, make_parents=True) as tmp:
        write(tmp)
    record = {"sha256": sha256_file(path), "bytes": path.stat().st_size, "kind": kind}
    files.write_text(sidecar(path), json.dumps(record, indent=2) + "\n")
    return path
