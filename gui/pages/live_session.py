"""The Live page's controller: opens the source and loads the runners off the UI thread, starts,
swaps and stops the engine's LivePipeline, and joins retired pipelines on shutdown. No widgets:
the page reads `pipeline` and listens to the signals.

A restart never waits for the old pipeline's threads (they end within a frame): the old one is
retired and joined on shutdown, so the UI never blocks on a slow model."""

from __future__ import annotations

import time

from PySide6.QtCore import QObject, Signal

from engine import api
from engine.api import SourceSpec
from gui.widgets.live_controls import LiveControls
from gui.workers.jobs import JobRunner

__all__ = ["LiveSession", "RunnerCache", "agreement_text", "demo_note", "lane_weights", "live_controls"]


def live_controls() -> LiveControls:
    """The control panel with the engine's choices: each task's models and default (detection
    defaults to the engine's pair of real detectors side by side), the camera backends and the
    inference paths."""
    tasks = {task: (api.models_for(task), api.DEFAULT_MODELS[task]) for task in api.DEFAULT_MODELS}
    tasks["detect"] = (tasks["detect"][0], api.LIVE_DEFAULT_PAIR[0])
    paths = [(p.name, p.available, p.reason) for p in api.path_statuses() if p.exact]
    return LiveControls(tasks, api.CAMERA_BACKENDS, second={"detect": api.LIVE_DEFAULT_PAIR[1]}, paths=paths)


def lane_weights(model: str, weights: str | None) -> tuple[str, str, str]:
    """(a line for the lane, its tooltip, the entry to fetch or ""): the real weights' name,
    source and licence (from the manifest, no hashing), or that there are none and which
    entry would bring them."""
    entries = [e for e in api.weight_entries() if e.model == model]
    entry = next((e for e in entries if e.name == weights), None)
    if entry is not None:
        source = entry.sources[0]
        where = source.requirement or source.url
        licence = entry.licence.split(" (")[0]
        return (f"real weights: {entry.name} · {where} · {licence}",
                f"{entry.description}\nsource: {where}\nlicence: {entry.licence}", "")
    if weights:  # an imported checkpoint
        return f"weights: {weights}", weights, ""
    fetchable = next((e for e in sorted(entries, key=lambda e: not e.default)), None)
    if fetchable is None:
        return "random weights: no trained weights are published for this configuration", "", ""
    return (f"random weights: {fetchable.name} is not in the cache",
            f"{fetchable.description}\nlicence: {fetchable.licence}", fetchable.name)


def demo_note() -> tuple[str, str]:
    """What the demo source will play: the cached video with its credit, or the labelled
    slideshow fallback and how to get the video (a file check only, no hashing)."""
    path, why = api.demo_video(verify=False)
    if path is not None:
        return "vtest.avi (OpenCV sample)", api.DEMO_VIDEO_CREDIT
    return "slideshow (fallback: no demo video)", why


def agreement_text(agreement: api.LaneAgreement, models: list[str], iou: float, score: float) -> str:
    """The people each lane found on their newest shared frame and how many boxes match."""
    a, b = agreement.agreement.count_a, agreement.agreement.count_b
    return (f"<b>Agreement</b> on frame {agreement.frame_id} (score ≥ {score:.2f}):<br>"
            f"<span style='font-size: 14pt;'><b>{a}</b> vs <b>{b}</b> people · "
            f"<b>{agreement.agreement.matched}</b> matched</span> at IoU ≥ {iou:.1f}<br>"
            f"A {models[0]} · B {models[1]}")


class RunnerCache:
    """Loaded runners by (lane, task, model, weights, path). Each lane gets its own runner object,
    so two lanes never share one network across threads. Touched only by the job threads (the
    engine serialises the exports that loading on the onnxruntime path does)."""

    KEEP = 6  # a few models stay loaded, so flipping between two is instant

    def __init__(self) -> None:
        self._loaded: dict[tuple[int, str, str, str | None, str], api.TaskRunner] = {}

    def get(self, lane: int, task: str, model: str, path: str | None = None) -> api.TaskRunner:
        """path None: the model's default, the fastest exact (fp32) path measured on this machine
        (api.runner_path); the runner's `path` says which ran (a model that cannot run the one
        asked for falls back, e.g. onnxruntime -> fast)."""
        path = path or api.runner_path(model)
        weights = api.cached_weights(model)  # never fetches: downloads belong to the Weights page
        key = (lane, task, model, weights, path)
        runner = self._loaded.get(key)
        if runner is None:
            runner = api.make_runner(task, model, weights=weights, path=path)
            self._loaded[key] = runner
            while len(self._loaded) > self.KEEP:  # dicts keep insertion order: drop the oldest
                self._loaded.pop(next(iter(self._loaded)))
        return runner

    def lanes(self, task: str, models: list[str], paths: tuple[str | None, str | None] = (None, None)
              ) -> list[api.TaskRunner]:
        """One runner per lane, all on the same inference path unless lane B's path was picked:
        by default lane A's model's measured fastest exact path (api.runner_path: the stored
        measurement, never measured here); when one model falls back from the path asked for,
        the other lanes follow it, so the comparison is never onnxruntime beside fast."""
        first = paths[0] or api.runner_path(models[0])
        wanted = [first, *[(paths[1] or first) for _ in models[1:]]]
        runners = [self.get(i, task, m, wanted[i]) for i, m in enumerate(models)]
        if paths[1] is None and len({r.path for r in runners}) > 1:
            common = next(r.path for r, w in zip(runners, wanted) if r.path != w)
            runners = [r if r.path == common else self.get(i, task, m, common)
                       for i, (r, m) in enumerate(zip(runners, models))]
        return runners


class LiveSession(QObject):
    """Signals: `starting(spec, runners)` just before the new pipeline starts (the page sets its
    lanes up), `start_failed(message)`, `swapped(lane, task, runners)`, `swap_failed(message)`,
    `busy_changed(busy, label)` while a source opens or a model loads."""

    starting = Signal(object, object)
    start_failed = Signal(str)
    swapped = Signal(int, str, object)  # lane changed, task, every lane's runner
    swap_failed = Signal(str)
    busy_changed = Signal(bool, str)

    def __init__(self, parent: QObject | None = None):
        super().__init__(parent)
        self.pipeline: api.LivePipeline | None = None
        self.runners: list[api.TaskRunner] = []
        self.lanes = 0  # lanes of self.pipeline
        self.source_fps = 30.0
        self.want_running = False
        self.closed = False
        self.paths: tuple[str | None, str | None] = (None, None)
        self._retired: list[api.LivePipeline] = []  # stopped without waiting; joined on shutdown
        self._cache = RunnerCache()
        self.starter = JobRunner(self)  # open source + load runners
        self.starter.succeeded.connect(self._on_started)
        self.starter.failed.connect(self._on_start_failed)
        self.starter.busy_changed.connect(self.busy_changed)
        self.swapper = JobRunner(self)  # load a replacement runner while running
        self.swapper.succeeded.connect(self._on_swapped)
        self.swapper.failed.connect(lambda _serial, message: self.swap_failed.emit(message))
        self.swapper.busy_changed.connect(self.busy_changed)

    def running(self) -> bool:
        return self.pipeline is not None and self.pipeline.running

    def is_busy(self) -> bool:
        return self.starter.is_busy() or self.swapper.is_busy()

    def start(self, spec: SourceSpec, task: str, models: list[str],
              paths: tuple[str | None, str | None] = (None, None)) -> None:
        """Open `spec` and load `models` for `task` off the UI thread, then start (after halt()).
        paths: lane A's inference path (None: the fastest exact one measured for lane A's model)
        and lane B's (None: A's)."""
        self.want_running = True
        self.paths = paths
        cache = self._cache

        def prepare(_job):
            source = spec.open()  # a bad source fails before any model loads
            try:
                return spec, source, cache.lanes(task, models, paths)
            except BaseException:
                source.close()
                raise

        self.starter.submit(prepare, f"Starting {', '.join(models)} on {spec.describe()}…")

    def swap(self, lane: int, task: str, models: list[str]) -> None:
        """Load `models[lane]` off the UI thread for the running pipeline; the other lanes are
        reloaded too only when the new model moves the shared inference path."""
        cache, paths = self._cache, self.paths
        self.swapper.submit(lambda _job: (lane, task, cache.lanes(task, models, paths)), f"Loading {models[lane]}…")

    def halt(self) -> None:
        """Stop the running pipeline without waiting for its threads."""
        pipeline = self.pipeline
        if pipeline is not None and pipeline.running:
            pipeline.stop(timeout=0)
            self._retired.append(pipeline)

    def shutdown(self, seconds: float = 1.0) -> None:
        """Stop every pipeline thread and job within `seconds` (window close)."""
        self.closed, self.want_running = True, False
        deadline = time.monotonic() + seconds
        for pipeline in [*self._retired, *([self.pipeline] if self.pipeline else [])]:
            pipeline.stop(timeout=max(0.0, deadline - time.monotonic()))
        self._retired = []
        left_ms = max(0, int(1000 * (deadline - time.monotonic())))
        self.starter.wait(left_ms)
        self.swapper.wait(left_ms)

    def _on_started(self, _serial: int, payload) -> None:
        spec, source, runners = payload
        if self.closed or not self.want_running:
            source.close()
            return
        self._retired = [p for p in self._retired if not p.stop(timeout=0)]
        self.pipeline, self.lanes = api.LivePipeline(runners), len(runners)
        self.runners = list(runners)  # as started (set_runner swaps lanes later)
        self.source_fps = source.fps
        self.starting.emit(spec, self.runners)
        self.pipeline.start(source, pace="live")

    def _on_start_failed(self, _serial: int, message: str) -> None:
        self.want_running = False
        self.start_failed.emit(message)

    def _on_swapped(self, _serial: int, payload) -> None:
        lane, task, runners = payload
        if self.closed or not self.running() or len(runners) != self.lanes:
            return
        self.swapped.emit(lane, task, runners)

    def lane_models(self) -> list[str]:
        return [runner.model for runner in self.runners]

    def put(self, lane: int, runner: api.TaskRunner) -> None:
        """Run `runner` in `lane` from the next frame on (the page checked it is still wanted)."""
        self.pipeline.set_runner(lane, runner)
        self.runners[lane] = runner
