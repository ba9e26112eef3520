"""What the Trade-offs page plots, read from the results database: measured points grouped in
series (one per machine × threads), the papers' MAdds-vs-top-1 points that need no measuring,
and the sweep's resume state. The page's model: it queries the engine and hands the plots and
controls plain data. Qt-free, so it is testable alone.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from engine.api import (
    SWEEP_REPEATS, Recommendation, ResultsDB, RunRecord, StudioError, SweepConfig, SweepSummary, TradeoffPoint,
    export_csv, export_json, fingerprint, import_json, latency_front, machine_id, madds_front, options_key,
    published_top1, recommend, results_path, run_sweep, sweep_grid, tradeoff_points, wilson_interval,
)
from gui.widgets.tradeoffs_points import FAMILIES, PaperPoint

__all__ = [
    "FAMILIES", "PATH", "MeasuredTop1", "PaperPoint", "Recommendation", "RunRecord", "SWEEP_REPEATS", "Series", "Snapshot",
    "SweepConfig", "SweepSummary", "TradeoffPoint", "export_results", "import_results", "latency_front",
    "load_snapshot", "madds_front", "recommend_for", "run_sweep", "series_key", "sweep_configs", "sweep_progress",
    "this_machine_id",
]

PATH = "reference"  # the inference path sweeps measure (the papers' eager PyTorch model)



@dataclass(frozen=True)
class Series:
    """The points measured on one machine with one thread count on one inference path: one
    curve per family. Sweeps and Profiler runs of a path land in the same series."""

    machine_id: str
    machine_label: str
    threads: int
    this_machine: bool
    path: str = PATH

    @property
    def key(self) -> str:
        return series_key(self.machine_id, self.threads, self.path)

    def label(self) -> str:
        mine = " (this machine)" if self.this_machine else ""
        return f"{self.machine_label}{mine} · {self.threads} thread{'s' if self.threads != 1 else ''} · {self.path}"


def series_key(machine: str, threads: int, path: str) -> str:
    return f"{machine}|{threads}|{path}"


@dataclass(frozen=True)
class MeasuredTop1:
    """A point's top-1 measured with `evaluate` (percent), its Wilson 95 % interval from the
    stored n, and the published top-1 of the same configuration to plot beside it."""

    top1: float
    low: float
    high: float
    n: int
    published: float | None


@dataclass(frozen=True)
class Snapshot:
    points: tuple[TradeoffPoint, ...] = ()
    series: tuple[Series, ...] = ()
    paper: tuple[PaperPoint, ...] = field(default_factory=tuple)
    runs: int = 0  # stored runs of any kind, with or without an accuracy
    problem: str = ""  # why the database could not be read, or what was done to repair it
    measured: dict = field(default_factory=dict)  # run_uuid -> MeasuredTop1, for measured accuracies

    def points_of(self, key: str | None) -> list[TradeoffPoint]:
        return [p for p in self.points if series_key(p.machine_id, p.threads, p.path) == key]

    def find(self, key: str | None) -> Series | None:
        return next((s for s in self.series if s.key == key), None)


_notices: list[str] = []  # repairs done by any read here, shown by the next load_snapshot


def _open(path: Path | None = None) -> ResultsDB:
    db = ResultsDB(path)
    if db.notice:
        _notices.append(db.notice)
    return db


def this_machine_id(threads: int) -> str:
    """The id sweeps on this machine store their runs under (threads do not change it)."""
    return machine_id(fingerprint(threads=threads, device="cpu", backend="torch eager"))


def paper_points(configs: Iterable[SweepConfig]) -> tuple[PaperPoint, ...]:
    out = []
    for c in configs:
        family = next(f for f, model, _label in FAMILIES if model == c.model)
        row = published_top1(family, c.width, c.resolution)
        if row is not None and row.madds_millions and row.top1 is not None:
            out.append(PaperPoint(c.model, family, c.width, c.resolution, row.madds_millions, row.top1,
                                  f"{row.source} ({row.table})"))
    return tuple(out)


def load_snapshot(path: Path | None = None) -> Snapshot:
    """Everything the page draws. Cheap (one small SQLite read); an absent database is not
    created, so merely opening the page leaves no file behind."""
    paper = paper_points(sweep_grid())
    db_path = Path(path) if path is not None else results_path()
    if not db_path.exists():
        return Snapshot(paper=paper)
    try:
        with _open(db_path) as db:
            points = tradeoff_points(db, path=None)  # every path: one series each
            runs = len(db.runs())
            accuracies = db.accuracies()
    except StudioError as exc:  # the page still opens: the papers' points and the reason instead
        return Snapshot(paper=paper, problem=str(exc))
    problem = " ".join(_notices)
    _notices.clear()
    mine = this_machine_id(1)
    keys: dict[str, Series] = {}
    for p in points:
        s = Series(p.machine_id, p.machine_label, p.threads, p.machine_id == mine, p.path)
        keys.setdefault(s.key, s)
    # this machine first, then the others in the order they were stored
    series = sorted(keys.values(), key=lambda s: (not s.this_machine, s.path != PATH, s.threads != 2))
    return Snapshot(tuple(points), tuple(series), paper, runs, problem, measured_top1(points, accuracies))


def measured_top1(points: Sequence[TradeoffPoint], accuracies) -> dict:
    """For each point whose top-1 was measured: the stored record it used (the largest n, as
    tradeoff_points picks it), its Wilson interval and the published top-1 beside it."""
    out = {}
    for p in points:
        if not p.accuracy_measured:
            continue
        records = [a for a in accuracies if a.model == p.model and abs(a.width - p.width) < 1e-9
                   and a.resolution == p.resolution and a.n]
        if not records:
            continue
        best = max(records, key=lambda a: (a.n, a.timestamp))
        low, high = wilson_interval(round(best.top1 * best.n), best.n)
        row = published_top1(p.family, p.width, p.resolution)
        out[p.run_uuid] = MeasuredTop1(100.0 * best.top1, 100.0 * low, 100.0 * high, best.n,
                                       row.top1 if row is not None else None)
    return out


def sweep_configs(models: Sequence[str]) -> list[SweepConfig]:
    """The default grid (configurations with a published top-1) of the chosen backbones."""
    return sweep_grid(list(models)) if models else []


def sweep_progress(configs: Sequence[SweepConfig], threads: int, path: Path | None = None,
                   inference_path: str = PATH) -> int:
    """How many of `configs` this machine has already measured with `threads` on
    `inference_path`: what a sweep skips."""
    db_path = Path(path) if path is not None else results_path()
    if not configs or not db_path.is_file():
        return 0
    try:
        with _open(db_path) as db:
            done = db.measured_configs(machine_id=this_machine_id(threads), threads=threads, path=inference_path)
    except StudioError:  # load_snapshot reports it
        return 0
    return sum((c.model, round(c.width, 6), c.resolution, options_key({})) in done for c in configs)


def recommend_for(points: Sequence[TradeoffPoint], target_ms: float, w: float) -> Recommendation | None:
    return recommend(target_ms, w, points=points) if points else None


def sweep(configs: Sequence[SweepConfig], *, threads: int, repeats: int,
          progress: Callable[[int, int], None], should_stop: Callable[[], bool],
          on_row: Callable[[RunRecord], None], path: str = PATH, remeasure: bool = False) -> SweepSummary:
    """Run in a worker: opens its own connection (one per thread), stores each run as it lands;
    remeasure: time `configs` again even when stored (points measured on a busy machine)."""
    with _open() as db:
        return run_sweep(configs, threads=threads, repeats=repeats, path=path, db=db, progress=progress,
                         should_stop=should_stop, on_row=on_row, remeasure=remeasure)


def export_results(path: str | Path) -> int:
    """JSON keeps everything (layers, machines); CSV is one row per run. Both written atomically."""
    suffix = Path(path).suffix.lower()
    with _open() as db:
        return (export_csv if suffix == ".csv" else export_json)(db, path)


def import_results(path: str | Path) -> str:
    """Add another machine's JSON export; returns a one-line summary."""
    with _open() as db:
        s = import_json(db, path)
    return (f"imported {s.runs_added} runs ({s.runs_skipped} already present), {s.accuracies_added} "
            f"accuracies, {s.machines} new machine(s)")
