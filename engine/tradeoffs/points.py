"""Trade-off points: measured latency joined with accuracy, each point saying where its numbers
come from.

Accuracy: the user's own `evaluate` result for the configuration when there is one, else the
papers' published top-1. Among several published rows for one configuration, the source that
covers the most configurations of that family wins (the TF-slim READMEs for V1/V2, V3 Table 9),
so one family's curve never mixes two papers' rounding; superseded revisions are never used.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from functools import cache

from engine.models import catalog
from engine.results.store import AccuracyRecord, ResultsDB, RunRecord
from engine.analysis.published import PublishedRow, all_rows, variant_key
from engine.tradeoffs.sweep import SUPERSEDED


@dataclass(frozen=True)
class TradeoffPoint:
    model: str
    family: str  # v1 | v2 | v3-large | v3-small: one colour per family
    width: float
    resolution: int
    latency_ms: float  # measured median
    latency_p10_ms: float
    latency_p90_ms: float
    madds: int | None
    accuracy: float  # top-1, percent
    accuracy_source: str  # e.g. "published: slim-mobilenet-readme (Mobilenet V2 Imagenet Checkpoints)"
    accuracy_measured: bool  # True: the user's `evaluate`; False: a paper's table
    machine_id: str
    machine_label: str
    threads: int
    path: str
    run_uuid: str
    busy: bool = False  # timed while the machine's load exceeded its cores: re-measure it
    load: str = ""  # "load 2.9 → 3.4 on 2 cores" when recorded

    def label(self) -> str:
        return f"{self.model} {self.width:g}/{self.resolution}"

    def to_json(self) -> dict:
        return {**self.__dict__, "label": self.label()}


@cache
def _source_rank(family: str) -> dict[str, int]:
    counts = Counter(r.source for r in all_rows() if r.family == family and r.top1 is not None)
    return {source: -count for source, count in counts.items()}


def published_top1(family: str, width: float, resolution: int, *, minimalistic: bool = False) -> PublishedRow | None:
    """The published float top-1 row used for this configuration (None if no paper has it)."""
    variant = variant_key(family, minimalistic)
    rows = [r for r in all_rows() if r.family == family and r.variant == variant and r.precision == "float"
            and r.top1 is not None and r.source != SUPERSEDED and abs(r.width - width) < 1e-9
            and r.resolution == resolution]
    rank = _source_rank(family)
    return min(rows, key=lambda r: (rank.get(r.source, 0), r.source, r.table)) if rows else None


def _measured(accuracies: list[AccuracyRecord], run: RunRecord) -> AccuracyRecord | None:
    matches = [a for a in accuracies if a.model == run.model and abs(a.width - run.width) < 1e-9
               and a.resolution == run.resolution and a.options == run.options]
    return max(matches, key=lambda a: (a.n, a.timestamp)) if matches else None  # the largest evaluation


def tradeoff_points(db: ResultsDB | None = None, *, machine_id: str | None = None, threads: int | None = None,
                    path: str | None = "reference", batch: int = 1, device: str = "cpu") -> list[TradeoffPoint]:
    """One point per measured configuration (latest run per machine and setting) that has an
    accuracy. Several machines give several series (group by machine_id)."""
    own = db is None
    db = ResultsDB() if own else db
    try:
        runs = db.runs(machine_id=machine_id, threads=threads, path=path)
        accuracies = db.accuracies()
    finally:
        if own:
            db.close()
    latest: dict[tuple, RunRecord] = {}
    for run in runs:  # ordered by insertion: later runs replace earlier ones
        if run.batch == batch and run.device == device and run.memory_format == "contiguous":
            key = (run.machine_id, run.model, run.width, run.resolution, str(sorted(run.options.items())),
                   run.threads, run.path)
            latest[key] = run
    points = []
    for run in latest.values():
        if run.model not in catalog.MODELS.names():  # stored by a version with other models: not plottable
            continue
        info = catalog.model_info(run.model)
        measured = _measured(accuracies, run)
        if measured is not None:
            accuracy, source = 100.0 * measured.top1, f"measured: evaluate on {measured.dataset} ({measured.n} images)"
        else:
            if run.options.get("reduced_tail") or run.options.get("dilated") or info.task != "classification":
                continue
            row = published_top1(info.family, run.width, run.resolution,
                                 minimalistic=bool(run.options.get("minimalistic")))
            if row is None:
                continue
            accuracy, source = row.top1, f"published: {row.source} ({row.table})"
        points.append(TradeoffPoint(
            model=run.model, family=info.family, width=run.width, resolution=run.resolution,
            latency_ms=run.total_ms.median, latency_p10_ms=run.total_ms.p10, latency_p90_ms=run.total_ms.p90,
            madds=run.madds, accuracy=accuracy, accuracy_source=source, accuracy_measured=measured is not None,
            machine_id=run.machine_id, machine_label=run.machine_label, threads=run.threads, path=run.path,
            run_uuid=run.uuid, busy=run.busy, load=run.load_text()))
    return points
