"""Opening the results database so that a bad file never stops the app.

A file is checked before use: the SQLite header, `PRAGMA quick_check`, the schema version and
the tables (with their columns) this version expects. A file that fails (garbage, truncated,
zero-filled, another program's SQLite file) is moved aside under a timestamped name, a fresh
database takes its place, and whatever rows of the old one can still be read are copied over
(see salvage.py). A file from a newer app version is refused, never moved or changed. A file
another process holds locked is waited for (SQLite's busy handler, bounded) and then reported.
"""

from __future__ import annotations

import logging
import sqlite3
from datetime import datetime
from functools import cache
from pathlib import Path

from engine.errors import InvalidInput, StudioError
from engine.results.schema import SCHEMA_VERSION, migrate, version

log = logging.getLogger(__name__)

LOCK_TIMEOUT_S = 10.0  # how long a write waits for another process's lock before saying so
HEADER = b"SQLite format 3\x00"
CORRUPT = {"SQLITE_CORRUPT", "SQLITE_NOTADB"}
BUSY = {"SQLITE_BUSY", "SQLITE_LOCKED"}


class ResultsUnavailable(StudioError):
    """The results database cannot be used now (locked, newer, unwritable): nothing was changed."""


class ResultsBusy(ResultsUnavailable):
    """Another process holds the database locked for longer than the bounded wait."""


class NewerDatabase(ResultsUnavailable, InvalidInput):
    """Written by a newer version of the app: left as it is."""


class Damaged(Exception):
    """Internal: the file is corrupt or foreign (why in the message)."""


@cache
def expected_columns(upto: int = SCHEMA_VERSION) -> dict[str, tuple[str, ...]]:
    """Tables and columns a database at version `upto` has: read off the migrations themselves,
    applied to an in-memory database, so this never drifts from schema.py."""
    conn = sqlite3.connect(":memory:", isolation_level=None)
    try:
        migrate(conn, upto)
        return {name: _columns(conn, name) for name in _tables(conn)}
    finally:
        conn.close()


def _tables(conn: sqlite3.Connection) -> list[str]:
    return [r[0] for r in conn.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")]


def _columns(conn: sqlite3.Connection, table: str) -> tuple[str, ...]:
    return tuple(r[1] for r in conn.execute(f'PRAGMA table_info("{table}")'))


def describe(exc: sqlite3.Error) -> str:
    return str(exc) or type(exc).__name__


def error_kind(exc: sqlite3.Error) -> str:
    """'corrupt', 'busy' or 'other' from SQLite's own error code."""
    name = getattr(exc, "sqlite_errorname", "") or ""  # e.g. SQLITE_CORRUPT_INDEX, SQLITE_BUSY_SNAPSHOT
    if any(name.startswith(code) for code in CORRUPT) or "malformed" in str(exc) or "not a database" in str(exc):
        return "corrupt"
    if any(name.startswith(code) for code in BUSY) or "locked" in str(exc):
        return "busy"
    return "other"


def unavailable(path: Path, exc: sqlite3.Error, timeout: float) -> ResultsUnavailable:
    """The one-line error for a failure that is not the file's fault."""
    if error_kind(exc) == "busy":
        return ResultsBusy(f"results database {path} is locked by another process (waited {timeout:g} s); "
                           f"close the other MobileNet Studio or try again")
    return ResultsUnavailable(f"results database {path} cannot be used ({describe(exc)})")


def check_header(path: Path) -> None:
    """Raise Damaged unless `path` is absent or starts like an SQLite database."""
    try:
        with open(path, "rb") as fh:
            head = fh.read(len(HEADER))
    except FileNotFoundError:
        return
    if not head:
        raise Damaged("the file is empty (0 bytes)")
    if head != HEADER:
        raise Damaged("not an SQLite file")


def check_contents(conn: sqlite3.Connection, path: Path) -> None:
    """Integrity, version and tables, read-only (a foreign file is not touched). Raises Damaged
    or ResultsUnavailable; `migrate_checked` then brings an older file up to date."""
    try:
        verdict = conn.execute("PRAGMA quick_check").fetchone()[0]
    except sqlite3.DatabaseError as exc:
        if error_kind(exc) == "corrupt":
            raise Damaged(describe(exc)) from None
        raise
    if verdict != "ok":
        raise Damaged(f"quick_check: {verdict.splitlines()[0]}")
    have = version(conn)
    tables = set(_tables(conn))
    if have > SCHEMA_VERSION:
        raise NewerDatabase(f"results database {path} has schema version {have}, newer than this app's "
                                 f"{SCHEMA_VERSION}; it was left as it is: update MobileNet Studio to use it")
    if have == 0 and tables:
        raise Damaged(f"not a MobileNet Studio results database (it holds tables {', '.join(sorted(tables))})")
    if have > 0:
        _check_tables(conn, expected_columns(have))


def migrate_checked(conn: sqlite3.Connection) -> None:
    migrate(conn)
    _check_tables(conn, expected_columns())


def _check_tables(conn: sqlite3.Connection, expected: dict[str, tuple[str, ...]]) -> None:
    for table, columns in expected.items():
        have = _columns(conn, table)
        if not have:
            raise Damaged(f"table {table!r} is missing")
        missing = [c for c in columns if c not in have]
        if missing:
            raise Damaged(f"table {table!r} lacks column(s) {', '.join(missing)}")


def aside_name(path: Path, when: datetime | None = None) -> Path:
    """results.sqlite3 -> results.damaged-20261203-063000.sqlite3 (a free name)."""
    stamp = (when or datetime.now()).strftime("%Y%m%d-%H%M%S")
    candidate = path.with_name(f"{path.stem}.damaged-{stamp}{path.suffix}")
    n = 1
    while candidate.exists():
        n += 1
        candidate = path.with_name(f"{path.stem}.damaged-{stamp}-{n}{path.suffix}")
    return candidate


def move_aside(path: Path) -> Path:
    """Rename the database and its WAL/shared-memory files together; returns the new name."""
    target = aside_name(path)
    for suffix in ("-wal", "-shm", ""):  # the main file last: its absence means "start fresh"
        source = path.with_name(path.name + suffix)
        if source.exists():
            source.replace(target.with_name(target.name + suffix))
    return target

