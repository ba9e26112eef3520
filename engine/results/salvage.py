"""Reading what can still be read from a damaged results database.

The rows come out as an export document (the format of `results export`), so putting them into
the fresh database goes through the same validating import as a file from another machine, run
by run: a row that garbage made nonsensical is dropped, never stored. Reading is table by table
and row by row in rowid order; a damaged page ends a scan, and the scan resumes past it.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from pathlib import Path

RESUME_TRIES = 32  # jumps past unreadable rowid ranges before a table is given up


def _connect(path: Path) -> sqlite3.Connection | None:
    for uri in (f"file:{path}?mode=ro", f"file:{path}?immutable=1"):
        try:
            conn = sqlite3.connect(uri, uri=True)
            conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
            return conn
        except sqlite3.Error:
            continue
    return None


def _rows(conn: sqlite3.Connection, table: str, columns: tuple[str, ...]) -> Iterator[dict]:
    """Every readable row of `table` as a dict (rowid included); gives up quietly."""
    try:
        have = {r[1] for r in conn.execute(f'PRAGMA table_info("{table}")')}
    except sqlite3.Error:
        return
    if not set(columns) <= have:
        return
    select = f'SELECT rowid, {", ".join(columns)} FROM "{table}" WHERE rowid > ? ORDER BY rowid'
    after, step = -(2 ** 63), 1
    for _ in range(RESUME_TRIES):
        try:
            for row in conn.execute(select, (after,)):
                after, step = row[0], 1
                yield dict(zip(("rowid", *columns), row))
            return
        except sqlite3.Error:
            after, step = after + step, step * 4  # skip past the damage, further each time


_RUN = ("id", "uuid", "machine_id", "model", "width", "resolution", "options", "batch", "threads",
        "memory_format", "device", "path", "weights", "timestamp", "median_ms", "p10_ms", "p90_ms", "runs",
        "layer_sum_ms", "overhead_ms")
_LATER_RUN_COLUMNS = (("madds", "params"), ("load_before", "load_after", "cores"))  # versions 2 and 3
_LAYER = ("run_id", "idx", "name", "kind", "block", "ms_median", "madds", "params")
_ACC = ("uuid", "machine_id", "model", "width", "resolution", "options", "weights", "dataset", "top1", "top5",
        "n", "timestamp")


def _json(text):
    try:
        return json.loads(text)
    except (TypeError, ValueError):
        return text  # left for the validator to refuse


def salvage_document(path: Path) -> dict:
    """An export document of the readable machines, runs (with layers) and accuracies."""
    doc: dict = {"schema_version": 1, "machines": [], "runs": [], "accuracies": []}
    conn = _connect(path)
    if conn is None:
        return doc
    try:
        doc["machines"] = [{"id": m["id"], "label": m["label"], "fingerprint": _json(m["fingerprint"])}
                           for m in _rows(conn, "machines", ("id", "label", "fingerprint"))]
        layers: dict[object, list[dict]] = {}
        for lt in _rows(conn, "layers", _LAYER):
            layers.setdefault(lt["run_id"], []).append(lt)
        later = {}  # columns added by later migrations, read separately: an older file lacks them
        for columns in _LATER_RUN_COLUMNS:
            for r in _rows(conn, "runs", ("id", *columns)):
                later.setdefault(r["id"], {}).update(r)
        for r in _rows(conn, "runs", _RUN):
            extra = later.get(r["id"], {})
            doc["runs"].append({
                "uuid": r["uuid"], "machine_id": r["machine_id"], "model": r["model"], "width": r["width"],
                "resolution": r["resolution"], "options": _json(r["options"]), "batch": r["batch"],
                "threads": r["threads"], "memory_format": r["memory_format"], "device": r["device"],
                "path": r["path"], "weights": r["weights"], "timestamp": r["timestamp"],
                "total_ms": {"median": r["median_ms"], "p10": r["p10_ms"], "p90": r["p90_ms"], "runs": r["runs"]},
                "layer_sum_ms": r["layer_sum_ms"], "overhead_ms": r["overhead_ms"],
                **{c: extra.get(c) for columns in _LATER_RUN_COLUMNS for c in columns},
                "layers": [{k: lt[k] for k in ("name", "kind", "block", "ms_median", "madds", "params")}
                           for lt in sorted(layers.get(r["id"], []), key=lambda lt: lt["idx"])],
            })
        doc["accuracies"] = [{**{k: a[k] for k in _ACC}, "options": _json(a["options"])}
                             for a in _rows(conn, "accuracies", _ACC)]
        if doc["accuracies"]:
            doc["schema_version"] = 2
    finally:
        conn.close()
    return doc
