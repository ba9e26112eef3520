"""The results database: every measured run, its per-layer rows, the machine it ran on, and the
accuracies the user measured, in one SQLite file under the user data folder.

Durability: WAL journal, and each run is written in ONE transaction (run row + layer rows +
machine), so a process killed at any moment (kill -9, a closed window) leaves either the whole
run or nothing, and a sweep resumes from what is there. One connection per thread: open a
ResultsDB where you use it (it is cheap), e.g. inside the worker that runs a sweep.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
import uuid as uuidlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from engine.errors import InvalidInput
from engine.paths import user_home
from engine.profiling.latency import LayerTiming, ProfileResult, Timing
from engine.results.schema import migrate

# Keys of the profiler's fingerprint that describe the run, not the machine.
RUN_KEYS = ("threads", "device", "backend")


def default_path() -> Path:
    return user_home() / "results.sqlite3"


def now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def machine_part(fingerprint: dict) -> dict:
    return {k: v for k, v in fingerprint.items() if k not in RUN_KEYS}


def machine_id(fingerprint: dict) -> str:
    """Stable id of a machine: the same hardware and software stack always hashes the same
    (the GPU name is left out so CPU and CUDA runs of one box are one machine)."""
    canonical = {k: v for k, v in machine_part(fingerprint).items() if k != "gpu"}
    return hashlib.sha256(json.dumps(canonical, sort_keys=True).encode()).hexdigest()[:16]


def machine_label(fingerprint: dict) -> str:
    cores = fingerprint.get("cores")
    return f"{fingerprint.get('cpu', 'unknown CPU')}" + (f", {cores} cores" if cores else "")


def options_key(options: dict) -> str:
    return json.dumps(dict(options), sort_keys=True)


@dataclass(frozen=True)
class Machine:
    id: str
    label: str
    fingerprint: dict

    def to_json(self) -> dict:
        return {"id": self.id, "label": self.label, "fingerprint": self.fingerprint}


@dataclass(frozen=True)
class RunRecord:
    """One stored measurement (layers are read on demand with ResultsDB.layers(uuid))."""

    uuid: str
    machine_id: str
    machine_label: str
    model: str
    width: float
    resolution: int
    options: dict
    batch: int
    threads: int
    memory_format: str
    device: str
    path: str
    weights: str
    timestamp: str
    total_ms: Timing
    layer_sum_ms: float | None
    overhead_ms: float | None
    madds: int | None
    params: int | None

    def to_json(self) -> dict:
        doc = dict(self.__dict__)
        doc["total_ms"] = self.total_ms.to_json()
        return doc


@dataclass(frozen=True)
class AccuracyRecord:
    uuid: str
    machine_id: str | None
    model: str
    width: float
    resolution: int
    options: dict
    weights: str
    dataset: str
    top1: float  # fraction
    top5: float
    n: int
    timestamp: str

    def to_json(self) -> dict:
        return dict(self.__dict__)


_RUN_COLUMNS = ("uuid, machine_id, model, width, resolution, options, batch, threads, memory_format, device, "
                "path, weights, timestamp, median_ms, p10_ms, p90_ms, runs, layer_sum_ms, overhead_ms, madds, params")
_ACC_COLUMNS = "uuid, machine_id, model, width, resolution, options, weights, dataset, top1, top5, n, timestamp"


class ResultsDB:
    def __init__(self, path: str | Path | None = None):
        self.path = Path(path) if path is not None else default_path()
        self.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            self.conn = sqlite3.connect(self.path, isolation_level=None, timeout=30.0)
            self.conn.execute("PRAGMA journal_mode=WAL")
        except sqlite3.DatabaseError as exc:
            raise InvalidInput(f"{self.path} is not a results database ({exc})") from None
        self.conn.execute("PRAGMA synchronous=NORMAL")  # with WAL: durable against a killed process
        self.conn.execute("PRAGMA foreign_keys=ON")
        migrate(self.conn)

    def close(self) -> None:
        self.conn.close()

    def __enter__(self) -> ResultsDB:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        self.conn.execute("BEGIN IMMEDIATE")
        try:
            yield self.conn
        except BaseException:
            self.conn.execute("ROLLBACK")
            raise
        self.conn.execute("COMMIT")

    # -- writing -----------------------------------------------------------------------------

    def _ensure_machine(self, fingerprint: dict, mid: str | None = None, label: str | None = None) -> str:
        mid = mid or machine_id(fingerprint)
        self.conn.execute("INSERT OR IGNORE INTO machines (id, label, fingerprint) VALUES (?, ?, ?)",
                          (mid, label or machine_label(fingerprint), json.dumps(machine_part(fingerprint))))
        return mid

    def save_run(self, result: ProfileResult, *, uuid: str | None = None) -> RunRecord:
        """Store a profile run (and its layers) atomically; returns what was stored."""
        with self.transaction():
            mid = self._ensure_machine(result.machine)
            record = RunRecord(
                uuid=uuid or uuidlib.uuid4().hex, machine_id=mid, machine_label="", model=result.model,
                width=float(result.width), resolution=result.resolution, options=dict(result.options),
                batch=result.batch, threads=result.threads, memory_format=result.memory_format,
                device=result.device, path=result.path, weights=result.weights, timestamp=now(),
                total_ms=result.total_ms, layer_sum_ms=result.layer_sum_ms, overhead_ms=result.overhead_ms,
                madds=result.madds, params=result.params,
            )
            self._insert_run(record, result.layers)
        return self.run(record.uuid)

    def _insert_run(self, r: RunRecord, layers) -> bool:
        """Insert inside an open transaction; False when the uuid is already stored."""
        cur = self.conn.execute(
            f"INSERT OR IGNORE INTO runs ({_RUN_COLUMNS}) VALUES ({', '.join('?' * 21)})",
            (r.uuid, r.machine_id, r.model, r.width, r.resolution, options_key(r.options), r.batch, r.threads,
             r.memory_format, r.device, r.path, r.weights, r.timestamp, r.total_ms.median, r.total_ms.p10,
             r.total_ms.p90, r.total_ms.runs, r.layer_sum_ms, r.overhead_ms, r.madds, r.params))
        if cur.rowcount == 0:
            return False
        self.conn.executemany(
            "INSERT INTO layers (run_id, idx, name, kind, block, ms_median, madds, params) VALUES (?,?,?,?,?,?,?,?)",
            [(cur.lastrowid, i, lt.name, lt.kind, lt.block, lt.ms_median, lt.madds, lt.params)
             for i, lt in enumerate(layers)])
        return True

    def save_accuracy(self, *, model: str, width: float, resolution: int, weights: str, dataset: str,
                      top1: float, top5: float, n: int, options: dict | None = None,
                      fingerprint: dict | None = None, uuid: str | None = None) -> AccuracyRecord:
        """Store an accuracy measured with `evaluate` (top1/top5 as fractions 0-1)."""
        for name, value in (("top1", top1), ("top5", top5)):
            if not 0.0 <= value <= 1.0:
                raise InvalidInput(f"{name} {value} is not a fraction; valid: 0 to 1")
        with self.transaction():
            mid = self._ensure_machine(fingerprint) if fingerprint else None
            record = AccuracyRecord(uuid or uuidlib.uuid4().hex, mid, model, float(width), int(resolution),
                                    dict(options or {}), weights, dataset, float(top1), float(top5), int(n), now())
            self._insert_accuracy(record)
        return record

    def _insert_accuracy(self, a: AccuracyRecord) -> bool:
        cur = self.conn.execute(
            f"INSERT OR IGNORE INTO accuracies ({_ACC_COLUMNS}) VALUES ({', '.join('?' * 12)})",
            (a.uuid, a.machine_id, a.model, a.width, a.resolution, options_key(a.options), a.weights, a.dataset,
             a.top1, a.top5, a.n, a.timestamp))
        return cur.rowcount == 1

    # -- reading -----------------------------------------------------------------------------

    def machines(self) -> list[Machine]:
        rows = self.conn.execute("SELECT id, label, fingerprint FROM machines ORDER BY rowid")
        return [Machine(mid, label, json.loads(fp)) for mid, label, fp in rows]

    def runs(self, *, machine_id: str | None = None, model: str | None = None, threads: int | None = None,
             path: str | None = None) -> list[RunRecord]:
        where, args = ["1 = 1"], []
        for column, value in (("r.machine_id", machine_id), ("r.model", model), ("r.threads", threads),
                              ("r.path", path)):
            if value is not None:
                where.append(f"{column} = ?")
                args.append(value)
        return self._runs_where(" AND ".join(where), tuple(args))

    def run(self, uuid: str) -> RunRecord:
        found = self._runs_where("r.uuid = ?", (uuid,))
        if not found:
            raise InvalidInput(f"no stored run with id {uuid!r}")
        return found[0]

    def _runs_where(self, clause: str, args: tuple) -> list[RunRecord]:
        sql = (f"SELECT {', '.join('r.' + c.strip() for c in _RUN_COLUMNS.split(','))}, m.label FROM runs r "
               f"JOIN machines m ON m.id = r.machine_id WHERE {clause} ORDER BY r.id")
        return [_run_record(row) for row in self.conn.execute(sql, args)]

    def layers(self, uuid: str) -> list[LayerTiming]:
        rows = self.conn.execute(
            "SELECT l.name, l.kind, l.block, l.ms_median, l.madds, l.params FROM layers l JOIN runs r "
            "ON r.id = l.run_id WHERE r.uuid = ? ORDER BY l.idx", (uuid,))
        return [LayerTiming(*row) for row in rows]

    def accuracies(self, *, model: str | None = None) -> list[AccuracyRecord]:
        sql = f"SELECT {_ACC_COLUMNS} FROM accuracies" + (" WHERE model = ?" if model else "") + " ORDER BY id"
        return [AccuracyRecord(*row[:5], json.loads(row[5]), *row[6:])
                for row in self.conn.execute(sql, (model,) if model else ())]

    def measured_configs(self, *, machine_id: str, threads: int, path: str, batch: int = 1,
                         memory_format: str = "contiguous", device: str = "cpu") -> set[tuple]:
        """(model, width, resolution, options key) already measured in this setting: what a sweep skips."""
        rows = self.conn.execute(
            "SELECT DISTINCT model, width, resolution, options FROM runs WHERE machine_id = ? AND threads = ? "
            "AND path = ? AND batch = ? AND memory_format = ? AND device = ?",
            (machine_id, threads, path, batch, memory_format, device))
        return {(m, round(w, 6), r, o) for m, w, r, o in rows}

    def integrity(self) -> str:
        return self.conn.execute("PRAGMA integrity_check").fetchone()[0]


def _run_record(row: tuple) -> RunRecord:
    (uuid, mid, model, width, resolution, options, batch, threads, memory_format, device, path, weights,
     timestamp, median, p10, p90, runs, layer_sum, overhead, madds, params, label) = row
    return RunRecord(uuid, mid, label, model, width, resolution, json.loads(options), batch, threads,
                     memory_format, device, path, weights, timestamp, Timing(median, p10, p90, runs),
                     layer_sum, overhead, madds, params)
