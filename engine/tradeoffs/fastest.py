"""The fastest exact path, chosen by measurement (DESIGN.md §5) and cached per model, input size,
threads and machine.

Every exact path that runs here except the eager reference is timed on the same random-weights
network in interleaved rounds (engine.kernels.timing: machine load falls on every path alike);
the lowest median wins. The choice is kept in `cache_dir()/fastest_paths.json` under the
machine's id, so it is measured once; `measure=True` measures again.
"""

from __future__ import annotations

import json
import os
import statistics
import time
from dataclasses import dataclass

import torch

from engine import files, paths
from engine.kernels.timing import interleaved_seconds
from engine.models import catalog
from engine.profiling.machine import fingerprint
from engine.results.store import machine_id
from engine.runtime import EXACT_PATHS, PER_LAYER_PATHS, available_paths, fastest_exact_path, prepare
from engine.threads import torch_threads

REPEATS = 20  # timed calls per path, in blocks of 5 after 3 warm-up rounds
REFERENCE_CASE = ("mobilenet_v3_large", 224)  # a sweep's one path is chosen on this model


@dataclass(frozen=True, kw_only=True)
class FastestChoice:
    model: str
    resolution: int
    threads: int
    machine_id: str
    path: str
    medians_ms: dict  # path -> median ms in the deciding run
    load: tuple[float, float]  # 1-minute load average before and after the measurement
    measured_at: float

    def to_json(self) -> dict:
        return {**self.__dict__, "load": list(self.load)}


def _store_file():
    return paths.cache_dir() / "fastest_paths.json"


def _key(model: str, resolution: int, threads: int, mid: str) -> str:
    return f"{mid}|{model}|{resolution}|{threads}"


def _load_store() -> dict:
    return files.read_json_object(_store_file())


def this_machine(threads: int) -> str:
    return machine_id(fingerprint(threads=threads, device="cpu", backend="torch eager"))


def cached_choice(model: str, resolution: int | None = None, threads: int = 2) -> FastestChoice | None:
    """The stored measurement for this machine, or None."""
    resolution = resolution or catalog.model_info(model).input.size
    mid = this_machine(threads)
    record = _load_store().get(_key(model, resolution, threads, mid))
    if not isinstance(record, dict) or record.get("path") not in available_paths(model):
        return None  # never measured, or its runtime has gone since
    try:
        return FastestChoice(model=model, resolution=resolution, threads=threads, machine_id=mid,
                             path=record["path"], medians_ms=dict(record["medians_ms"]),
                             load=tuple(record["load"]), measured_at=float(record["measured_at"]))
    except (KeyError, TypeError, ValueError):
        return None


def measure_fastest(model: str, resolution: int | None = None, threads: int = 2, *,
                    repeats: int = REPEATS) -> FastestChoice:
    """Time every exact path but the reference, keep the fastest, store the choice."""
    resolution = resolution or catalog.model_info(model).input.size
    candidates = [p for p in EXACT_PATHS if p != "reference" and p in available_paths(model)]
    network = catalog.build_model(model)
    runners = {p: prepare(model, path=p, module=network, resolution=resolution, threads=threads,
                          keep_export=False) for p in candidates}
    x = torch.rand(1, 3, resolution, resolution)
    if catalog.model_info(model).task == "detection":  # the network takes the transformed batch
        x = network.transform([x[0]])[0].tensors
    before = os.getloadavg()[0]
    with torch_threads(threads), torch.inference_mode():
        samples = interleaved_seconds({p: (lambda run=run: run(x)) for p, run in runners.items()},
                                      repeats, warmup=3, block=5)
    after = os.getloadavg()[0]
    medians = {p: 1000 * statistics.median(t) for p, t in samples.items()}
    choice = FastestChoice(model=model, resolution=resolution, threads=threads, machine_id=this_machine(threads),
                           path=min(medians, key=medians.get), medians_ms=medians, load=(before, after),
                           measured_at=time.time())
    store = _load_store()
    record = choice.to_json()
    store[_key(model, resolution, threads, choice.machine_id)] = {
        k: record[k] for k in ("path", "medians_ms", "load", "measured_at")}
    files.write_text(_store_file(), json.dumps(store, indent=2, sort_keys=True) + "\n", make_parents=True)
    return choice


def default_path(model: str | None = None, resolution: int | None = None, threads: int = 2, *,
                 measure: bool = False, per_layer: bool = False) -> str:
    """The path to use by default: the measured fastest exact path for this model, size,
    threads and machine when known (measured now if `measure`), else engine.runtime's static
    default (onnxruntime where installed). per_layer: the fastest among the paths whose layers
    the profiler can time (LiteRT's cannot)."""
    if model is None:
        return fastest_exact_path()
    choice = cached_choice(model, resolution, threads)
    if choice is None and measure:
        choice = measure_fastest(model, resolution, threads)
    if choice is None:
        return fastest_exact_path()
    usable = {p: ms for p, ms in choice.medians_ms.items() if not per_layer or p in PER_LAYER_PATHS}
    return min(usable, key=usable.get) if usable else fastest_exact_path()


def sweep_path(threads: int = 2, *, measure: bool = True, per_layer: bool = False) -> str:
    """The path a sweep uses by default: the fastest exact one measured on V3-Large at 224 (one
    path per series, so every point of a sweep is on the same runtime)."""
    model, resolution = REFERENCE_CASE
    return default_path(model, resolution, threads, measure=measure, per_layer=per_layer)
