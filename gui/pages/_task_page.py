"""What the Classify, Detect and Segment pages share: a model picker over
`api.models_for(task)`, open or drop an image, one JobRunner that loads runners (kept per
model and weights) and runs them off the UI thread, the untrained badge with a way to the
Weights page, an inline error line, and the per-stage timing. Subclasses build the view and
show a finished `Outcome`."""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import cv2
import numpy as np
from PySide6.QtCore import QSettings, Qt
from PySide6.QtGui import QAction, QShowEvent
from PySide6.QtWidgets import QComboBox, QFileDialog, QFrame, QHBoxLayout, QLabel, QPushButton, QSplitter, QWidget

from engine import api
from gui import theme
from gui.pages.base import Page
from gui.widgets.stage_times import StageTimesView
from gui.workers.jobs import JobRunner
from gui.widgets.annotated_view import AnnotatedView
from gui.widgets.panel import inline_error, page_header, panel
from gui.widgets.fit import ElidedLabel

__all__ = ["Outcome", "SharedImage", "TaskPage", "DEMO_IMAGE"]

DEMO_IMAGE = api.ASSETS / "demo" / "astronaut.jpg"  # NASA, public domain; see assets/demo/SOURCES.md
IMAGE_FILTER = "Images (*.jpg *.jpeg *.png *.bmp *.webp *.tif *.tiff *.ppm *.pgm);;All files (*)"
BADGE_STYLE = (f"QLabel {{ color: white; background: {theme.ERROR}; border-radius: 4px; "
               "padding: 3px 10px; font-weight: 600; }")
TRAINED_STYLE = "QLabel { color: #1b5e20; background: #e8f5e9; border-radius: 4px; padding: 3px 10px; }"


@dataclass(frozen=True)
class Outcome:
    """One finished run: the image (RGB for display, BGR as the runner saw it) and its result."""

    model: str
    path: str
    image: np.ndarray  # RGB
    frame: np.ndarray  # BGR, what runner.run and runner.draw take
    runner: Any  # the TaskRunner that produced `result` (its draw / colours)
    result: Any  # DetectResult | SegmentResult
    load_ms: float  # building the model and loading its weights (0 when reused)
    why_untrained: str = ""  # e.g. the cached weights are corrupt

    @property
    def weights(self) -> str | None:
        """The weights that produced the result (None: random)."""
        return self.result.weights


class Runners:
    """Loaded runners by (task, model, weights); touched only by the job runner's one thread."""

    def __init__(self, task: str) -> None:
        self.task = task
        self._loaded: dict[tuple[str, str | None], Any] = {}
        self.runs = 0  # forward passes so far (tests check that display changes add none)

    def load(self, model: str) -> Any:
        """The runner for `model` with its cached weights (random when none), on the model's
        default path (the fastest exact one measured on this machine, api.runner_path): loaded once."""
        key = (model, api.cached_weights(model))  # never fetches: downloads belong to the Weights page
        runner = self._loaded.get(key)
        if runner is None:
            runner = api.make_runner(self.task, model, weights=key[1], path=None)
            self._loaded[key] = runner
        return runner

    def run(self, model: str, path: str) -> Outcome:
        image = api.read_image(path)
        started = time.perf_counter()
        runner = self.load(model)
        loaded = time.perf_counter()
        frame = cv2.cvtColor(image, cv2.COLOR_RGB2BGR)
        self.runs += 1
        result = runner.run(frame)
        why = api.untrained_reason(model) if result.untrained else ""
        return Outcome(model, path, image, frame, runner, result, (loaded - started) * 1000.0, why)


class SharedImage:
    """The image the user last opened on Classify, Detect or Segment (once it ran): each of them
    shows it when it is next shown (each page's own demo image until the user opens one)."""

    path: str | None = None


class TaskPage(Page):
    """Subclasses set TASK, TITLE, DEFAULT_MODEL (and DEFAULT_IMAGE), build `body()` and implement
    `show_outcome`."""

    TASK = ""
    TITLE = ""
    DEFAULT_MODEL = ""
    DEFAULT_IMAGE = DEMO_IMAGE  # shown on the first visit
    UNTRAINED_TIP = ""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("page")
        self.runners = Runners(self.TASK)
        self._path = str(self.DEFAULT_IMAGE)
        self._folder = str(Path.home())
        self._started = False
        self.outcome: Outcome | None = None

        self.jobs = JobRunner(self)
        self.jobs.succeeded.connect(self._on_result)
        self.jobs.failed.connect(lambda _serial, message: self.show_error(message))
        self.jobs.busy_changed.connect(self.report_busy)

        # no shortcut here: the window's one Ctrl+O calls ask_open() of the page on show
        self.open_action = QAction(f"Open image for {self.TITLE}…", self)
        self.open_action.setToolTip(f"{self.TITLE}: open an image file, or drop one on the window")
        self.open_action.triggered.connect(self.ask_open)

        layout = self.page_layout()
        self.showing_label = ElidedLabel("Open an image, or drop one on the window")
        layout.addLayout(page_header(self.TITLE, self.showing_label))
        layout.addWidget(self._build_controls())
        self.error_label = inline_error()
        layout.addWidget(self.error_label)
        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.setChildrenCollapsible(False)
        self.splitter.setHandleWidth(12)
        view, side = self.body()
        self.splitter.addWidget(view)
        self.splitter.addWidget(side)
        self.splitter.setStretchFactor(0, 3)
        self.splitter.setStretchFactor(1, 1)
        self.splitter.setSizes([900, 380])
        layout.addWidget(self.splitter, 1)

    # construction ---------------------------------------------------------------------------
    def _build_controls(self) -> QFrame:
        frame = QFrame()
        frame.setObjectName("panel")
        row = QHBoxLayout(frame)
        row.setContentsMargins(14, 10, 14, 10)
        row.setSpacing(10)
        caption = QLabel("Model")
        caption.setObjectName("cardNote")
        self.model_combo = QComboBox()
        for name in api.models_for(self.TASK):
            self.model_combo.addItem(name, name)
        self.model_combo.setCurrentIndex(max(0, self.model_combo.findData(self.DEFAULT_MODEL)))
        self.model_combo.setMinimumWidth(240)
        self.model_combo.currentIndexChanged.connect(lambda _i: self.run())
        self.open_button = QPushButton("Open image…")
        self.open_button.setToolTip(self.open_action.toolTip())
        self.open_button.clicked.connect(self.ask_open)
        hint = ElidedLabel("or drop an image on the window")
        hint.setObjectName("cardNote")
        self.weights_label = ElidedLabel("")
        self.weights_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.badge = QLabel(api.UNTRAINED)
        self.badge.setStyleSheet(BADGE_STYLE)
        self.badge.setToolTip(self.UNTRAINED_TIP)
        self.badge.hide()
        self.weights_button = QPushButton("Get weights…")
        self.weights_button.setToolTip("Fetch or import trained weights on the Weights page")
        self.weights_button.clicked.connect(lambda: self.navigate.emit("weights", self.model_combo.currentData()))
        self.weights_button.hide()
        for widget in (caption, self.model_combo, self.open_button, hint):
            row.addWidget(widget)
        for widget in self.extra_controls():
            row.addWidget(widget)
        row.addStretch(1)
        for widget in (self.weights_label, self.badge, self.weights_button):
            row.addWidget(widget)
        return frame

    def extra_controls(self) -> list[QWidget]:
        return []

    def body(self) -> tuple[QWidget, QWidget]:
        """(the image panel, the side panel)."""
        raise NotImplementedError

    def annotated_panel(self, hint: str) -> QFrame:
        """The image as an AnnotatedView (`self.view`) over a hover line (`self.hover_label`),
        which shows `hint` while nothing is hovered."""
        frame, layout = panel()
        self.view = AnnotatedView("Open an image or drop one here")
        self.hover_label = ElidedLabel(hint)
        self.hover_label.setObjectName("cardNote")
        self.view.hovered.connect(lambda text: self.hover_label.setText(text or hint))
        layout.addWidget(self.view, 1)
        layout.addWidget(self.hover_label)
        return frame

    def timing_panel(self) -> list[QWidget]:
        """Caption, per-stage view and note, for the side panel."""
        caption = QLabel("Time per stage, this run")
        caption.setObjectName("panelTitle")
        self.stage_times = StageTimesView()
        self.timing_note = QLabel("")
        self.timing_note.setObjectName("cardNote")
        self.timing_note.setWordWrap(True)
        return [caption, self.stage_times, self.timing_note]

    # requests -------------------------------------------------------------------------------
    def run(self, path: str | None = None) -> None:
        """Run the selected model on `path` (or the current image again), off the UI thread."""
        target = str(path) if path is not None else self._path  # kept only once it runs
        model, runners = self.model_combo.currentData(), self.runners
        self._started = True
        self.jobs.submit(lambda _job: runners.run(model, target), f"{self.TITLE}: {model} on {Path(target).name}…")

    def ask_open(self) -> bool:
        path, _ = QFileDialog.getOpenFileName(self, "Open image", self._folder, IMAGE_FILTER)
        if path:
            self.open_files([path])
            self.navigate.emit(self.page_id(), None)  # the File menu works from any page
        return True

    def page_id(self) -> str:
        return self.TASK

    def can_open_files(self) -> bool:
        return True

    def open_files(self, paths: list[str]) -> None:
        if not paths:
            return
        self._folder = str(Path(paths[0]).parent)
        if len(paths) > 1:
            self.status_message.emit(f"Opening {Path(paths[0]).name}; this page shows one image at a time "
                                     f"({len(paths) - 1} more ignored)")
        self.run(paths[0])

    def menu_actions(self) -> list[QAction]:
        return []  # the window's File > Open… already opens an image here

    def ready(self) -> bool:
        return not self.jobs.is_busy()

    def start(self) -> None:
        """Nothing at launch: the model loads when the page is first shown."""

    def prepare_screenshot(self) -> None:
        if not self._started:
            self.run()

    def shutdown(self) -> None:
        self.jobs.wait()

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        shared = SharedImage.path
        if shared is not None and shared != self._path and not self.jobs.is_busy():
            self.run(shared)  # the image opened on another task page
        elif not self._started:
            self.run()  # first visit: the demo photo, so the page is never empty
        elif self.outcome is not None and self.outcome.result.untrained and not self.jobs.is_busy():
            self.run()  # back from the Weights page: weights may have arrived

    # results --------------------------------------------------------------------------------
    def _on_result(self, _serial: int, outcome: Outcome) -> None:
        self.outcome, self._path = outcome, outcome.path
        if Path(outcome.path) != Path(self.DEFAULT_IMAGE):
            SharedImage.path = outcome.path  # an image the user opened, and readable: the others show it
        self.error_label.hide()
        result = outcome.result
        untrained = result.untrained
        self.badge.setVisible(untrained)
        self.weights_button.setVisible(untrained)
        random = f"Weights: random — {outcome.why_untrained}" if outcome.why_untrained else "Weights: random"
        self.weights_label.setText(random if untrained else f"Weights: {result.weights}")  # why: a corrupt file
        self.badge.setToolTip(outcome.why_untrained or self.UNTRAINED_TIP)
        self.weights_label.setStyleSheet("" if untrained else TRAINED_STYLE)
        self.stage_times.set_times(result.timings)
        load = f" Loading the model took {outcome.load_ms:.0f} ms." if outcome.load_ms > 0.5 else ""
        path = getattr(outcome.runner, "path", "reference")
        self.timing_note.setText(f"On the CPU, {path} path, this image only; the first run of a model includes "
                                 f"warm-up.{load}")
        height, width = outcome.image.shape[:2]
        note = f" ({api.UNTRAINED})" if untrained else ""
        self.showing_label.setText(f"{outcome.model} on {Path(outcome.path).name} · {width}×{height}{note}")
        self.show_outcome(outcome)

    def show_outcome(self, outcome: Outcome) -> None:
        raise NotImplementedError

    # settings -------------------------------------------------------------------------------
    def save_settings(self, settings: QSettings) -> None:
        settings.setValue("model", self.model_combo.currentData())
        settings.setValue("folder", self._folder)
        settings.setValue("splitter", self.splitter.saveState())

    def restore_settings(self, settings: QSettings) -> None:
        index = self.model_combo.findData(settings.value("model", self.DEFAULT_MODEL))
        if index >= 0:
            self.model_combo.blockSignals(True)
            self.model_combo.setCurrentIndex(index)
            self.model_combo.blockSignals(False)
        folder = settings.value("folder")
        if folder and Path(str(folder)).is_dir():
            self._folder = str(folder)
        state = settings.value("splitter")
        if state is not None:
            self.splitter.restoreState(state)
