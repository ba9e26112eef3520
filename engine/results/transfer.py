"""Export the results database to CSV / JSON, and import a JSON export from another machine.

An import keeps the other machine's fingerprint, so its runs come back as a separate series;
runs and accuracies carry a uuid, so importing the same file twice adds nothing the second time.
Files are written atomically (temp file + os.replace).
"""

from __future__ import annotations

import contextlib
import csv
import json
import tempfile
import uuid as uuidlib
from pathlib import Path

from engine.errors import InvalidInput, StudioError
from engine.files import check_output, write_with
from engine.paths import user_home
from engine.profiling.latency import ProfileResult
from engine.results.ingest import ImportSummary
from engine.results.machines import machine_id, machine_label, machine_part
from engine.results.schema import SCHEMA_VERSION
from engine.results.store import ResultsDB, RunRecord, now

FORMAT = "mobilenet-studio-results"

CSV_COLUMNS = ("uuid", "machine_id", "machine_label", "model", "width", "resolution", "options", "batch",
               "threads", "memory_format", "device", "path", "weights", "timestamp", "median_ms", "p10_ms",
               "p90_ms", "runs", "layer_sum_ms", "overhead_ms", "madds", "params", "load_before", "load_after",
               "cores", "busy")


EXPORT_SUFFIXES = (".json", ".csv")


def _atomic_write(path: Path, write) -> None:
    path = check_output(path, option="export path", suffixes=EXPORT_SUFFIXES, what="results")
    try:
        write_with(path, write, newline="")
    except OSError as exc:
        raise InvalidInput(f"cannot write {path} ({exc.strerror or type(exc).__name__})") from None


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
                             *("" if v is None else v for v in (r.madds, r.params, r.load_before, r.load_after,
                                                                r.cores)), int(r.busy)])

    _atomic_write(Path(path), write)
    return len(runs)


MAX_IMPORT_BYTES = 512 * 1024 * 1024  # far above any real export; refuses /dev/zero and the like


def import_json(db: ResultsDB, path: str | Path) -> ImportSummary:
    """Add another export's machines, runs and accuracies: every field is checked first, and a
    document with one bad entry is refused whole (InvalidInput names the entry and why)."""
    path = Path(path)
    try:
        if not path.is_file():
            raise InvalidInput(f"{path} does not exist" if not path.exists() else f"{path} is not a regular file")
        if path.stat().st_size > MAX_IMPORT_BYTES:
            raise InvalidInput(f"{path} is larger than {MAX_IMPORT_BYTES >> 20} MB; not a results export")
        doc = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError, RecursionError) as exc:
        raise InvalidInput(f"{path} is not a results export ({type(exc).__name__}: {exc})") from None
    if not isinstance(doc, dict) or doc.get("format") != FORMAT:
        raise InvalidInput(f"{path} is not a results export (expected a JSON file written by "
                           f"'mobilenet-studio results export')")
    try:
        _check_version(doc.get("schema_version", 1))
        return db.add_document(doc)
    except InvalidInput as exc:
        raise InvalidInput(f"{path} was not imported (nothing of it was written): {exc}") from None


def _check_version(version: object) -> None:
    if isinstance(version, bool) or not isinstance(version, int) or version < 1:
        raise InvalidInput(f"schema_version {version!r} is not valid; valid: a whole number from 1 to {SCHEMA_VERSION}")
    if version > SCHEMA_VERSION:
        raise InvalidInput(f"it comes from a newer MobileNet Studio (schema {version}, this one reads up to "
                           f"{SCHEMA_VERSION})")


def run_document(result: ProfileResult, uuid: str | None = None) -> dict:
    """A one-run export document of a measurement (importable with `results import`)."""
    t = result.total_ms
    mid = machine_id(result.machine)
    run = {"uuid": uuid or uuidlib.uuid4().hex, "machine_id": mid, "model": result.model,
           "width": float(result.width), "resolution": result.resolution, "options": dict(result.options),
           "batch": result.batch, "threads": result.threads, "memory_format": result.memory_format,
           "device": result.device, "path": result.path, "weights": result.weights, "timestamp": now(),
           "total_ms": t.to_json(), "layer_sum_ms": result.layer_sum_ms, "overhead_ms": result.overhead_ms,
           "madds": result.madds, "params": result.params, "layers": [lt.to_json() for lt in result.layers]}
    machine = {"id": mid, "label": machine_label(result.machine), "fingerprint": machine_part(result.machine)}
    return {"format": FORMAT, "schema_version": SCHEMA_VERSION, "exported": now(), "machines": [machine],
            "runs": [run], "accuracies": []}


def keep_unsaved(result: ProfileResult) -> Path:
    """Write a measurement the database could not take to <user data>/unsaved/ (or the temporary
    folder when that is unusable), so `results import` can add it later; returns the file."""
    doc = run_document(result)
    name = f"run-{result.model}-{doc['runs'][0]['uuid'][:8]}.json"
    folders = [Path(tempfile.gettempdir())]
    with contextlib.suppress(InvalidInput):  # an unusable MOBILENET_STUDIO_HOME: the temporary folder
        folders.insert(0, user_home() / "unsaved")
    for folder in folders:
        try:
            folder.mkdir(parents=True, exist_ok=True)
            _atomic_write(folder / name, lambda fh: json.dump(doc, fh, indent=1))
            return folder / name
        except (OSError, InvalidInput):
            continue
    raise InvalidInput("the run could not be kept in a file either (no writable folder)")


def save_or_keep(result: ProfileResult, db_path: Path | None = None) -> tuple[RunRecord | None, str | None]:
    """Store a measurement; when the database cannot take it, keep it in a file instead.
    Returns (the stored run, None) or (None, one line saying why and where the run went)."""
    try:
        with ResultsDB(db_path) as db:
            return db.save_run(result), None
    except StudioError as exc:
        reason = str(exc)
    try:
        kept = keep_unsaved(result)
    except InvalidInput as exc:
        return None, f"the run was not saved ({reason}); {exc}"
    return None, (f"the run was not saved ({reason}); it is kept in {kept}: "
                  f"'mobilenet-studio results import {kept}' adds it")
