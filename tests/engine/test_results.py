"""The results database: schema migrations, atomic runs, export/import between machines."""

from __future__ import annotations

import csv
import json
import os
import sqlite3

import pytest

from engine.errors import InvalidInput
from engine.profiling.latency import LayerTiming, ProfileResult, Timing, profile_model
from engine.profiling.machine import fingerprint
from engine.results import ResultsDB, default_path, export_csv, export_json, import_json, machine_id
from engine.results.schema import MIGRATIONS, SCHEMA_VERSION, migrate


def fake_run(model="mobilenet_v2", width=1.0, resolution=224, median=10.0, machine=None, threads=2,
             layers=(("features.0.0", "conv", 4.0), ("classifier.1", "linear", 5.0))) -> ProfileResult:
    """A ProfileResult with chosen numbers (what profile_model returns, without timing anything)."""
    rows = tuple(LayerTiming(name, kind, name.split(".")[0], ms, 1000, 10) for name, kind, ms in layers)
    return ProfileResult(
        model=model, width=width, resolution=resolution, options={}, batch=1, threads=threads, device="cpu",
        memory_format="contiguous", path="reference", weights="random (latency only)",
        total_ms=Timing(median, median * 0.9, median * 1.2, 7), layers=rows,
        machine=machine or fingerprint(threads=threads, device="cpu", backend="torch eager"),
        madds=2000 * len(rows), params=20 * len(rows), per_layer=bool(rows))


def other_machine(threads=2) -> dict:
    fp = fingerprint(threads=threads, device="cpu", backend="torch eager")
    return {**fp, "cpu": "Fake ARM Cortex-A76", "cores": 8}


def test_database_lives_in_the_user_home(tmp_path, monkeypatch):
    monkeypatch.setenv("MOBILENET_STUDIO_HOME", str(tmp_path))
    with ResultsDB() as db:
        db.save_run(fake_run())
    assert default_path() == tmp_path / "results.sqlite3" and default_path().is_file()
    conn = sqlite3.connect(default_path())
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION == len(MIGRATIONS)


def test_a_version_1_file_is_migrated_and_keeps_its_rows(tmp_path):
    path = tmp_path / "old.sqlite3"
    conn = sqlite3.connect(path, isolation_level=None)
    migrate(conn, upto=1)  # the schema an older release wrote
    conn.execute("INSERT INTO machines VALUES ('m1', 'old box', '{\"cpu\": \"old\"}')")
    conn.execute("INSERT INTO runs (uuid, machine_id, model, width, resolution, options, batch, threads, "
                 "memory_format, device, path, weights, timestamp, median_ms, p10_ms, p90_ms, runs) VALUES "
                 "('u1', 'm1', 'mobilenet_v1', 0.5, 160, '{}', 1, 2, 'contiguous', 'cpu', 'reference', 'random', "
                 "'2024-01-01T00:00:00+00:00', 3.5, 3.0, 4.0, 20)")
    assert conn.execute("PRAGMA user_version").fetchone()[0] == 1
    conn.close()
    with ResultsDB(path) as db:
        assert db.conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
        (run,) = db.runs()
        assert (run.uuid, run.model, run.width, run.resolution, run.total_ms.median) == (
            "u1", "mobilenet_v1", 0.5, 160, 3.5)
        assert run.madds is None and run.machine_label == "old box"
        db.save_accuracy(model="mobilenet_v1", width=0.5, resolution=160, weights="w", dataset="d",
                         top1=0.5, top5=0.8, n=10)  # the v2 table exists now
        assert len(db.accuracies()) == 1


def test_a_version_2_file_gets_load_columns_and_its_runs_are_not_called_busy(tmp_path):
    path = tmp_path / "v2.sqlite3"
    conn = sqlite3.connect(path, isolation_level=None)
    migrate(conn, upto=2)  # before load averages were stored
    conn.execute("INSERT INTO machines VALUES ('m1', 'old box', '{\"cpu\": \"old\"}')")
    conn.execute("INSERT INTO runs (uuid, machine_id, model, width, resolution, options, batch, threads, "
                 "memory_format, device, path, weights, timestamp, median_ms, p10_ms, p90_ms, runs, madds) VALUES "
                 "('u2', 'm1', 'mobilenet_v2', 1.0, 224, '{}', 1, 2, 'contiguous', 'cpu', 'onnxruntime', 'random', "
                 "'2026-01-01T00:00:00+00:00', 6.0, 5.5, 7.0, 20, 300000000)")
    conn.close()
    with ResultsDB(path) as db:
        (run,) = db.runs()
        assert (run.uuid, run.path, run.madds) == ("u2", "onnxruntime", 300000000)
        assert (run.load_before, run.load_after, run.cores) == (None, None, None)
        assert not run.busy and run.load_text() == ""


def test_each_run_keeps_the_load_it_was_measured_under_and_an_export_carries_it(tmp_path):
    quiet, loaded = fake_run(), fake_run(width=0.5)
    quiet = ProfileResult(**{**quiet.__dict__, "load": (0.2, 0.4)})
    loaded = ProfileResult(**{**loaded.__dict__, "load": (0.5, 40.0)})  # far above any core count here
    with ResultsDB() as db:
        stored = [db.save_run(r) for r in (quiet, loaded)]
        assert [(s.load_before, s.load_after, s.cores) for s in stored] == [
            (0.2, 0.4, os.cpu_count()), (0.5, 40.0, os.cpu_count())]
        assert [s.busy for s in stored] == [quiet.busy, loaded.busy] == [False, True]
        assert stored[1].load_text() == f"load 0.5 → 40.0 on {os.cpu_count()} cores"
        export_json(db, tmp_path / "out.json")
        export_csv(db, tmp_path / "out.csv")
    with ResultsDB(tmp_path / "other.sqlite3") as other:
        import_json(other, tmp_path / "out.json")
        assert sorted((r.width, r.load_after, r.busy) for r in other.runs()) == [(0.5, 40.0, True), (1.0, 0.4, False)]
    rows = list(csv.DictReader((tmp_path / "out.csv").open()))
    assert sorted((r["load_after"], r["busy"]) for r in rows) == [("0.4", "0"), ("40.0", "1")]


def test_a_newer_schema_is_refused(tmp_path):
    path = tmp_path / "new.sqlite3"
    sqlite3.connect(path).execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    with pytest.raises(InvalidInput, match="newer than this app"):
        ResultsDB(path)


def test_run_round_trip_with_layers():
    with ResultsDB() as db:
        stored = db.save_run(fake_run(median=12.5))
        assert stored.total_ms == Timing(12.5, 12.5 * 0.9, 12.5 * 1.2, 7)
        assert stored.layer_sum_ms == 9.0 and stored.overhead_ms == pytest.approx(3.5)
        assert [lt.name for lt in db.layers(stored.uuid)] == ["features.0.0", "classifier.1"]
        assert db.machines()[0].id == machine_id(fingerprint(threads=1, device="cpu", backend="x"))


def test_a_failing_run_leaves_nothing():
    broken = ProfileResult(**{**fake_run().__dict__, "layers": (LayerTiming("a", "conv", "a", 1.0, None, 1),)})
    with ResultsDB() as db:
        with pytest.raises(sqlite3.IntegrityError):  # NOT NULL madds fails after the run row went in
            db.save_run(broken)
        assert db.runs() == [] and db.conn.execute("SELECT COUNT(*) FROM layers").fetchone()[0] == 0


def test_profile_result_stores_as_measured():
    result = profile_model("mobilenet_v3_small", resolution=64, repeats=3, warmup=0, threads=1)
    with ResultsDB() as db:
        stored = db.save_run(result)
        assert stored.total_ms == result.total_ms and stored.madds == result.madds > 0
        assert [lt.to_json() for lt in db.layers(stored.uuid)] == [lt.to_json() for lt in result.layers]


def test_export_then_import_on_another_machine_gives_two_series(tmp_path):
    other_db = ResultsDB(tmp_path / "other.sqlite3")
    other_db.save_run(fake_run(median=40.0, machine=other_machine()))
    other_db.save_accuracy(model="mobilenet_v2", width=1.0, resolution=224, weights="w", dataset="val",
                           top1=0.7, top5=0.9, n=100, fingerprint=other_machine())
    export = tmp_path / "other.json"
    assert export_json(other_db, export) == 1
    other_db.close()
    with ResultsDB() as db:
        db.save_run(fake_run(median=10.0))
        first = import_json(db, export)
        assert (first.machines, first.runs_added, first.accuracies_added) == (1, 1, 1)
        again = import_json(db, export)
        assert (again.machines, again.runs_added, again.runs_skipped, again.accuracies_skipped) == (0, 0, 1, 1)
        series = {}
        for run in db.runs():
            series.setdefault(run.machine_label, []).append(run.total_ms.median)
        assert sorted(series.values()) == [[10.0], [40.0]]
        assert "Fake ARM Cortex-A76, 8 cores" in series
        imported = [r for r in db.runs() if r.total_ms.median == 40.0][0]
        assert len(db.layers(imported.uuid)) == 2


def test_csv_export_has_one_row_per_run(tmp_path):
    with ResultsDB() as db:
        db.save_run(fake_run(width=0.5))
        db.save_run(fake_run(width=0.75, layers=()))
        assert export_csv(db, tmp_path / "r.csv") == 2
    rows = list(csv.DictReader(open(tmp_path / "r.csv", encoding="utf-8")))
    assert [float(r["width"]) for r in rows] == [0.5, 0.75]
    assert rows[0]["layer_sum_ms"] == "9.0" and rows[1]["layer_sum_ms"] == ""


@pytest.mark.parametrize("content,message", [
    ("not json", "is not a results export"),
    ('{"format": "something else"}', "is not a results export"),
    ('{"format": "mobilenet-studio-results", "machines": [{"id": "x", "fingerprint": {}}]}',
     "does not match its fingerprint"),
])
def test_bad_imports_are_one_line_errors(tmp_path, content, message):
    path = tmp_path / "bad.json"
    path.write_text(content)
    with ResultsDB() as db:
        with pytest.raises(InvalidInput, match=message):
            import_json(db, path)
        assert db.machines() == []


def test_export_document_is_json_serialisable(tmp_path):
    with ResultsDB() as db:
        db.save_run(fake_run())
        export_json(db, tmp_path / "e.json")
    doc = json.loads((tmp_path / "e.json").read_text())
    assert doc["format"] == "mobilenet-studio-results" and doc["runs"][0]["layers"][1]["name"] == "classifier.1"
