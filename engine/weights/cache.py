"""The weights cache: converted files and verified source files, each with a JSON sidecar that
records its sha256, re-checked before every use.

Layout under `engine.paths.cache_dir() / "weights"`:
    <entry>.pth, <entry>.pth.json             converted state dict + sidecar
    sources/<entry>/<file>, <file>.json       verified source waiting for its converter

Every file is written to a temporary name in the same folder and moved into place with
os.replace, data first and sidecar last: an interrupted write leaves no sidecar (or an old one
that no longer matches), so a half file is never taken for a good one.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from engine import paths
from engine.files import atomic_path, clean_stale, write_text

CHUNK = 1 << 20


def root() -> Path:
    return paths.cache_dir() / "weights"


def converted_path(name: str, suffix: str = ".pth") -> Path:
    """The cached file of a manifest entry (a state dict; a demo video or sample set keeps its
    own suffix, see WeightEntry.suffix)."""
    return root() / f"{name}{suffix}"


def source_path(name: str, file: str) -> Path:
    return root() / "sources" / name / file


def sidecar(path: Path) -> Path:
    return path.with_name(path.name + ".json")


def sha256_file(path: Path, on_chunk: Callable[[int], None] | None = None) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        while block := f.read(CHUNK):
            digest.update(block)
            if on_chunk:
                on_chunk(len(block))
    return digest.hexdigest()


def atomic_target(final: Path):
    """A temporary path next to `final`, moved onto it only if the block succeeds (engine.files)."""
    return atomic_path(final, make_parents=True)


def write_json_atomic(path: Path, doc: dict) -> None:
    write_text(path, json.dumps(doc, indent=2) + "\n", make_parents=True)


class CacheStatus(StrEnum):
    MISSING = "missing"
    OK = "ok"
    CORRUPT = "corrupt"  # `detail` says why


@dataclass(frozen=True, kw_only=True)
class CacheState:
    """What the cache holds for one file: missing, good, or corrupt (with why)."""

    path: Path
    status: CacheStatus
    detail: str = ""
    record: dict | None = None

    @property
    def ok(self) -> bool:
        return self.status == CacheStatus.OK


def record(path: Path, **info) -> dict:
    """Write the sidecar for a file already in place: its own sha256 and size, plus `info`."""
    doc = {"file": path.name, "sha256": sha256_file(path), "size": path.stat().st_size,
           "created": time.strftime("%Y-%m-%dT%H:%M:%S%z"), **info}
    write_json_atomic(sidecar(path), doc)
    return doc


def check(path: Path) -> CacheState:
    """Re-hash a cached file against its sidecar."""
    meta = sidecar(path)
    if not path.is_file() and not meta.is_file():
        return CacheState(path=path, status=CacheStatus.MISSING)
    if not meta.is_file():
        return CacheState(path=path, status=CacheStatus.CORRUPT, detail="no sidecar (an interrupted write?)")
    if not path.is_file():
        return CacheState(path=path, status=CacheStatus.CORRUPT, detail="sidecar without its file")
    try:
        doc = json.loads(meta.read_text(encoding="utf-8"))
        expected, size = doc["sha256"], int(doc["size"])
    except (ValueError, KeyError, TypeError):
        return CacheState(path=path, status=CacheStatus.CORRUPT, detail="unreadable sidecar")
    actual_size = path.stat().st_size
    if actual_size != size:
        return CacheState(path=path, status=CacheStatus.CORRUPT, detail=f"size {actual_size} bytes, recorded {size}")
    actual = sha256_file(path)
    if actual != expected:
        return CacheState(path=path, status=CacheStatus.CORRUPT,
                          detail=f"sha256 {actual[:12]}..., recorded {expected[:12]}...")
    return CacheState(path=path, status=CacheStatus.OK, record=doc)


def remove(path: Path) -> None:
    path.unlink(missing_ok=True)
    sidecar(path).unlink(missing_ok=True)
    if path.parent != root() and path.parent.is_dir() and not any(path.parent.iterdir()):
        path.parent.rmdir()  # an emptied sources/<entry>/ folder


def clean_partials(folder: Path) -> None:
    """Drop temporary files an interrupted run left behind (engine.files.clean_stale: those whose
    process is gone; a fetch running in another process keeps its own)."""
    clean_stale(folder, legacy=True)
