"""Fault injection on the results database (issue 18): files the tests damage themselves
(truncated, bit-flipped, zero-filled, garbage pages, garbage header, empty, foreign, newer,
locked, a writer killed with -9) must never stop a command; what can be read is kept, the old
file is moved aside under a timestamped name, and a measurement is never lost."""

from __future__ import annotations

import json
import logging
import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from engine.cli import main
from engine.errors import InvalidInput
from engine.results import ResultsBusy, ResultsDB, ResultsUnavailable, default_path
from engine.profiling.latency import ProfileResult
from engine.results.schema import SCHEMA_VERSION
from tests.engine.test_results import fake_run

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(autouse=True)
def _store_logger_enabled():
    """logging.config.dictConfig (import-linter's CLI runs one in the same test process) disables
    loggers that already exist; the repair line is logged by this one."""
    logger = logging.getLogger("engine.results.store")
    was, logger.disabled = logger.disabled, False
    yield
    logger.disabled = was


def filled(path: Path, runs: int = 6) -> list[str]:
    """A real database with `runs` runs (two layers each) and one accuracy, checkpointed into
    the main file (so damaging the file damages the data); returns the run uuids."""
    with ResultsDB(path) as db:
        uuids = [db.save_run(fake_run(width=0.5 + 0.25 * i)).uuid for i in range(runs)]
        db.save_accuracy(model="mobilenet_v2", width=1.0, resolution=224, weights="w", dataset="val",
                         top1=0.7, top5=0.9, n=100)
        db.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return uuids


def page_of(path: Path, table: str) -> tuple[int, int]:
    """(byte offset, page size) of `table`'s root page."""
    conn = sqlite3.connect(path)
    size = conn.execute("PRAGMA page_size").fetchone()[0]
    root = conn.execute("SELECT rootpage FROM sqlite_master WHERE name = ?", (table,)).fetchone()[0]
    conn.close()
    return (root - 1) * size, size


def asides(folder: Path) -> list[Path]:
    return sorted(p for p in folder.iterdir() if ".damaged-" in p.name and p.suffix == ".sqlite3")


def damage_pages(path: Path, how: str) -> None:
    data = bytearray(path.read_bytes())
    size = sqlite3.connect(path).execute("PRAGMA page_size").fetchone()[0]
    rng = random.Random(18)
    if how == "truncated":
        del data[len(data) // 2:]
    elif how == "zero-filled":
        data[size:] = bytes(len(data) - size)
    elif how == "garbage pages":
        for start in range(size, len(data), size):
            data[start:start + size] = rng.randbytes(size)
    elif how == "bit-flipped":  # page-type byte of every b-tree page past the first: 0x0d -> 0x0c and so on
        for start in range(size, len(data), size):
            data[start] ^= 0x01
    path.write_bytes(bytes(data))


@pytest.mark.parametrize("how", ["truncated", "zero-filled", "garbage pages", "bit-flipped"])
def test_damaged_pages_are_moved_aside_and_a_fresh_database_opens(tmp_path, how, caplog):
    path = tmp_path / "results.sqlite3"
    filled(path)
    damage_pages(path, how)
    with ResultsDB(path) as db:
        assert db.integrity() == "ok"
        assert db.notice and str(asides(tmp_path)[0]) in db.notice
        db.save_run(fake_run())  # and it takes new runs
    assert len(asides(tmp_path)) == 1
    assert any(str(asides(tmp_path)[0]) in r.getMessage() for r in caplog.records)  # the one line, logged


def test_rows_that_can_still_be_read_are_kept(tmp_path):
    path = tmp_path / "results.sqlite3"
    uuids = filled(path)
    offset, size = page_of(path, "layers")  # only the per-layer rows are destroyed
    data = bytearray(path.read_bytes())
    data[offset:offset + size] = random.Random(1).randbytes(size)
    path.write_bytes(bytes(data))
    with ResultsDB(path) as db:
        assert db.notice and f"kept {len(uuids)} runs and 1 accuracies" in db.notice
        assert [r.uuid for r in db.runs()] == uuids
        assert [r.width for r in db.runs()] == [0.5 + 0.25 * i for i in range(len(uuids))]
        assert len(db.accuracies()) == 1


def test_a_repaired_database_keeps_the_load_each_run_was_measured_under(tmp_path):
    """The salvage copies every column a later migration added (the MAdds and the load average
    before/after with the core count), so a point measured on a busy machine stays flagged."""
    path = tmp_path / "results.sqlite3"
    busy_load = (0.5, 10.0 * (os.cpu_count() or 1))
    with ResultsDB(path) as db:
        runs = [db.save_run(ProfileResult(**{**fake_run(width=w).__dict__, "load": load}))
                for w, load in ((0.5, (0.1, 0.3)), (0.75, busy_load), (1.0, None))]
        db.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    offset, size = page_of(path, "layers")
    data = bytearray(path.read_bytes())
    data[offset:offset + size] = random.Random(3).randbytes(size)
    path.write_bytes(bytes(data))
    with ResultsDB(path) as db:
        assert db.notice and "kept 3 runs" in db.notice
        kept = db.runs()
    fields = lambda r: (r.uuid, r.madds, r.params, r.load_before, r.load_after, r.cores, r.busy)  # noqa: E731
    assert [fields(r) for r in kept] == [fields(r) for r in runs]
    assert [r.busy for r in kept] == [False, True, False]


@pytest.mark.parametrize("setup,why", [
    (lambda p: p.write_bytes(b""), "empty (0 bytes)"),
    (lambda p: p.write_bytes(random.Random(2).randbytes(8192)), "not an SQLite file"),
    (lambda p: sqlite3.connect(p).executescript("CREATE TABLE notes(x); INSERT INTO notes VALUES (1);"),
     "not a MobileNet Studio results database"),
    (lambda p: sqlite3.connect(p).executescript("CREATE TABLE runs(x);"), "not a MobileNet Studio results database"),
])
def test_empty_garbage_and_foreign_files_are_moved_aside(tmp_path, setup, why):
    path = tmp_path / "results.sqlite3"
    setup(path)
    before = path.read_bytes()
    with ResultsDB(path) as db:
        assert why in db.notice and db.runs() == []
    (aside,) = asides(tmp_path)
    assert aside.read_bytes() == before  # moved, not changed (no WAL switch on a foreign file)
    assert not Path(str(aside) + "-wal").exists()


def test_a_garbage_header_is_moved_aside(tmp_path):
    path = tmp_path / "results.sqlite3"
    filled(path)
    data = bytearray(path.read_bytes())
    data[:100] = random.Random(3).randbytes(100)
    path.write_bytes(bytes(data))
    with ResultsDB(path) as db:
        assert "not an SQLite file" in db.notice
    assert len(asides(tmp_path)) == 1


def test_a_newer_database_is_left_alone(tmp_path):
    path = tmp_path / "results.sqlite3"
    filled(path)
    sqlite3.connect(path).execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    before = path.read_bytes()
    with pytest.raises(InvalidInput, match="newer than this app"):
        ResultsDB(path)
    assert path.read_bytes() == before and asides(tmp_path) == []


def test_a_locked_database_waits_a_bounded_time_then_says_so(tmp_path):
    path = tmp_path / "results.sqlite3"
    filled(path, runs=1)
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")
    try:
        with ResultsDB(path, timeout=0.3) as db:
            assert len(db.runs()) == 1  # WAL: reading is not blocked
            with pytest.raises(ResultsBusy, match=r"locked by another process \(waited 0.3 s\)"):
                db.save_run(fake_run())
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert asides(tmp_path) == []  # a lock is not damage


def test_profile_keeps_a_run_the_database_cannot_take(monkeypatch, capsys):
    """Locked past the bounded wait: the run is printed, kept in a file, and imports later."""
    import engine.results.store as store

    monkeypatch.setattr(store, "LOCK_TIMEOUT_S", 0.2)
    filled(default_path(), runs=1)
    holder = sqlite3.connect(default_path(), isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")
    try:
        code = main(["profile", "mobilenet_v3_small", "--resolution", "32", "--repeats", "3", "--threads", "1",
                     "--path", "reference", "--json"])
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    out = capsys.readouterr()
    assert code == 0 and json.loads(out.out)["model"] == "mobilenet_v3_small"
    (warning,) = [line for line in out.err.splitlines() if "the run was not saved" in line]
    assert "the run was not saved" in warning and "locked" in warning
    kept = Path(warning.split("it is kept in ")[1].split(":")[0])
    assert main(["results", "import", str(kept)]) == 0
    with ResultsDB() as db:
        assert [r.model for r in db.runs()][-1] == "mobilenet_v3_small" and len(db.runs()) == 2


@pytest.mark.parametrize("argv", [["results", "list"], ["results", "export", "{tmp}/e.json"],
                                  ["recommend", "--target-ms", "10"]])
def test_commands_on_a_damaged_database_give_one_line(argv, tmp_path, capsys):
    filled(default_path())
    damage_pages(default_path(), "garbage pages")
    code = main([a.format(tmp=tmp_path) for a in argv])
    err = capsys.readouterr().err
    assert "Traceback" not in err and "was unusable" in err.splitlines()[0]
    assert code in (0, 2)


def test_unwritable_folder_is_one_error(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(ResultsUnavailable, match="cannot create the folder"):
        ResultsDB(blocker / "sub" / "results.sqlite3")


WRITER = """
import sys
from engine.results import ResultsDB
from tests.engine.test_results import fake_run
with ResultsDB(sys.argv[1]) as db:
    print("ready", flush=True)
    while True:
        db.save_run(fake_run(layers=tuple((f"l{i}", "conv", 1.0) for i in range(200))))
"""


def test_kill_9_in_the_middle_of_writes_loses_nothing_committed(tmp_path):
    path = tmp_path / "results.sqlite3"
    proc = subprocess.Popen([sys.executable, "-c", WRITER, str(path)], cwd=ROOT, stdout=subprocess.PIPE, text=True)
    assert proc.stdout.readline().strip() == "ready"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:  # let a few runs land, then kill it mid-write
        time.sleep(0.2)
        with sqlite3.connect(path) as probe:
            if probe.execute("SELECT count(*) FROM runs").fetchone()[0] >= 3:
                break
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    with ResultsDB(path) as db:
        assert db.notice is None and db.integrity() == "ok"
        runs = db.runs()
        assert len(runs) >= 3 and all(len(db.layers(r.uuid)) == 200 for r in runs)  # whole runs only


def test_a_sweep_whose_database_locks_keeps_the_run_it_just_measured(tmp_path):
    from engine.tradeoffs.sweep import SweepConfig, run_sweep

    path = tmp_path / "results.sqlite3"
    filled(path, runs=1)
    holder = sqlite3.connect(path, isolation_level=None)
    try:
        with ResultsDB(path, timeout=0.2) as db:
            holder.execute("BEGIN EXCLUSIVE")  # taken after the sweep read what it had done
            with pytest.raises(ResultsBusy, match="the last run is kept in") as info:
                run_sweep([SweepConfig("mobilenet_v3_small", 0.35, 64)], threads=1, repeats=3, warmup=0, db=db)
    finally:
        holder.execute("ROLLBACK") if holder.in_transaction else None
        holder.close()
    kept = Path(str(info.value).split("the last run is kept in ")[1].split(" (")[0])
    doc = json.loads(kept.read_text())
    assert [(r["model"], r["width"], r["resolution"]) for r in doc["runs"]] == [("mobilenet_v3_small", 0.35, 64)]
