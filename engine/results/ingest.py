"""Adding an export document's machines, runs and accuracies to a database, every field checked
(engine.results.validate) first.

strict (an import the user asked for): the first bad entry rejects the whole document, with its
reason and the run it came from, and nothing of it is written. Lenient (rows saved from a
damaged database): a bad entry is dropped and counted, the good ones are kept.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from engine.errors import InvalidInput
from engine.results import validate
from engine.results.machines import machine_id, machine_part

_RUN_COLUMNS = ("uuid", "machine_id", "model", "width", "resolution", "options", "batch", "threads",
                "memory_format", "device", "path", "weights", "timestamp", "median_ms", "p10_ms", "p90_ms",
                "runs", "layer_sum_ms", "overhead_ms", "madds", "params", "load_before", "load_after", "cores")
_ACC_COLUMNS = ("uuid", "machine_id", "model", "width", "resolution", "options", "weights", "dataset", "top1",
                "top5", "n", "timestamp")


@dataclass(frozen=True)
class ImportSummary:
    machines: int  # machines new to this database
    runs_added: int
    runs_skipped: int  # already present (same uuid)
    accuracies_added: int
    accuracies_skipped: int
    dropped: int = 0  # entries refused (lenient mode only)

    def to_json(self) -> dict:
        return dict(self.__dict__)


def options_key(options: dict) -> str:
    return json.dumps(dict(options), sort_keys=True)


def _list(doc: dict, key: str) -> list:
    value = doc.get(key, [])
    if not isinstance(value, list):
        raise InvalidInput(f"{key} must be a list, got {type(value).__name__}")
    return value


def checked(doc: dict, known: set[str], *, strict: bool) -> tuple[list, list, list, int]:
    """(machines, runs, accuracies, dropped), every entry validated; `known`: machine ids already stored."""
    machines, runs, accuracies, dropped = [], [], [], 0
    known = set(known)

    def keep(check, entry, into: list) -> None:
        nonlocal dropped
        try:
            into.append(check(entry))
        except InvalidInput:
            if strict:
                raise
            dropped += 1

    def one_machine(m):
        mid, label, fingerprint = validate.machine(m)
        if machine_id(fingerprint) != mid:  # recomputed: an edited id cannot merge two machines
            raise InvalidInput(f"machine {mid}: its id does not match its fingerprint")
        known.add(mid)
        return mid, label, json.dumps(machine_part(fingerprint))

    def one_run(r):
        clean = validate.run(r)
        if clean["machine_id"] not in known:
            raise InvalidInput(f"run {clean['uuid']}: names machine {clean['machine_id']}, which is neither in "
                               f"the document nor in the database")
        return clean

    for m in _list(doc, "machines"):
        keep(one_machine, m, machines)
    for r in _list(doc, "runs"):
        keep(one_run, r, runs)
    for a in _list(doc, "accuracies"):
        keep(validate.accuracy, a, accuracies)
    for a in accuracies:  # an accuracy may outlive its machine: keep it, unattached
        if a["machine_id"] not in known:
            a["machine_id"] = None
    return machines, runs, accuracies, dropped


def insert_run(conn, clean: dict) -> bool:
    """Insert inside an open transaction; False when the uuid is already stored."""
    row = [options_key(clean[c]) if c == "options" else clean[c] for c in _RUN_COLUMNS]
    cur = conn.execute(f"INSERT OR IGNORE INTO runs ({', '.join(_RUN_COLUMNS)}) "
                       f"VALUES ({', '.join('?' * len(_RUN_COLUMNS))})", row)
    if cur.rowcount == 0:
        return False
    conn.executemany(
        "INSERT INTO layers (run_id, idx, name, kind, block, ms_median, madds, params) VALUES (?,?,?,?,?,?,?,?)",
        [(cur.lastrowid, i, *layer) for i, layer in enumerate(clean["layers"])])
    return True


def insert_accuracy(conn, clean: dict) -> bool:
    row = [options_key(clean[c]) if c == "options" else clean[c] for c in _ACC_COLUMNS]
    cur = conn.execute(f"INSERT OR IGNORE INTO accuracies ({', '.join(_ACC_COLUMNS)}) "
                       f"VALUES ({', '.join('?' * len(_ACC_COLUMNS))})", row)
    return cur.rowcount == 1


def add_document(conn, doc: dict, known: set[str], *, strict: bool) -> ImportSummary:
    """Validate everything, then write it in the caller's open transaction."""
    machines, runs, accuracies, dropped = checked(doc, known, strict=strict)
    new_machines = 0
    for mid, label, fingerprint in machines:
        cur = conn.execute("INSERT OR IGNORE INTO machines (id, label, fingerprint) VALUES (?, ?, ?)",
                           (mid, label, fingerprint))
        new_machines += cur.rowcount
    added = sum(insert_run(conn, r) for r in runs)
    acc_added = sum(insert_accuracy(conn, a) for a in accuracies)
    return ImportSummary(new_machines, added, len(runs) - added, acc_added, len(accuracies) - acc_added, dropped)
