"""Sweeps: the default grid, resuming, stopping, and surviving kill -9."""

from __future__ import annotations

import json
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from engine.errors import Cancelled, InvalidInput
from engine.results import ResultsDB
from engine.analysis.published import all_rows
from engine.tradeoffs.sweep import SweepConfig, run_sweep, sweep_grid

ROOT = Path(__file__).resolve().parents[2]


def test_default_grid_is_the_published_points():
    grid = sweep_grid()
    # Independently from the CSVs: V1 has 4 widths × 4 resolutions; V2 4 × 5 + 1.3 and 1.4 at 224;
    # V3 Table 9 (latest revision): 5 widths at 224 plus 96-192 at 1.0 for Large, no 192 for Small.
    per_model = {m: sum(c.model == m for c in grid) for m in {c.model for c in grid}}
    assert per_model == {"mobilenet_v1": 16, "mobilenet_v2": 22, "mobilenet_v3_large": 9, "mobilenet_v3_small": 8}
    assert all(96 <= c.resolution <= 224 and 0.25 <= c.width <= 1.4 for c in grid)
    v3l = {(c.width, c.resolution) for c in grid if c.model == "mobilenet_v3_large"}
    table9 = {(r.width, r.resolution) for r in all_rows() if r.family == "v3-large" and r.variant == "large"
              and r.table.startswith("Table 9") and r.source == "V3-arXiv-latest" and r.resolution <= 224}
    assert v3l == table9


def test_explicit_grid_is_the_product_and_bad_values_are_named():
    assert sweep_grid(["mobilenet_v2"], [0.5, 1.0], [96]) == [
        SweepConfig("mobilenet_v2", 0.5, 96), SweepConfig("mobilenet_v2", 1.0, 96)]
    with pytest.raises(InvalidInput, match="not a backbone; valid: mobilenet_v1"):
        sweep_grid(["ssdlite320_mobilenet_v3_large"])
    with pytest.raises(InvalidInput, match="resolution 8 px is out of range"):
        sweep_grid(["mobilenet_v2"], None, [8])


def test_resume_skips_measured_configs_and_stop_keeps_finished_rows():
    grid = sweep_grid(["mobilenet_v3_small"], [0.35, 0.5], [32])
    rows, seen = [], []
    with ResultsDB() as db:
        with pytest.raises(Cancelled):
            run_sweep(grid, threads=1, repeats=3, warmup=0, db=db, on_row=rows.append,
                      should_stop=lambda: len(rows) >= 1)
        assert [(r.model, r.width) for r in db.runs()] == [("mobilenet_v3_small", 0.35)]
        summary = run_sweep(grid, threads=1, repeats=3, warmup=0, db=db, progress=lambda d, t: seen.append((d, t)))
        assert (summary.total, summary.measured, summary.skipped) == (2, 1, 1)
        assert seen == [(0, 2), (1, 2), (2, 2)]
        assert sorted(r.width for r in db.runs()) == [0.35, 0.5]
        other_threads = run_sweep(grid[:1], threads=2, repeats=3, warmup=0, db=db)
        assert other_threads.measured == 1  # threads are part of what was measured


def test_two_sweeps_on_one_database_share_the_points(tmp_path):
    """Started together on the same grid, each point is measured once, by one of them."""
    grid = sweep_grid(["mobilenet_v3_small"], [0.35, 0.5, 0.75], [32, 48])
    db_path = tmp_path / "shared.sqlite3"
    ResultsDB(db_path).close()  # created (and migrated) once, before the race
    summaries, errors, go = [], [], threading.Barrier(2)

    def sweep() -> None:
        try:
            with ResultsDB(db_path) as db:
                go.wait()
                summaries.append(run_sweep(grid, threads=1, repeats=3, warmup=0, db=db))
        except BaseException as exc:  # reported below, in the test's thread
            errors.append(exc)

    workers = [threading.Thread(target=sweep) for _ in range(2)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=300)
    assert not errors and len(summaries) == 2
    with ResultsDB(db_path) as db:
        stored = sorted((r.width, r.resolution) for r in db.runs())
    assert stored == sorted((c.width, c.resolution) for c in grid)  # every point, none twice
    assert sum(s.measured for s in summaries) == len(grid)
    assert all(s.measured + s.skipped == len(grid) for s in summaries)
    assert not list((tmp_path / "shared.sqlite3.claims").glob("*.claim"))  # no claim left behind


def test_a_claim_of_a_dead_process_is_taken_over(tmp_path):
    from engine.results.claims import claim_file, claimed

    db_path, key = tmp_path / "r.sqlite3", ("m", 1, "reference", "mobilenet_v3_small", 0.5, 32, "")
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    path = claim_file(db_path, key)
    path.parent.mkdir(parents=True)
    path.write_text(json.dumps({"host": socket.gethostname(), "pid": int(dead.stdout), "at": 0}))
    with claimed(db_path, key) as mine:
        assert mine  # a kill -9'd sweep's claim does not block the point forever
        with claimed(db_path, key) as again:
            assert not again  # while held, nobody else gets it
    assert not path.exists()


def _rows(db_path: Path) -> int:
    if not db_path.exists():
        return 0
    try:
        conn = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True, timeout=1)
        try:
            return conn.execute("SELECT COUNT(*) FROM runs").fetchone()[0]
        finally:
            conn.close()
    except sqlite3.OperationalError:  # not created yet
        return 0


@pytest.mark.slow
def test_kill_9_mid_sweep_loses_nothing_and_rerun_resumes(tmp_path, monkeypatch, capsys):
    env = {**os.environ, "MOBILENET_STUDIO_HOME": str(tmp_path), "PYTHONPATH": str(ROOT)}
    grid = ["--models", "mobilenet_v3_small", "--widths", "0.35", "0.5", "0.75", "--resolutions", "32", "48",
            "--threads", "1", "--per-layer"]
    cmd = [sys.executable, "-m", "engine.cli", "sweep", *grid, "--json"]
    proc = subprocess.Popen([*cmd, "--repeats", "150"], cwd=ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    db_path = tmp_path / "results.sqlite3"
    deadline = time.monotonic() + 120
    while _rows(db_path) < 1 and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    assert proc.returncode == -signal.SIGKILL  # killed mid-sweep, not finished
    with ResultsDB(db_path) as db:
        assert db.integrity() == "ok"
        finished = db.runs()
        assert 1 <= len(finished) < 6
        layer_counts = {len(db.layers(r.uuid)) for r in finished}
        assert len(layer_counts) == 1 and layer_counts.pop() > 50  # every stored run has all its layers
    from engine.cli import main

    monkeypatch.setenv("MOBILENET_STUDIO_HOME", str(tmp_path))  # the re-run, in-process (one start-up less)
    assert main(["sweep", *grid, "--json", "--repeats", "3"]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert (summary["total"], summary["skipped"], summary["measured"]) == (6, len(finished), 6 - len(finished))
    with ResultsDB(db_path) as db:
        assert db.integrity() == "ok"
        assert [r.uuid for r in db.runs()][:len(finished)] == [r.uuid for r in finished]
        assert sorted((r.width, r.resolution) for r in db.runs()) == [
            (w, r) for w in (0.35, 0.5, 0.75) for r in (32, 48)]


def test_remeasure_busy_times_again_only_the_points_last_measured_on_a_busy_machine(capsys):
    """Runs stored with a load average above the core count (as the profiler records it) are the
    ones `sweep --remeasure-busy` measures again, for real; a busy point re-measured quietly is
    no longer busy, so a second call has nothing left to do."""
    from engine.cli import main
    from engine.profiling.latency import ProfileResult, Timing

    grid = sweep_grid(["mobilenet_v3_small"], [0.35, 0.5, 0.75], [32])
    cores = os.cpu_count() or 1
    busy_widths = (0.35, 0.75)
    with ResultsDB() as db:  # stored as the profiler would, the load chosen: this machine's own varies
        for config in grid:
            db.save_run(ProfileResult(
                model=config.model, width=config.width, resolution=config.resolution, options={}, batch=1,
                threads=1, device="cpu", memory_format="contiguous", path="reference",
                weights="random (latency only)", total_ms=Timing(5.0, 4.0, 6.0, 3), layers=(),
                machine=_fingerprint(1), madds=1, params=1, per_layer=False,
                load=(0.5, 10.0 * cores) if config.width in busy_widths else (0.1, 0.2)))
        stored = {r.uuid for r in db.runs()}
    assert main(["sweep", "--models", "mobilenet_v3_small", "--widths", "0.35", "0.5", "0.75", "--resolutions",
                 "32", "--threads", "1", "--repeats", "3", "--warmup", "0", "--path", "reference",
                 "--remeasure-busy", "--json"]) == 0
    summary = json.loads(capsys.readouterr().out)
    with ResultsDB() as db:
        new = [r for r in db.runs() if r.uuid not in stored]
        latest = {r.width: r for r in db.runs()}  # oldest first: the last one per width wins
    assert (summary["total"], summary["measured"]) == (2, 2)
    assert sorted(r.width for r in new) == list(busy_widths)
    assert {w for w, r in latest.items() if r.busy} == {r.width for r in new if r.busy}
    with ResultsDB() as db:
        from engine.results import machine_id
        left = db.busy_configs(machine_id=machine_id(_fingerprint(1)), threads=1, path="reference")
    assert {width for _model, width, _res, _opts in left} == {r.width for r in new if r.busy}
    if not any(r.busy for r in new):  # measured quietly: nothing is left to re-measure
        with ResultsDB() as db:
            again = run_sweep(grid, threads=1, repeats=3, warmup=0, path="reference", db=db, remeasure_busy=True)
        assert (again.total, again.measured) == (0, 0)


def _fingerprint(threads: int) -> dict:
    from engine.profiling.machine import fingerprint

    return fingerprint(threads=threads, device="cpu", backend="torch eager")


def test_remeasure_busy_with_nothing_busy_says_so_and_measures_nothing(capsys):
    from engine.cli import main
    from engine.profiling.latency import ProfileResult, Timing

    with ResultsDB() as db:  # one quiet run of the grid's only configuration
        db.save_run(ProfileResult(
            model="mobilenet_v3_small", width=0.35, resolution=32, options={}, batch=1, threads=1, device="cpu",
            memory_format="contiguous", path="reference", weights="random (latency only)",
            total_ms=Timing(5.0, 4.0, 6.0, 3), layers=(), machine=_fingerprint(1), madds=1, params=1,
            per_layer=False, load=(0.1, 0.2)))
        before = [r.uuid for r in db.runs()]
    assert main(["sweep", "--models", "mobilenet_v3_small", "--widths", "0.35", "--resolutions", "32", "--threads",
                 "1", "--path", "reference", "--remeasure-busy"]) == 0
    assert "nothing to re-measure" in capsys.readouterr().out
    with ResultsDB() as db:
        assert [r.uuid for r in db.runs()] == before
