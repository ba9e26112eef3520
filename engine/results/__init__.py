"""The results database (SQLite, WAL, versioned schema) of measured runs, per-layer rows, machine
fingerprints and measured accuracies; CSV/JSON export and import of other machines' exports."""

from engine.results.store import AccuracyRecord, Machine, ResultsDB, RunRecord, default_path, machine_id
from engine.results.ingest import ImportSummary
from engine.results.opening import ResultsBusy, ResultsUnavailable
from engine.results.transfer import export_csv, export_json, import_json

__all__ = ["AccuracyRecord", "Machine", "ResultsDB", "RunRecord", "default_path", "machine_id",
           "ImportSummary", "ResultsBusy", "ResultsUnavailable", "export_csv", "export_json", "import_json"]
