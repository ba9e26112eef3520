"""Which sweep is measuring which point, so that two sweeps on one results database share the
work instead of measuring the same configuration twice (issue 16, bad input).

A claim is a small file created with O_CREAT|O_EXCL (atomic on every local file system) in a
folder beside the database, named by a hash of what is measured (machine, threads, path, model,
width, resolution, options). It holds the claimer's host and process id. A claim whose process is
gone on this host (a sweep killed with kill -9), or that is older than CLAIM_TTL_S (a process on
another host sharing the file), is stale and is taken over. The claim is removed when the block
ends, measured or not, so a cancelled sweep leaves its points to the next one.
"""

from __future__ import annotations

import hashlib
import json
import os
import socket
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from engine.files import process_alive

CLAIM_TTL_S = 3600.0  # far longer than one point takes; only for claims of another host


def claims_dir(db_path: Path) -> Path:
    return db_path.with_name(db_path.name + ".claims")


def claim_file(db_path: Path, key: tuple) -> Path:
    digest = hashlib.sha256(json.dumps(key, sort_keys=True, default=str).encode()).hexdigest()[:32]
    return claims_dir(db_path) / f"{digest}.claim"


def _stale(path: Path) -> bool:
    """A claim nobody is working on any more."""
    try:
        age = time.time() - path.stat().st_mtime
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return True
    except OSError:
        return False  # unreadable: leave it to its owner
    try:
        holder = json.loads(text)
        if holder.get("host") == socket.gethostname():
            return not process_alive(int(holder["pid"]))
    except (AttributeError, KeyError, TypeError, ValueError):  # half-written: being written, or its writer was killed
        return age > 5.0
    return age > CLAIM_TTL_S  # another host's process: only its age tells


def _create(path: Path) -> bool:
    try:
        fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
    except FileExistsError:
        return False
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        json.dump({"host": socket.gethostname(), "pid": os.getpid(), "at": time.time()}, fh)
    return True


@contextmanager
def claimed(db_path: Path, key: tuple) -> Iterator[bool]:
    """True (and the claim held until the block ends) when nobody else is measuring `key`;
    False when a live sweep holds it. Folder errors give True: claims only prevent duplicate
    work, they must never stop a sweep."""
    path = claim_file(db_path, key)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        mine = _create(path)
        if not mine and _stale(path):  # (two sweeps taking over one stale claim at once may both win: rare, harmless)
            path.unlink(missing_ok=True)
            mine = _create(path)
    except OSError:
        yield True
        return
    try:
        yield mine
    finally:
        if mine:
            path.unlink(missing_ok=True)
