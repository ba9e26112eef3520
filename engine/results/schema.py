"""The results database's schema as an ordered list of migrations.

`PRAGMA user_version` holds how many migrations a file has seen; opening a file runs the ones it
lacks, each in its own transaction, so a database written by an older version of the app is
upgraded in place and one written by a newer version is refused rather than misread.
Never edit a migration that has shipped: append a new one.
"""

from __future__ import annotations

import sqlite3

from engine.errors import InvalidInput

MIGRATIONS: tuple[str, ...] = (
    # 1: measured runs with their per-layer rows and the machine they ran on
    """
    CREATE TABLE machines (
        id TEXT PRIMARY KEY,            -- sha256 of the canonical fingerprint (first 16 hex)
        label TEXT NOT NULL,
        fingerprint TEXT NOT NULL       -- JSON
    );
    CREATE TABLE runs (
        id INTEGER PRIMARY KEY,
        uuid TEXT NOT NULL UNIQUE,      -- survives export/import, so importing twice adds nothing
        machine_id TEXT NOT NULL REFERENCES machines(id),
        model TEXT NOT NULL,
        width REAL NOT NULL,
        resolution INTEGER NOT NULL,
        options TEXT NOT NULL,          -- JSON object, sorted keys
        batch INTEGER NOT NULL,
        threads INTEGER NOT NULL,
        memory_format TEXT NOT NULL,
        device TEXT NOT NULL,
        path TEXT NOT NULL,
        weights TEXT NOT NULL,
        timestamp TEXT NOT NULL,        -- ISO 8601, UTC
        median_ms REAL NOT NULL,
        p10_ms REAL NOT NULL,
        p90_ms REAL NOT NULL,
        runs INTEGER NOT NULL,
        layer_sum_ms REAL,              -- NULL when only the whole model was timed
        overhead_ms REAL
    );
    CREATE INDEX runs_config ON runs(machine_id, model, width, resolution, threads, path);
    CREATE TABLE layers (
        run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
        idx INTEGER NOT NULL,
        name TEXT NOT NULL,
        kind TEXT NOT NULL,
        block TEXT NOT NULL,
        ms_median REAL NOT NULL,
        madds INTEGER NOT NULL,
        params INTEGER NOT NULL,
        PRIMARY KEY (run_id, idx)
    );
    """,
    # 2: cost of the configuration on each run (the MAdds axis of the trade-off plots without
    # rebuilding the model) and accuracies the user measured with `evaluate`
    """
    ALTER TABLE runs ADD COLUMN madds INTEGER;
    ALTER TABLE runs ADD COLUMN params INTEGER;
    CREATE TABLE accuracies (
        id INTEGER PRIMARY KEY,
        uuid TEXT NOT NULL UNIQUE,
        machine_id TEXT REFERENCES machines(id),
        model TEXT NOT NULL,
        width REAL NOT NULL,
        resolution INTEGER NOT NULL,
        options TEXT NOT NULL,
        weights TEXT NOT NULL,
        dataset TEXT NOT NULL,          -- the evaluated folder's name
        top1 REAL NOT NULL,             -- fraction, 0-1
        top5 REAL NOT NULL,
        n INTEGER NOT NULL,             -- images evaluated
        timestamp TEXT NOT NULL
    );
    CREATE INDEX accuracies_config ON accuracies(model, width, resolution);
    """,
    # 3: the machine's 1-minute load average before and after each run was timed, and its core
    # count, so a point measured while the machine was busy is flagged and can be re-measured
    """
    ALTER TABLE runs ADD COLUMN load_before REAL;
    ALTER TABLE runs ADD COLUMN load_after REAL;
    ALTER TABLE runs ADD COLUMN cores INTEGER;
    """,
)

SCHEMA_VERSION = len(MIGRATIONS)


def version(conn: sqlite3.Connection) -> int:
    return conn.execute("PRAGMA user_version").fetchone()[0]


def migrate(conn: sqlite3.Connection, upto: int = SCHEMA_VERSION) -> int:
    """Bring an autocommit connection's file to version `upto`; returns the version it had."""
    start = version(conn)
    if start > SCHEMA_VERSION:
        raise InvalidInput(f"results database has schema version {start}, newer than this app's "
                           f"{SCHEMA_VERSION}; update MobileNet Studio to open it")
    for number in range(start + 1, upto + 1):
        conn.execute("BEGIN IMMEDIATE")
        try:
            for statement in _statements(MIGRATIONS[number - 1]):
                conn.execute(statement)
            conn.execute(f"PRAGMA user_version = {number}")
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
    return start


def _statements(script: str) -> list[str]:
    """Split a migration into statements (executescript would commit on its own)."""
    return [s.strip() for s in script.split(";") if s.strip() and not _only_comments(s)]


def _only_comments(text: str) -> bool:
    return all(not line.strip() or line.strip().startswith("--") for line in text.splitlines())
