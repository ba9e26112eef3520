"""Sweeps: measure a grid of backbone × width × resolution on this machine, resumably.

The default grid is every configuration of the four backbones for which the papers publish a
float ImageNet top-1 at 96-224 px (assets/papers: V1 widths 0.25-1.0 × 128-224 from the TF-slim
README; V2 0.35-1.0 × 96-224 plus 1.3 and 1.4 at 224; V3-Large/Small widths 0.35-1.25 at 224 and
resolutions 96-192 at width 1.0 from V3 Table 9, the points of the V3 paper's Figure 7): a
measured point without a published accuracy cannot be placed on the accuracy axes. Explicit
widths/resolutions give their full product instead.

Each configuration is stored the moment it is measured (one transaction), so stopping at any
time loses only the one in flight, and configurations already measured on this machine with the
same threads and inference path are skipped: re-running resumes.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from engine.errors import InvalidInput, check_range
from engine.kernels.timing import Progress, ShouldStop, check_stop, report
from engine.models import catalog
from engine.profiling.latency import profile_model
from engine.profiling.machine import fingerprint
from engine.results.claims import claimed
from engine.results.opening import ResultsUnavailable
from engine.results.store import ResultsDB, RunRecord, machine_id, options_key
from engine.results.transfer import keep_unsaved
from engine.analysis.published import all_rows
from engine.runtime import check_path
from engine.tradeoffs.fastest import sweep_path

BACKBONES = ("mobilenet_v1", "mobilenet_v2", "mobilenet_v3_large", "mobilenet_v3_small")
RESOLUTION_SPAN = (96, 224)
WIDTH_SPAN = (0.25, 1.4)
SUPERSEDED = "V3-arXiv-early"  # an earlier revision's numbers, replaced by the latest tables
# Sweep timing: fits the default grid in well under 5 minutes on a 2-core laptop-class CPU while
# keeping the median of 20 runs (p10/p90 stored next to it) after 3 warm-up passes.
SWEEP_REPEATS = 20
SWEEP_WARMUP = 3
CLAIM_POLL_S = 0.5  # how often a sweep looks again at points another sweep is measuring


@dataclass(frozen=True)
class SweepConfig:
    model: str
    width: float
    resolution: int

    def label(self) -> str:
        return f"{self.model} {self.width:g}/{self.resolution}"


@dataclass(frozen=True)
class SweepSummary:
    total: int
    measured: int
    skipped: int  # already in the database for this machine, threads and path
    seconds: float
    threads: int
    path: str
    busy: tuple[str, ...] = ()  # points measured while the machine was busy (load > cores): re-measure them

    def to_json(self) -> dict:
        return {**self.__dict__, "busy": list(self.busy)}


def published_configs(model: str) -> list[SweepConfig]:
    """The configurations with a published float top-1 in the default span, ordered."""
    family = catalog.model_info(model).family
    keys = {(r.width, r.resolution) for r in all_rows()
            if r.family == family and r.variant in ("", family.split("-")[-1]) and r.precision == "float"
            and r.top1 is not None and r.source != SUPERSEDED
            and RESOLUTION_SPAN[0] <= r.resolution <= RESOLUTION_SPAN[1]
            and WIDTH_SPAN[0] <= r.width <= WIDTH_SPAN[1]}
    return [SweepConfig(model, w, r) for w, r in sorted(keys)]


def sweep_grid(models: Sequence[str] | None = None, widths: Sequence[float] | None = None,
               resolutions: Sequence[int] | None = None) -> list[SweepConfig]:
    """The configurations a sweep measures: published points by default, else the product."""
    models = list(models or BACKBONES)
    for model in models:
        if model not in BACKBONES:
            raise InvalidInput(f"sweep model {model!r} is not a backbone; valid: {', '.join(BACKBONES)}")
        info = catalog.model_info(model)
        for width in widths or ():
            catalog.check_config(info, width, {})
    for resolution in resolutions or ():
        catalog.check_resolution(resolution)
    grid: list[SweepConfig] = []
    for model in models:
        if widths is None and resolutions is None:
            grid += published_configs(model)
            continue
        published = published_configs(model)
        ws = sorted(set(widths)) if widths else sorted({c.width for c in published})
        rs = sorted(set(resolutions)) if resolutions else sorted({c.resolution for c in published})
        grid += [SweepConfig(model, float(w), int(r)) for w in ws for r in rs]
    return grid


@dataclass(frozen=True)
class _Stored:
    run: RunRecord
    busy: bool


def _measure_and_store(db: ResultsDB, config: SweepConfig, threads: int, repeats: int, warmup: int, path: str,
                       per_layer: bool, should_stop: ShouldStop | None) -> _Stored:
    result = profile_model(config.model, width=config.width, resolution=config.resolution, threads=threads,
                           repeats=repeats, warmup=warmup, path=path, per_layer=per_layer, should_stop=should_stop)
    try:
        return _Stored(db.save_run(result), bool(result.busy))
    except ResultsUnavailable as exc:  # keep the run just measured, then stop
        kept = keep_unsaved(result)
        raise type(exc)(f"{exc}; the last run is kept in {kept} ('results import' adds "
                       f"it); run the same sweep again to resume") from None


def run_sweep(configs: Sequence[SweepConfig] | None = None, *, threads: int = 2, repeats: int = SWEEP_REPEATS,
              warmup: int = SWEEP_WARMUP, per_layer: bool = False, path: str | None = "reference",
              db: ResultsDB | None = None, progress: Progress | None = None,
              should_stop: ShouldStop | None = None,
              on_row: Callable[[RunRecord], None] | None = None, remeasure: bool = False,
              remeasure_busy: bool = False) -> SweepSummary:
    """Measure each configuration not yet in the database, storing each as soon as it is done.

    progress(done, total) counts configurations (skipped ones included); should_stop() is polled
    between configurations and inside each measurement (raises Cancelled: what finished stays
    stored); on_row(record) sees every newly stored run, e.g. to plot it while the sweep goes on.
    path None: the fastest exact path measured on this machine (engine.tradeoffs.fastest),
    measured first if it never was. Each point's load average before and after is recorded and
    a point measured on a busy machine is listed in the summary's `busy`. Two sweeps on one
    database share the work (engine.results.claims): a point another sweep is measuring is
    left to it, and waited for at the end. remeasure: measure `configs` even when stored (a
    point measured on a busy machine); the newer run is the one the plots use. remeasure_busy:
    only those of `configs` whose latest stored run here was measured on a busy machine, again.
    """
    configs = list(sweep_grid() if configs is None else configs)
    check_range("threads", threads, 1, 256)
    check_range("repeats", repeats, 3, 100000)
    check_range("warmup", warmup, 0, 100000)
    if path is None:
        path = sweep_path(threads, per_layer=per_layer)
    check_path(path)
    busy: list[str] = []
    own = db is None
    db = ResultsDB() if own else db
    try:
        mid = machine_id(fingerprint(threads=threads, device="cpu", backend="torch eager"))
        if remeasure_busy:
            stale = db.busy_configs(machine_id=mid, threads=threads, path=path)
            configs = [c for c in configs if (c.model, round(c.width, 6), c.resolution, options_key({})) in stale]
            remeasure = True
        start = time.perf_counter()
        measured = skipped = 0
        waiting: list[SweepConfig] = []  # being measured by another sweep on this database right now

        def measure(config: SweepConfig) -> bool:
            """Measure and store `config` unless it is stored already (by anyone) or another
            sweep is measuring it; False only in that last case."""
            nonlocal measured, skipped
            key = (config.model, round(config.width, 6), config.resolution, options_key({}))
            if not remeasure and key in db.measured_configs(machine_id=mid, threads=threads, path=path):
                skipped += 1
                return True
            with claimed(db.path, (mid, threads, path, *key)) as mine:
                if not mine:
                    return False
                if not remeasure and key in db.measured_configs(machine_id=mid, threads=threads, path=path):
                    skipped += 1  # stored between the first look and the claim
                    return True
                record = _measure_and_store(db, config, threads, repeats, warmup, path, per_layer, should_stop)
            measured += 1
            if record.busy:
                busy.append(config.label())
            if on_row is not None:
                on_row(record.run)
            return True

        report(progress, 0, len(configs))
        done = 0
        for config in configs:
            check_stop(should_stop)
            if measure(config):
                done += 1
                report(progress, done, len(configs))
            else:
                waiting.append(config)
        while waiting:  # the other sweep stores them, or gives them up (cancelled) and then they are ours
            check_stop(should_stop)
            still = [c for c in waiting if not measure(c)]
            done += len(waiting) - len(still)
            if len(still) < len(waiting):
                report(progress, done, len(configs))
            else:
                time.sleep(CLAIM_POLL_S)
            waiting = still
        return SweepSummary(len(configs), measured, skipped, time.perf_counter() - start, threads, path,
                            tuple(busy))
    finally:
        if own:
            db.close()
