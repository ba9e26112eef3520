"""The Live page: a source (demo clip, webcam, video file, image folder), a task and one or two
models running on the same frames through the engine's LivePipeline, each lane with its own
overlay, HUD and latency curve.

Threads: the page's LiveSession opens the source and loads models on job threads and owns the
pipeline, which runs its own capture and inference threads; its LiveRecorder writes snapshots
and recordings. The UI thread only polls: a ~30 Hz timer
reads each lane's newest result and repaints when its `seq` changed, so no frame ever waits in
a Qt signal queue. A 10 ms StallMeter records the longest time the UI thread was unresponsive.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QSettings, Qt, QTimer
from PySide6.QtGui import QHideEvent, QKeySequence, QShowEvent
from PySide6.QtWidgets import QHBoxLayout, QLabel, QVBoxLayout, QWidget

from engine import api
from engine.api import SourceSpec
from gui.pages import register_page
from gui.pages.base import Page
from gui.pages.live_recorder import LiveRecorder
from gui.pages.live_session import LiveSession, agreement_text, demo_note, lane_weights, live_controls
from gui.widgets.panel import page_header
from gui.widgets.live_lane import LANE_COLOURS, LaneView
from gui.widgets.live_plot import LatencyPlot
from gui.widgets.stall_meter import StallMeter
from gui.widgets.fit import ElidedLabel

__all__ = ["LivePage"]

DISPLAY_MS = 33  # ~30 Hz: at most screen rate, and only lanes whose result changed repaint
HUD_EVERY = 3  # ticks between HUD and plot refreshes (~10 Hz)
SCREENSHOT_FRAMES = 60  # two seconds of the clip: the HUD and plot show settled figures
WARMUP_RESULTS = 2  # a model's first runs (allocations, thread start-up) stay off the plot
SCREENSHOT_MODELS = api.LIVE_DEFAULT_PAIR  # the person SSDLite against the COCO SSD


@register_page("live", "Live", order=60, tooltip="Webcam, video or demo clip through one or two models")
class LivePage(Page):
    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("page")
        self._seq = [0, 0]
        self._ticks = 0
        self._screenshot = False
        self.demo_size = (640, 480)
        self.session = LiveSession(self)
        self.session.starting.connect(self._on_starting)
        self.session.start_failed.connect(self._on_start_failed)
        self.session.swapped.connect(self._on_swapped)
        self.session.swap_failed.connect(self._show_error)
        self.session.busy_changed.connect(self.report_busy)
        self.recorder = LiveRecorder(self)
        self.recorder.message.connect(self.status_message)
        self.tracker: api.AgreementTracker | None = None  # two detectors running: their per-frame agreement
        self.recorder.error.connect(self._show_error)

        self.display_timer = QTimer(self)
        self.display_timer.setInterval(DISPLAY_MS)
        self.display_timer.timeout.connect(self._tick)
        self.stall = StallMeter(parent=self)

        self.controls = live_controls()
        self.recorder.recording_changed.connect(self.controls.set_recording)
        self.lanes = [LaneView(0, api.UNTRAINED), LaneView(1, api.UNTRAINED)]
        for lane in self.lanes:  # the Weights page's own job fetches, with its progress and cancel
            lane.fetch_asked.connect(lambda entry, model: self.navigate.emit("weights", {"fetch": entry,
                                                                                         "model": model}))
        self.plot = LatencyPlot(LANE_COLOURS)
        self.summary = QLabel("Idle")
        self.summary.setObjectName("cardNote")
        self.summary.setWordWrap(True)
        self.summary.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.agreement = QLabel("")
        self.agreement.setObjectName("agreement")
        self.agreement.setWordWrap(True)
        self.agreement.setToolTip("Two detectors on the same frame: the people each found (at the display "
                                  "threshold) and how many of their boxes pair up one-to-one at IoU ≥ 0.5")
        self.agreement.hide()
        self._build_layout()
        self._build_actions()
        self._wire()
        self._sync_models()
        self.controls.set_demo_note(*demo_note())

    # construction ---------------------------------------------------------------------------
    def _build_layout(self) -> None:
        self.subtitle = ElidedLabel("Real-time classification, detection and segmentation on a camera, a video or "
                               "the built-in demo clip; two models side by side on the same frames")
        layout = self.page_layout(spacing=10)
        layout.addLayout(page_header("Live", self.subtitle))
        layout.addWidget(self.controls)
        lanes = QHBoxLayout()
        lanes.setSpacing(12)
        for lane in self.lanes:
            lanes.addWidget(lane, 1)
        layout.addLayout(lanes, 1)  # the video takes what the rest leaves
        bottom = QHBoxLayout()
        self.plot.setMaximumHeight(130)
        bottom.addWidget(self.plot, 3)
        side = QVBoxLayout()
        side.addWidget(self.agreement)
        side.addWidget(self.summary, 1)
        bottom.addLayout(side, 2)
        layout.addLayout(bottom)

    def _build_actions(self) -> None:
        self.start_action, self.snapshot_action, self.record_action = (
            self.add_action(text, "", slot, QKeySequence(key)) for text, key, slot in (
                ("Start / stop", "Space", self.toggle), ("Snapshot", "S", self.snapshot),
                ("Record", "R", self.toggle_recording)))
        for act in (self.start_action, self.snapshot_action, self.record_action):
            act.setEnabled(False)  # only while the page shows (showEvent / hideEvent)

    def _wire(self) -> None:
        c = self.controls
        c.start_button.clicked.connect(self.toggle)
        c.snapshot_button.clicked.connect(self.snapshot)
        c.record_button.clicked.connect(self.toggle_recording)
        c.folder_asked.connect(lambda kind: self.recorder.ask_folder(self, kind))
        c.demo_button.clicked.connect(self.use_demo)
        c.task_changed.connect(self._on_task_changed)
        c.model_changed.connect(self._on_model_changed)
        c.source_changed.connect(self._on_source_changed)
        c.display_changed.connect(self._apply_display)

    # what the session and the recorder hold --------------------------------------------------
    @property
    def pipeline(self) -> api.LivePipeline | None:
        return self.session.pipeline

    @property
    def save_dir(self) -> str:
        return self.recorder.save_dir

    @save_dir.setter
    def save_dir(self, folder: str) -> None:
        self.recorder.save_dir = folder

    @property
    def last_saved(self) -> Path | None:
        return self.recorder.last_saved

    # control --------------------------------------------------------------------------------
    def toggle(self) -> None:
        if self.session.want_running:
            self.stop()
        else:
            self.start_run()

    def start_run(self) -> None:
        """(Re)start with what the controls say: source and models load off the UI thread."""
        self._halt()
        self._show_error("")
        spec, task, models = self.controls.source_spec(self.demo_size), self.controls.task(), self.controls.models()
        self.controls.set_running(True)
        self._set_summary(f"Opening {spec.describe()} and loading {', '.join(models)}…")
        self.session.start(spec, task, models, self.controls.paths())

    def stop(self, message: str = "Live view stopped") -> None:
        """Stop, and say so in the status bar (it said "Running …" until something else spoke)."""
        self.session.want_running = False
        self._halt()
        self.controls.set_running(False)
        self._update_hud()
        self.status_message.emit(message)

    def use_demo(self) -> None:
        self.controls.set_source_kind("demo")
        self.start_run()

    def _halt(self) -> None:
        """Stop the running pipeline without waiting for its threads (they end within a frame;
        shutdown joins them), so the UI never blocks on a slow model."""
        if self.session.running():
            self.recorder.stop(self.pipeline)
        self.session.halt()
        self.stall.stop()
        self.display_timer.stop()

    def _on_starting(self, spec: SourceSpec, runners: list[api.TaskRunner]) -> None:
        """The session's new pipeline is about to start: set the lanes up for it."""
        self._seq = [0, 0]
        detectors = self.controls.task() == "detect" and len(runners) == 2
        self.tracker = api.AgreementTracker(score=self._score()) if detectors else None
        self.agreement.setText("<b>Agreement</b>: waiting for a frame both detectors finished…")
        self.agreement.setVisible(detectors)
        self.plot.clear_points()
        self._apply_display()
        for i, lane in enumerate(self.lanes):
            if i < len(runners):
                self._set_lane(i, runners[i])
        self.plot.set_names([r.model for r in runners])
        self.stall.start()
        self.display_timer.start()
        paths = sorted({r.path for r in runners})
        self.status_message.emit(f"Running {', '.join(r.model for r in runners)} on {spec.describe()} "
                                 f"({' and '.join(paths)} path)")

    def _on_start_failed(self, message: str) -> None:
        self.controls.set_running(False)
        self._show_error(message, offer_demo=self.controls.source_kind() != "demo")
        self._set_summary("Not running")
        self.status_message.emit(message)

    def _on_task_changed(self) -> None:
        self._sync_models()
        if self.session.want_running:
            self.start_run()

    def _on_source_changed(self) -> None:
        if self.session.want_running:
            self.start_run()

    def _on_model_changed(self, lane: int) -> None:
        self._sync_models()
        models = self.controls.models()
        if not self.session.want_running:
            return
        if not self.session.running() or len(models) != self.session.lanes:
            self.start_run()  # a lane added or removed: the pipeline is rebuilt
            return
        self.session.swap(lane, self.controls.task(), models)

    def _on_swapped(self, lane: int, task: str, runners: list[api.TaskRunner]) -> None:
        if task != self.controls.task() or self.controls.models() != [r.model for r in runners]:
            return  # the user moved on meanwhile
        for i, runner in enumerate(runners):
            if runner is not self.session.runners[i]:  # the new model, or a lane following its path
                self.session.put(i, runner)
                self._set_lane(i, runner)
        self.plot.set_names(self.controls.models())
        self.status_message.emit(f"Lane {'AB'[lane]} now runs {runners[lane].model} on {runners[lane].path}")

    def _set_lane(self, i: int, runner: api.TaskRunner) -> None:
        self.lanes[i].set_model(runner.model, runner.untrained, runner.path)
        self.lanes[i].set_weights(*lane_weights(runner.model, runner.weights))

    def _sync_models(self) -> None:
        models = self.controls.models()
        for i, lane in enumerate(self.lanes):
            lane.setVisible(i < len(models))
            if i < len(models) and lane.title.text() != models[i]:
                lane.set_model(models[i], None)
                lane.set_weights("")  # said once the model loads

    # display --------------------------------------------------------------------------------
    def _apply_display(self) -> None:
        """Sliders act at once: new frames use them, and the newest frame is drawn again."""
        pipeline, options = self.pipeline, self.controls.display_options()
        if self.tracker is not None:
            self.tracker.score = self._score()
        if pipeline is None:
            return
        for lane in range(self.session.lanes):
            pipeline.set_display(lane, **options)
            try:
                image = pipeline.redraw(lane, **options)
            except api.StudioError as exc:
                self._show_error(str(exc))
                continue
            if image is not None:
                self.lanes[lane].set_frame(image)

    def _tick(self) -> None:
        pipeline = self.pipeline
        if pipeline is None:
            return
        for lane in range(self.session.lanes):
            result = pipeline.latest(lane)
            if result is not None and result.seq != self._seq[lane]:
                self._seq[lane] = result.seq
                self.lanes[lane].set_frame(result.annotated)
                if self.tracker is not None:
                    self.tracker.add(result)
                if result.seq > WARMUP_RESULTS:  # one 400 ms first run would set the scale for 20 s
                    self.plot.add(lane, result.stage_ms["inference"])
        self._ticks += 1
        if self._ticks % HUD_EVERY == 0:
            self._update_hud()

    def _update_hud(self) -> None:
        pipeline = self.pipeline
        if pipeline is None:
            return
        status = pipeline.status()
        for lane in status.lanes:
            self.lanes[lane.lane].set_status(lane)
        self.plot.refresh()
        agreement = None if self.tracker is None else self.tracker.latest()
        if agreement is not None:
            self.agreement.setText(agreement_text(agreement, self.session.lane_models(), self.tracker.iou,
                                                  self.tracker.score))
        state = status.state
        if state in ("ended", "error") and self.session.want_running:
            self.session.want_running = False  # the source is done: stop the threads, keep the last frames
            self._halt()
            self.controls.set_running(False)
            self.status_message.emit(status.message)
            if state == "error":
                self._show_error(status.message)
        record = "  ● recording" if status.recording else ""
        if pipeline.record_error:
            record = f"  {pipeline.record_error}"
        message = f": {status.message}" if status.message else ""
        self._set_summary(f"<b>{state.capitalize()}</b>{message}<br>"
                          f"source {status.source} · {status.capture_fps:.1f} frames/s captured · "
                          f"UI stall max {self.stall.stall_ms:.0f} ms{record}")

    def _score(self) -> float:
        return self.controls.threshold.value() / 100

    def _set_summary(self, html: str) -> None:
        self.summary.setText(html)

    def _show_error(self, message: str, offer_demo: bool = False) -> None:
        self.controls.show_error(message, offer_demo)

    # snapshot and recording -----------------------------------------------------------------
    def snapshot(self) -> Path | None:
        """Save the lanes' newest annotated frames (side by side) as one PNG, atomically."""
        return self.recorder.snapshot(self.pipeline, self.session.lanes)

    def toggle_recording(self) -> None:
        self.recorder.toggle(self.pipeline, self.session.lanes, self.session.source_fps)

    # page hooks -----------------------------------------------------------------------------
    def ready(self) -> bool:
        if self.session.is_busy():
            return False
        if not self._screenshot:
            return True
        pipeline = self.pipeline
        if pipeline is None:
            return not self.session.want_running  # the start failed: nothing more will come
        status = pipeline.status()
        done = all(lane.inferred >= SCREENSHOT_FRAMES or lane.state == "error" for lane in status.lanes)
        if done or status.state in ("ended", "error", "stalled"):
            self._update_hud()
            return True
        return False

    def prepare_screenshot(self) -> None:
        """The default view: the person SSDLite against the COCO SSD on the demo video (real
        weights when cached; badged as untrained otherwise), with their agreement per frame."""
        self._screenshot = True
        self.controls.configure("demo", "detect", *SCREENSHOT_MODELS)
        self._sync_models()
        self.start_run()

    def can_open_files(self) -> bool:
        return True

    def open_files(self, paths: list[str]) -> None:
        """A dropped video file or image folder becomes the source (and plays if running)."""
        path = Path(paths[0])
        self.controls.set_source_kind("folder" if path.is_dir() else "file")
        self.controls.set_path(str(path))
        self._on_source_changed()

    def ask_open(self) -> bool:
        if self.controls.source_kind() not in ("file", "folder"):
            self.controls.set_source_kind("file")
        self.controls.ask_path()
        return True

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        for act in (self.start_action, self.snapshot_action, self.record_action):
            act.setEnabled(True)

    def hideEvent(self, event: QHideEvent) -> None:
        """Leaving the page stops the live view: models running unseen would take the cores
        that the Profiler's and Kernels' timings measure."""
        super().hideEvent(event)
        for act in (self.start_action, self.snapshot_action, self.record_action):
            act.setEnabled(False)
        if self.session.want_running and not event.spontaneous():  # a page switch, not a minimised window
            self.stop("Live view stopped on leaving its page (Space restarts it)")

    def shutdown(self) -> None:
        """Stop every pipeline thread within a second (window close)."""
        self.display_timer.stop()
        self.stall.stop()
        self.recorder.stop(self.pipeline)
        self.session.shutdown(1.0)

    def save_settings(self, settings: QSettings) -> None:
        self.controls.save_settings(settings)
        self.recorder.save_settings(settings)

    def restore_settings(self, settings: QSettings) -> None:
        self.controls.restore_settings(settings)
        self.recorder.restore_settings(settings)
        self._sync_models()
