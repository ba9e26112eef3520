"""The results database: every measured run, its per-layer rows, the machine it ran on, and the
accuracies the user measured, in one SQLite file under the user data folder.

Durability: WAL journal, and each run is written in ONE transaction (run row + layer rows +
machine), so a process killed at any moment (kill -9, a closed window) leaves either the whole
run or nothing, and a sweep resumes from what is there. One connection per thread: open a
ResultsDB where you use it (it is cheap), e.g. inside the worker that runs a sweep.

Opening checks the file first (engine.results.opening): a damaged or foreign one is moved aside
and replaced, keeping the rows that can still be read; SQLite errors later become one-line
ResultsUnavailable errors (a lock held past LOCK_TIMEOUT_S is ResultsBusy).
"""

from __future__ import annotations

import json
import logging
import os
import sqlite3
import uuid as uuidlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timezone
from functools import wraps
from pathlib import Path

from engine.errors import InvalidInput
from engine.paths import user_home
from engine.profiling.latency import LayerTiming, ProfileResult, Timing
from engine.results import ingest
from engine.results.ingest import ImportSummary, options_key
from engine.results.machines import RUN_KEYS, machine_id, machine_label, machine_part
from engine.results.opening import (
    LOCK_TIMEOUT_S, Damaged, ResultsBusy, ResultsUnavailable, check_contents, check_header, error_kind,
    migrate_checked, move_aside, unavailable,
)
from engine.results.salvage import salvage_document

log = logging.getLogger(__name__)
__all__ = ["RUN_KEYS", "machine_id", "machine_label", "machine_part", "options_key", "ImportSummary",
           "ResultsBusy", "ResultsUnavailable", "ResultsDB", "RunRecord", "AccuracyRecord", "Machine"]


def default_path() -> Path:
    return user_home() / "results.sqlite3"


def now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


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
    load_before: float | None = None  # 1-minute load average before the timing (None: older runs)
    load_after: float | None = None
    cores: int | None = None  # the machine's core count when it was measured

    @property
    def busy(self) -> bool:
        """Measured while the machine was busy: its load average exceeded its cores (the same
        rule as ProfileResult.busy), so the latency may be inflated: re-measure it."""
        loads = [v for v in (self.load_before, self.load_after) if v is not None]
        return bool(loads) and self.cores is not None and max(loads) > self.cores

    def load_text(self) -> str:
        """"load 2.9 → 3.4 on 2 cores", or '' when it was not recorded."""
        if self.load_before is None or self.load_after is None:
            return ""
        return f"load {self.load_before:.1f} → {self.load_after:.1f} on {self.cores or '?'} cores"

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


_RUN_COLUMNS = ", ".join(ingest._RUN_COLUMNS)
_ACC_COLUMNS = ", ".join(ingest._ACC_COLUMNS)


def _guarded(method: Callable) -> Callable:
    """SQLite errors after opening (a lock held too long, a full disk) become one-line errors."""
    @wraps(method)
    def call(self: ResultsDB, *args, **kwargs):
        try:
            return method(self, *args, **kwargs)
        except (sqlite3.IntegrityError, sqlite3.ProgrammingError, sqlite3.InterfaceError):
            raise  # our bug, not the file's: keep the traceback
        except sqlite3.Error as exc:
            raise unavailable(self.path, exc, self.timeout) from None
    return call


class ResultsDB:
    """An open, checked results database. A damaged or foreign file is moved aside and replaced
    (what could be read is kept; `notice` then says where the old file went, and the same line
    is logged as a warning); a newer, locked or unwritable one raises ResultsUnavailable."""

    def __init__(self, path: str | Path | None = None, *, timeout: float | None = None):
        self.path = Path(path) if path is not None else default_path()
        self.timeout = LOCK_TIMEOUT_S if timeout is None else timeout
        self.notice: str | None = None
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise ResultsUnavailable(f"cannot create the folder of the results database {self.path.parent} "
                                     f"({exc.strerror or type(exc).__name__})") from None
        try:
            self.conn = self._open()
        except Damaged as why:
            self._repair(str(why))

    def _open(self) -> sqlite3.Connection:
        check_header(self.path)
        try:
            conn = sqlite3.connect(self.path, isolation_level=None, timeout=self.timeout)
        except sqlite3.Error as exc:
            raise unavailable(self.path, exc, self.timeout) from None
        try:
            check_contents(conn, self.path)
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=NORMAL")  # with WAL: durable against a killed process
            conn.execute("PRAGMA foreign_keys=ON")
            migrate_checked(conn)
        except sqlite3.Error as exc:
            conn.close()
            if error_kind(exc) == "corrupt":
                raise Damaged(str(exc)) from None
            raise unavailable(self.path, exc, self.timeout) from None
        except BaseException:
            conn.close()
            raise
        return conn

    def _repair(self, why: str) -> None:
        """Move the damaged file aside, start a fresh one, copy over what can still be read."""
        try:
            aside = move_aside(self.path)
        except OSError as exc:
            raise ResultsUnavailable(f"results database {self.path} is damaged ({why}) and cannot be moved aside "
                                     f"({exc.strerror or type(exc).__name__})") from None
        self.conn = self._open()
        with self.transaction():
            kept = ingest.add_document(self.conn, salvage_document(aside), set(), strict=False)
        self.notice = (f"results database {self.path} was unusable ({why}): moved it to {aside}, kept "
                       f"{kept.runs_added} runs and {kept.accuracies_added} accuracies that could still be read"
                       + (f" ({kept.dropped} unreadable entries dropped)" if kept.dropped else "")
                       + ", and started a fresh database")
        log.warning(self.notice)

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

    def _ensure_machine(self, fingerprint: dict) -> str:
        mid = machine_id(fingerprint)
        self.conn.execute("INSERT OR IGNORE INTO machines (id, label, fingerprint) VALUES (?, ?, ?)",
                          (mid, machine_label(fingerprint), json.dumps(machine_part(fingerprint))))
        return mid

    @_guarded
    def save_run(self, result: ProfileResult, *, uuid: str | None = None) -> RunRecord:
        """Store a profile run (and its layers) atomically; returns what was stored."""
        with self.transaction():
            mid = self._ensure_machine(result.machine)
            uuid = uuid or uuidlib.uuid4().hex
            t = result.total_ms
            ingest.insert_run(self.conn, {
                "uuid": uuid, "machine_id": mid, "model": result.model, "width": float(result.width),
                "resolution": result.resolution, "options": dict(result.options), "batch": result.batch,
                "threads": result.threads, "memory_format": result.memory_format, "device": result.device,
                "path": result.path, "weights": result.weights, "timestamp": now(), "median_ms": t.median,
                "p10_ms": t.p10, "p90_ms": t.p90, "runs": t.runs, "layer_sum_ms": result.layer_sum_ms,
                "overhead_ms": result.overhead_ms, "madds": result.madds, "params": result.params,
                "load_before": result.load[0] if result.load else None,
                "load_after": result.load[1] if result.load else None,
                "cores": os.cpu_count() if result.load else None,
                "layers": [(lt.name, lt.kind, lt.block, lt.ms_median, lt.madds, lt.params) for lt in result.layers],
            })
        return self.run(uuid)

    @_guarded
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
            ingest.insert_accuracy(self.conn, record.to_json())
        return record

    @_guarded
    def add_document(self, doc: dict) -> ImportSummary:
        """Add an export document (`results import`): all of it, checked, in one transaction, or
        nothing (InvalidInput names the first bad entry)."""
        known = {m.id for m in self.machines()}
        with self.transaction():
            return ingest.add_document(self.conn, doc, known, strict=True)

    @_guarded
    def delete(self, *, run: str | None = None, machine: str | None = None) -> tuple[int, int]:
        """Remove one run (by uuid), or a machine with all its runs and accuracies: (runs, accuracies)."""
        with self.transaction():
            if run is not None:
                runs = self.conn.execute("DELETE FROM runs WHERE uuid = ?", (run,)).rowcount
                if not runs:
                    raise InvalidInput(f"no stored run with id {run!r}; 'results list' shows them")
                return runs, 0
            if not self.conn.execute("SELECT 1 FROM machines WHERE id = ?", (machine,)).fetchone():
                raise InvalidInput(f"no stored machine with id {machine!r}; 'results list --json' shows them")
            runs = self.conn.execute("DELETE FROM runs WHERE machine_id = ?", (machine,)).rowcount
            accuracies = self.conn.execute("DELETE FROM accuracies WHERE machine_id = ?", (machine,)).rowcount
            self.conn.execute("DELETE FROM machines WHERE id = ?", (machine,))
            return runs, accuracies

    # -- reading -----------------------------------------------------------------------------

    @_guarded
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

    @_guarded
    def _runs_where(self, clause: str, args: tuple) -> list[RunRecord]:
        sql = (f"SELECT {', '.join('r.' + c.strip() for c in _RUN_COLUMNS.split(','))}, m.label FROM runs r "
               f"JOIN machines m ON m.id = r.machine_id WHERE {clause} ORDER BY r.id")
        return [_run_record(row) for row in self.conn.execute(sql, args)]

    @_guarded
    def layers(self, uuid: str) -> list[LayerTiming]:
        rows = self.conn.execute(
            "SELECT l.name, l.kind, l.block, l.ms_median, l.madds, l.params FROM layers l JOIN runs r "
            "ON r.id = l.run_id WHERE r.uuid = ? ORDER BY l.idx", (uuid,))
        return [LayerTiming(*row) for row in rows]

    @_guarded
    def accuracies(self, *, model: str | None = None) -> list[AccuracyRecord]:
        sql = f"SELECT {_ACC_COLUMNS} FROM accuracies" + (" WHERE model = ?" if model else "") + " ORDER BY id"
        return [AccuracyRecord(*row[:5], json.loads(row[5]), *row[6:])
                for row in self.conn.execute(sql, (model,) if model else ())]

    @_guarded
    def measured_configs(self, *, machine_id: str, threads: int, path: str, batch: int = 1,
                         memory_format: str = "contiguous", device: str = "cpu") -> set[tuple]:
        """(model, width, resolution, options key) already measured in this setting: what a sweep skips."""
        rows = self.conn.execute(
            "SELECT DISTINCT model, width, resolution, options FROM runs WHERE machine_id = ? AND threads = ? "
            "AND path = ? AND batch = ? AND memory_format = ? AND device = ?",
            (machine_id, threads, path, batch, memory_format, device))
        return {(m, round(w, 6), r, o) for m, w, r, o in rows}

    def busy_configs(self, *, machine_id: str, threads: int, path: str, batch: int = 1,
                     memory_format: str = "contiguous", device: str = "cpu") -> set[tuple]:
        """Keys as measured_configs gives them whose latest run in this setting was measured on a
        busy machine (RunRecord.busy): what `sweep --remeasure-busy` times again."""
        latest: dict[tuple, RunRecord] = {}
        for r in self.runs(machine_id=machine_id, threads=threads, path=path):  # oldest first
            if (r.batch, r.memory_format, r.device) == (batch, memory_format, device):
                latest[(r.model, round(r.width, 6), r.resolution, options_key(r.options))] = r
        return {key for key, r in latest.items() if r.busy}

    @_guarded
    def integrity(self) -> str:
        return self.conn.execute("PRAGMA integrity_check").fetchone()[0]


def _run_record(row: tuple) -> RunRecord:
    (uuid, mid, model, width, resolution, options, batch, threads, memory_format, device, path, weights,
     timestamp, median, p10, p90, runs, layer_sum, overhead, madds, params, load_before, load_after, cores,
     label) = row
    return RunRecord(uuid, mid, label, model, width, resolution, json.loads(options), batch, threads,
                     memory_format, device, path, weights, timestamp, Timing(median, p10, p90, runs),
                     layer_sum, overhead, madds, params, load_before, load_after, cores)
