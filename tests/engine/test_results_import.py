"""Hostile imports (issue 18): every field of an export is checked against the limits the CLI
enforces; a document with one bad entry is refused whole, naming the entry and why, and writes
nothing. `results delete` removes rows a user regrets."""

from __future__ import annotations

import json
import math
import sqlite3

import pytest

from engine.cli import main
from engine.errors import InvalidInput
from engine.results import ResultsDB, default_path, export_json, import_json
from tests.engine.test_results import fake_run, other_machine

UUID = "0123456789abcdef0123456789abcdef"


@pytest.fixture
def export(tmp_path) -> dict:
    """A valid export from another machine: one run with layers and one accuracy."""
    with ResultsDB(tmp_path / "other.sqlite3") as other:
        other.save_run(fake_run(median=40.0, machine=other_machine()), uuid=UUID)
        other.save_accuracy(model="mobilenet_v2", width=1.0, resolution=224, weights="w", dataset="val",
                            top1=0.7, top5=0.9, n=100, fingerprint=other_machine())
        export_json(other, tmp_path / "good.json")
    return json.loads((tmp_path / "good.json").read_text())


def run0(doc: dict) -> dict:
    return doc["runs"][0]


MUTATIONS = {
    "schema_version abc": (lambda d: d.update(schema_version="abc"), "schema_version 'abc' is not valid"),
    "schema_version null": (lambda d: d.update(schema_version=None), "schema_version None is not valid"),
    "fingerprint a string": (lambda d: d["machines"][0].update(fingerprint="x"), "fingerprint must be a JSON object"),
    "resolution 1e999": (lambda d: run0(d).update(resolution=math.inf), f"run {UUID}: resolution must be a whole"),
    "madds 10^30": (lambda d: run0(d).update(madds=10 ** 30), f"run {UUID}: madds {10 ** 30} is out of range"),
    "layer_sum_ms an object": (lambda d: run0(d).update(layer_sum_ms={"a": 1}),
                               f"run {UUID}: layer_sum_ms must be a number"),
    "null model": (lambda d: run0(d).update(model=None), f"run {UUID}: model None is not a model of this app"),
    "NaN median": (lambda d: run0(d)["total_ms"].update(median=math.nan), f"run {UUID}: total_ms.median is nan"),
    "unknown model": (lambda d: run0(d).update(model="resnet50"), "model 'resnet50' is not a model of this app"),
    "shell in a model name": (lambda d: run0(d).update(model="not_a_model; rm -rf /"),
                              "model 'not_a_model; rm -rf /' is not a model"),
    "width -5": (lambda d: run0(d).update(width=-5), f"run {UUID}: width -5 is out of range; valid: 0.1 to 3"),
    "top1 55": (lambda d: d["accuracies"][0].update(top1=55), "top1 (a fraction) 55 is out of range; valid: 0 to 1"),
    "layers a string": (lambda d: run0(d).update(layers="x"), "layers must be a list"),
    "a layer's madds a float": (lambda d: run0(d)["layers"][0].update(madds=1.5), "layers[0].madds must be a whole"),
    "threads 0": (lambda d: run0(d).update(threads=0), "threads 0 is out of range; valid: 1 to 256"),
    "bad timestamp": (lambda d: run0(d).update(timestamp="yesterday"), "not an ISO 8601 date"),
    "unknown option": (lambda d: run0(d).update(options={"turbo": True}), "unknown option for mobilenet_v2 'turbo'"),
    "runs not a list": (lambda d: d.update(runs={"a": 1}), "runs must be a list"),
}


@pytest.mark.parametrize("name", MUTATIONS)
def test_a_bad_document_is_refused_whole_with_the_first_reason(name, export, tmp_path):
    mutate, reason = MUTATIONS[name]
    mutate(export)
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(export))  # NaN and inf are written as the JSON extensions Python reads back
    with ResultsDB() as db:
        db.save_run(fake_run())
        before = (db.machines(), db.runs(), db.accuracies())
        with pytest.raises(InvalidInput) as info:
            import_json(db, bad)
        message = str(info.value)
        assert reason in message and "nothing of it was written" in message and "\n" not in message
        assert (db.machines(), db.runs(), db.accuracies()) == before


def test_the_cli_says_it_in_one_line(export, tmp_path, capsys):
    run0(export)["width"] = -5
    (tmp_path / "bad.json").write_text(json.dumps(export))
    assert main(["results", "import", str(tmp_path / "bad.json")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and f"run {UUID}: width -5" in err


def test_a_valid_document_still_imports(export, tmp_path):
    (tmp_path / "good2.json").write_text(json.dumps(export))
    with ResultsDB() as db:
        summary = import_json(db, tmp_path / "good2.json")
        assert (summary.machines, summary.runs_added, summary.accuracies_added) == (1, 1, 1)
        assert db.run(UUID).total_ms.median == 40.0 and len(db.layers(UUID)) == 2


def test_a_stored_run_of_an_unknown_model_does_not_break_recommend_and_can_be_deleted(capsys):
    """As a row written by another version would be: straight into the table."""
    from tests.engine.test_tradeoffs import SYNTHETIC, run_of

    with ResultsDB() as db:
        for (width, resolution), (latency, _) in SYNTHETIC.items():
            db.save_run(run_of(width, resolution, latency))
        mid = db.runs()[0].machine_id
    conn = sqlite3.connect(default_path())
    conn.execute("INSERT INTO runs (uuid, machine_id, model, width, resolution, options, batch, threads, "
                 "memory_format, device, path, weights, timestamp, median_ms, p10_ms, p90_ms, runs) VALUES "
                 "('evil', ?, 'not_a_model; rm -rf /', 1.0, 224, '{}', 1, 2, 'contiguous', 'cpu', 'reference', "
                 "'w', '2026-01-01T00:00:00+00:00', 1.0, 1.0, 1.0, 3)", (mid,))
    conn.commit()
    conn.close()
    assert main(["recommend", "--target-ms", "100", "--json"]) == 0
    capsys.readouterr()
    assert main(["results", "delete", "--run", "evil"]) == 0
    assert "deleted 1 run(s)" in capsys.readouterr().out
    assert main(["results", "delete", "--run", "evil"]) == 2
    assert "no stored run with id 'evil'" in capsys.readouterr().err


def test_delete_a_machine_takes_its_runs_and_accuracies(export, tmp_path, capsys):
    (tmp_path / "good.json").write_text(json.dumps(export))
    with ResultsDB() as db:
        db.save_run(fake_run())
        import_json(db, tmp_path / "good.json")
    other = export["machines"][0]["id"]
    assert main(["results", "delete", "--machine", other, "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == {"runs_deleted": 1, "accuracies_deleted": 1}
    with ResultsDB() as db:
        assert [m.id for m in db.machines()] != [] and other not in {m.id for m in db.machines()}
        assert len(db.runs()) == 1 and db.conn.execute("SELECT count(*) FROM layers").fetchone()[0] == 2
    assert main(["results", "delete"]) == 2  # one of --run / --machine is required
