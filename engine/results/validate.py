"""Checking one run, machine or accuracy of an export document before anything is stored.

The limits are the ones the CLI enforces when it measures (engine.models.catalog for models,
widths, options and resolutions; the profiler's ranges for batch, threads and repeats), so an
imported row is one this app could have measured. Every check raises InvalidInput naming the
field, the value given and what is valid; the caller adds which run it came from.
Values come back normalised (ints as int, floats as float), ready for SQLite.
"""

from __future__ import annotations

import math
import re
from datetime import datetime

from engine.errors import InvalidInput, StudioError
from engine.models import catalog

MAX_INT = 10 ** 15  # MAdds and parameter counts; far below SQLite's 2^63
MAX_MS = 1e7  # a timing above ~3 hours is not a latency
MAX_TEXT = 500
MAX_LAYERS = 10_000
MAX_LOAD = 1e5  # a load average far above any machine's process count is not one
UUID = re.compile(r"[0-9A-Za-z-]{1,64}")
MACHINE_ID = re.compile(r"[0-9a-f]{16}")
PATH_NAME = re.compile(r"[a-z0-9_.-]{1,40}")
DEVICE = re.compile(r"(cpu|mps|cuda(:\d{1,2})?)")
MEMORY_FORMATS = ("contiguous", "channels_last")
MEMORY_FORMAT = re.compile("|".join(MEMORY_FORMATS))


def _field(doc: object, key: str, what: str = "entry"):
    if not isinstance(doc, dict):
        raise InvalidInput(f"{what} must be a JSON object, got {type(doc).__name__}")
    if key not in doc:
        raise InvalidInput(f"{key} is missing")
    return doc[key]


def text(value: object, name: str, *, pattern: re.Pattern | None = None, valid: str = "") -> str:
    if not isinstance(value, str) or not value or len(value) > MAX_TEXT:
        raise InvalidInput(f"{name} must be a non-empty string of at most {MAX_TEXT} characters, got {_show(value)}")
    if pattern is not None and not pattern.fullmatch(value):
        raise InvalidInput(f"{name} {value!r} is not valid; valid: {valid}")
    return value


def integer(value: object, name: str, lo: int, hi: int, *, optional: bool = False) -> int | None:
    if value is None and optional:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        if isinstance(value, float) and math.isfinite(value) and value.is_integer():
            value = int(value)
        else:
            raise InvalidInput(f"{name} must be a whole number, got {_show(value)}")
    if not lo <= value <= hi:
        raise InvalidInput(f"{name} {value} is out of range; valid: {lo} to {hi:g}")
    return value


def number(value: object, name: str, lo: float, hi: float, *, optional: bool = False) -> float | None:
    if value is None and optional:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise InvalidInput(f"{name} must be a number, got {_show(value)}")
    value = float(value)
    if not math.isfinite(value):
        raise InvalidInput(f"{name} is {value}; valid: a finite number from {lo:g} to {hi:g}")
    if not lo <= value <= hi:
        raise InvalidInput(f"{name} {value:g} is out of range; valid: {lo:g} to {hi:g}")
    return value


def timestamp(value: object, name: str = "timestamp") -> str:
    text(value, name)
    try:
        datetime.fromisoformat(value)
    except ValueError:
        raise InvalidInput(f"{name} {value!r} is not an ISO 8601 date and time") from None
    return value


def configuration(doc: dict) -> tuple[str, float, int, dict]:
    """model, width, resolution, options: a configuration this app can build."""
    model = _field(doc, "model")
    if not isinstance(model, str) or model not in catalog.MODELS.names():
        raise InvalidInput(f"model {_show(model)} is not a model of this app; valid: "
                           f"{', '.join(catalog.MODELS.names())}")
    width = number(_field(doc, "width"), "width", *catalog.WIDTH_RANGE)
    options = _field(doc, "options")
    if not isinstance(options, dict):
        raise InvalidInput(f"options must be a JSON object, got {_show(options)}")
    resolution = integer(_field(doc, "resolution"), "resolution", *catalog.RESOLUTION_RANGE)
    try:
        catalog.check_config(catalog.model_info(model), width, options)
    except StudioError as exc:
        raise InvalidInput(str(exc)) from None
    return model, width, resolution, dict(options)


def machine(doc: object) -> tuple[str, str, dict]:
    """id, label, fingerprint (the caller checks that the id is the fingerprint's hash)."""
    mid = text(_field(doc, "id", "machine"), "machine id")  # the caller compares it with the fingerprint's hash
    label = doc.get("label") or "unknown machine"
    text(label, "machine label")
    fingerprint = _field(doc, "fingerprint")
    if not isinstance(fingerprint, dict):
        raise InvalidInput(f"machine {mid}: fingerprint must be a JSON object, got {_show(fingerprint)}")
    return mid, label, fingerprint


def run(doc: object) -> dict:
    """A run's columns (as the runs table names them) plus `layers`: list of tuples."""
    uuid = text(_field(doc, "uuid", "run"), "uuid", pattern=UUID, valid="letters, digits and '-'")
    try:
        return _run(doc, uuid)
    except InvalidInput as exc:
        raise InvalidInput(f"run {uuid}: {exc}") from None


def _run(doc: dict, uuid: str) -> dict:
    model, width, resolution, options = configuration(doc)
    total = _field(doc, "total_ms")
    if not isinstance(total, dict):
        raise InvalidInput(f"total_ms must be a JSON object, got {_show(total)}")
    clean = {
        "uuid": uuid, "machine_id": text(_field(doc, "machine_id"), "machine_id", pattern=MACHINE_ID,
                                         valid="16 hex digits"),
        "model": model, "width": width, "resolution": resolution, "options": options,
        "batch": integer(_field(doc, "batch"), "batch", 1, 256),
        "threads": integer(_field(doc, "threads"), "threads", 1, 256),
        "memory_format": text(_field(doc, "memory_format"), "memory_format", pattern=MEMORY_FORMAT,
                              valid=", ".join(MEMORY_FORMATS)),
        "device": text(_field(doc, "device"), "device", pattern=DEVICE, valid="cpu, cuda, cuda:N, mps"),
        "path": text(_field(doc, "path"), "path", pattern=PATH_NAME, valid="an inference path name"),
        "weights": text(_field(doc, "weights"), "weights"),
        "timestamp": timestamp(_field(doc, "timestamp")),
        "median_ms": number(_field(total, "median"), "total_ms.median", 1e-6, MAX_MS),
        "p10_ms": number(_field(total, "p10"), "total_ms.p10", 0.0, MAX_MS),
        "p90_ms": number(_field(total, "p90"), "total_ms.p90", 0.0, MAX_MS),
        "runs": integer(_field(total, "runs"), "total_ms.runs", 1, 100_000),
        "layer_sum_ms": number(doc.get("layer_sum_ms"), "layer_sum_ms", 0.0, MAX_MS, optional=True),
        "overhead_ms": number(doc.get("overhead_ms"), "overhead_ms", -MAX_MS, MAX_MS, optional=True),
        "madds": integer(doc.get("madds"), "madds", 0, MAX_INT, optional=True),
        "params": integer(doc.get("params"), "params", 0, MAX_INT, optional=True),
        "load_before": number(doc.get("load_before"), "load_before", 0.0, MAX_LOAD, optional=True),
        "load_after": number(doc.get("load_after"), "load_after", 0.0, MAX_LOAD, optional=True),
        "cores": integer(doc.get("cores"), "cores", 1, 4096, optional=True),
    }
    layers = doc.get("layers", [])
    if not isinstance(layers, list) or len(layers) > MAX_LAYERS:
        raise InvalidInput(f"layers must be a list of at most {MAX_LAYERS} entries, got {_show(layers)}")
    clean["layers"] = [_layer(lt, i) for i, lt in enumerate(layers)]
    return clean


def _layer(doc: object, i: int) -> tuple:
    name = f"layers[{i}]"
    return (text(_field(doc, "name", name), f"{name}.name"), text(_field(doc, "kind"), f"{name}.kind"),
            text(_field(doc, "block"), f"{name}.block"),
            number(_field(doc, "ms_median"), f"{name}.ms_median", 0.0, MAX_MS),
            integer(_field(doc, "madds"), f"{name}.madds", 0, MAX_INT),
            integer(_field(doc, "params"), f"{name}.params", 0, MAX_INT))


def accuracy(doc: object) -> dict:
    uuid = text(_field(doc, "uuid", "accuracy"), "uuid", pattern=UUID, valid="letters, digits and '-'")
    try:
        model, width, resolution, options = configuration(doc)
        mid = doc.get("machine_id")
        clean = {
            "uuid": uuid, "machine_id": None if mid is None else text(mid, "machine_id", pattern=MACHINE_ID,
                                                                      valid="16 hex digits"),
            "model": model, "width": width, "resolution": resolution, "options": options,
            "weights": text(_field(doc, "weights"), "weights"),
            "dataset": text(_field(doc, "dataset"), "dataset"),
            "top1": number(_field(doc, "top1"), "top1 (a fraction)", 0.0, 1.0),
            "top5": number(_field(doc, "top5"), "top5 (a fraction)", 0.0, 1.0),
            "n": integer(_field(doc, "n"), "n (images)", 1, 10 ** 9),
            "timestamp": timestamp(_field(doc, "timestamp")),
        }
    except InvalidInput as exc:
        raise InvalidInput(f"accuracy {uuid}: {exc}") from None
    if clean["top5"] < clean["top1"]:
        raise InvalidInput(f"accuracy {uuid}: top5 {clean['top5']:g} is below top1 {clean['top1']:g}")
    return clean


def _show(value: object) -> str:
    shown = repr(value)
    return (shown[:60] + "...") if len(shown) > 63 else shown
