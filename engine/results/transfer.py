"""Export the results database to CSV / JSON, and import a JSON export from another machine.

An import keeps the other machine's fingerprint, so its runs come back as a separate series;
runs and accuracies carry a uuid, so importing the same file twice adds nothing the second time.
Files are written atomically (temp file + os.replace).
"""

from __future__ import annotations

import csv
import json
import os
from dataclasses import dataclass
from pathlib import Path

from engine.errors import InvalidInput
from engine.profiling.latency import LayerTiming, Timing
from engine.results.schema import SCHEMA_VERSION
from engine.results.store import AccuracyRecord, ResultsDB, RunRecord, machine_id, now

FORMAT = "mobilenet-studio-results"

CSV_COLUMNS = ("uuid", "machine_id", "machine_label", "model", "width", "resolution", "options", "batch",
               "threads", "memory_format", "device", "path", "weights", "timestamp", "median_ms", "p10_ms",
               "p90_ms", "runs", "layer_sum_ms", "overhead_ms", "madds", "params")


@dataclass(frozen=True)
class ImportSummary:
    machines: int  # machines new to this database
    runs_added: int
    runs_skipped: int  # already present (same uuid)
    accuracies_added: int
    accuracies_skipped: int

    def to_json(self) -> dict:
        return dict(self.__dict__)


def _atomic_write(path: Path, write) -> None:
    path = Path(path)
    if path.parent and not path.parent.is_dir():
        raise InvalidInput(f"cannot write {path}: folder {path.parent} does not exist")
    tmp = path.with_name(path.name + ".tmp")
    with open(tmp, "w", newline="", encoding="utf-8") as fh:
        write(fh)
    os.replace(tmp, path)


def export_document(db: ResultsDB, *, layers: bool = True) -> dict:
    runs = []
    for run in db.runs():
        doc = run.to_json()
        doc.pop("machine_label")
        if layers:
            doc["layers"] = [layer.to_json() for layer in db.layers(run.uuid)]
        runs.append(doc)
    return {
        "format": FORMAT, "schema_version": SCHEMA_VERSION, "exported": now(),
        "machines": [m.to_json() for m in db.machines()],
        "runs": runs, "accuracies": [a.to_json() for a in db.accuracies()],
    }


def export_json(db: ResultsDB, path: str | Path) -> int:
    """Write every machine, run (with layers) and accuracy; returns the number of runs."""
    doc = export_document(db)
    _atomic_write(Path(path), lambda fh: json.dump(doc, fh, indent=1))
    return len(doc["runs"])


def export_csv(db: ResultsDB, path: str | Path) -> int:
    """One row per run (whole-model numbers; the per-layer rows are in the JSON export)."""
    runs = db.runs()

    def write(fh) -> None:
        writer = csv.writer(fh)
        writer.writerow(CSV_COLUMNS)
        for r in runs:
            t = r.total_ms
            writer.writerow([r.uuid, r.machine_id, r.machine_label, r.model, r.width, r.resolution,
                             json.dumps(r.options, sort_keys=True), r.batch, r.threads, r.memory_format, r.device,
                             r.path, r.weights, r.timestamp, t.median, t.p10, t.p90, t.runs,
                             "" if r.layer_sum_ms is None else r.layer_sum_ms,
                             "" if r.overhead_ms is None else r.overhead_ms,
                             "" if r.madds is None else r.madds, "" if r.params is None else r.params])

    _atomic_write(Path(path), write)
    return len(runs)


def import_json(db: ResultsDB, path: str | Path) -> ImportSummary:
    """Add another export's machines, runs and accuracies, all in one transaction."""
    path = Path(path)
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InvalidInput(f"{path} does not exist") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InvalidInput(f"{path} is not a results export ({exc})") from None
    if not isinstance(doc, dict) or doc.get("format") != FORMAT:
        raise InvalidInput(f"{path} is not a results export (expected a JSON file written by "
                           f"'mobilenet-studio results export')")
    if int(doc.get("schema_version", 0)) > SCHEMA_VERSION:
        raise InvalidInput(f"{path} comes from a newer MobileNet Studio (schema {doc['schema_version']}, "
                           f"this one reads up to {SCHEMA_VERSION})")
    try:
        return _import(db, doc)
    except (KeyError, TypeError, ValueError) as exc:
        raise InvalidInput(f"{path}: malformed results export ({type(exc).__name__}: {exc})") from None


def _import(db: ResultsDB, doc: dict) -> ImportSummary:
    known = {m.id for m in db.machines()}
    new_machines = 0
    counts = {"runs": [0, 0], "accuracies": [0, 0]}
    with db.transaction():
        for m in doc.get("machines", []):
            mid = machine_id(m["fingerprint"])  # recomputed: an edited id cannot merge two machines
            if mid != m["id"]:
                raise ValueError(f"machine id {m['id']} does not match its fingerprint")
            db._ensure_machine(m["fingerprint"], mid, m.get("label"))
            new_machines += mid not in known
            known.add(mid)
        for r in doc.get("runs", []):
            if r["machine_id"] not in known:
                raise ValueError(f"run {r['uuid']} names an unknown machine {r['machine_id']}")
            t = r["total_ms"]
            record = RunRecord(
                uuid=str(r["uuid"]), machine_id=r["machine_id"], machine_label="", model=r["model"],
                width=float(r["width"]), resolution=int(r["resolution"]), options=dict(r["options"]),
                batch=int(r["batch"]), threads=int(r["threads"]), memory_format=r["memory_format"],
                device=r["device"], path=r["path"], weights=r["weights"], timestamp=r["timestamp"],
                total_ms=Timing(float(t["median"]), float(t["p10"]), float(t["p90"]), int(t["runs"])),
                layer_sum_ms=r.get("layer_sum_ms"), overhead_ms=r.get("overhead_ms"),
                madds=r.get("madds"), params=r.get("params"))
            layers = [LayerTiming(lt["name"], lt["kind"], lt["block"], float(lt["ms_median"]), int(lt["madds"]),
                                  int(lt["params"])) for lt in r.get("layers", [])]
            counts["runs"][0 if db._insert_run(record, layers) else 1] += 1
        for a in doc.get("accuracies", []):
            mid = a.get("machine_id") if a.get("machine_id") in known else None
            record = AccuracyRecord(str(a["uuid"]), mid, a["model"], float(a["width"]),
                                    int(a["resolution"]), dict(a["options"]), a["weights"], a["dataset"],
                                    float(a["top1"]), float(a["top5"]), int(a["n"]), a["timestamp"])
            counts["accuracies"][0 if db._insert_accuracy(record) else 1] += 1
    return ImportSummary(new_machines, *counts["runs"], *counts["accuracies"])
