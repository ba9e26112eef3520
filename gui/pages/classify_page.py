"""The Classify page: pick an ImageNet classifier, open or drop an image, see the top-5 as bars,
the latency of the run and which weights produced it. Without cached weights the model runs
with random weights, labelled untrained, and the page points to the Weights page.

Loading the model and inference run off the UI thread (one JobRunner), so opening three
images quickly classifies the last one; loaded classifiers are kept per (model, weights)."""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PySide6.QtCore import QSettings, Qt
from PySide6.QtGui import QAction, QShowEvent
from PySide6.QtWidgets import (
    QComboBox, QFileDialog, QFrame, QHBoxLayout, QLabel, QPushButton, QSplitter, QVBoxLayout, QWidget,
)

from engine import api
from gui import theme
from gui.pages import register_page
from gui.pages.base import Page
from gui.widgets.image_view import ImageView
from gui.widgets.topk_chart import Bar, TopKChart
from gui.workers.jobs import JobRunner
from gui.widgets.panel import inline_error

__all__ = ["ClassifyPage", "DEFAULT_IMAGE"]

DEFAULT_IMAGE = api.ASSETS / "images" / "chelsea.png"  # CC0, see assets/images/SOURCES.md
DEFAULT_MODEL = "mobilenet_v2"
TOPK = 5
IMAGE_FILTER = "Images (*.jpg *.jpeg *.png *.bmp *.webp *.tif *.tiff *.ppm *.pgm);;All files (*)"
BADGE_STYLE = (f"QLabel {{ color: white; background: {theme.ERROR}; border-radius: 4px; "
               "padding: 3px 10px; font-weight: 600; }")
TRAINED_STYLE = "QLabel { color: #1b5e20; background: #e8f5e9; border-radius: 4px; padding: 3px 10px; }"


@dataclass(frozen=True)
class Outcome:
    """One finished run, everything the view shows."""

    model: str
    path: str
    image: np.ndarray
    weights: str | None  # manifest entry or checkpoint; None = random weights
    note: str
    predictions: tuple[api.Prediction, ...]
    latency_ms: float  # preprocessing + forward pass of this one image
    load_ms: float  # building the model and loading its weights (0 when reused)


def cached_weights(model: str) -> str | None:
    """'default' when a verified weight file for `model` is in the cache, else None (random).
    Never fetches: downloads belong to the Weights page, where they show progress."""
    rows = [r for r in api.list_weights() if r["model"] == model and r["cached"]]
    return "default" if rows else None


class _Classifiers:
    """Loaded classifiers by (model, weights); touched only by the runner's single thread."""

    def __init__(self) -> None:
        self._loaded: dict[tuple[str, str | None], api.ClassifyRunner] = {}

    def run(self, model: str, path: str) -> Outcome:
        image = api.read_image(path)
        key = (model, cached_weights(model))
        started = time.perf_counter()
        classifier = self._loaded.get(key)
        if classifier is None:
            classifier = api.load_classifier(model, weights=key[1])
            self._loaded[key] = classifier
        loaded = time.perf_counter()
        predictions = classifier.predict([image], topk=TOPK)[0]
        done = time.perf_counter()
        return Outcome(model, path, image, classifier.weights, classifier.note, tuple(predictions),
                       (done - loaded) * 1000.0, (loaded - started) * 1000.0)


@register_page("classify", "Classify", order=20, tooltip="ImageNet top-5 on your own image")
class ClassifyPage(Page):
    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("page")
        self._classifiers = _Classifiers()
        self._path = str(DEFAULT_IMAGE)
        self._folder = str(Path.home())
        self._started = False
        self.outcome: Outcome | None = None

        self.runner = JobRunner(self)
        self.runner.succeeded.connect(self._on_result)
        self.runner.failed.connect(self._on_error)
        self.runner.busy_changed.connect(self.report_busy)

        self.open_action = QAction("Open image to classify…", self)
        self.open_action.setToolTip("Classify an image file, or drop one on the window")
        self.open_action.triggered.connect(self.ask_open)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(24, 18, 24, 12)
        layout.setSpacing(12)
        layout.addLayout(self._build_header())
        layout.addWidget(self._build_controls())
        self.error_label = inline_error()
        layout.addWidget(self.error_label)
        layout.addWidget(self._build_body(), 1)

    # construction ---------------------------------------------------------------------------
    def _build_header(self) -> QVBoxLayout:
        title = QLabel("Classify")
        title.setObjectName("pageTitle")
        self.showing_label = QLabel("Loading the model…")
        self.showing_label.setObjectName("pageSubtitle")
        header = QVBoxLayout()
        header.setSpacing(2)
        header.addWidget(title)
        header.addWidget(self.showing_label)
        return header

    def _build_controls(self) -> QFrame:
        frame = QFrame()
        frame.setObjectName("panel")
        row = QHBoxLayout(frame)
        row.setContentsMargins(14, 10, 14, 10)
        row.setSpacing(10)
        caption = QLabel("Model")
        caption.setObjectName("cardNote")
        self.model_combo = QComboBox()
        for name in api.classification_models():
            self.model_combo.addItem(name, name)
        self.model_combo.setCurrentIndex(max(0, self.model_combo.findData(DEFAULT_MODEL)))
        self.model_combo.setMinimumWidth(200)
        self.model_combo.currentIndexChanged.connect(lambda _i: self.classify())
        self.open_button = QPushButton("Open image…")
        self.open_button.setToolTip(self.open_action.toolTip())
        self.open_button.clicked.connect(self.ask_open)
        hint = QLabel("or drop an image on the window")
        hint.setObjectName("cardNote")
        self.weights_label = QLabel("")
        self.weights_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.badge = QLabel(api.UNTRAINED)
        self.badge.setStyleSheet(BADGE_STYLE)
        self.badge.setToolTip("No weights for this model are in the cache, so it runs with random "
                              "weights: the ranking is meaningless, the latency is real.")
        self.badge.hide()
        self.weights_button = QPushButton("Get weights…")
        self.weights_button.setToolTip("Fetch or import trained weights on the Weights page")
        self.weights_button.clicked.connect(lambda: self.navigate.emit("weights", self.model_combo.currentData()))
        self.weights_button.hide()
        for widget in (caption, self.model_combo, self.open_button, hint):
            row.addWidget(widget)
        row.addStretch(1)
        for widget in (self.weights_label, self.badge, self.weights_button):
            row.addWidget(widget)
        return frame

    def _build_body(self) -> QSplitter:
        image_frame = QFrame()
        image_frame.setObjectName("panel")
        image_layout = QVBoxLayout(image_frame)
        image_layout.setContentsMargins(14, 12, 14, 12)
        self.image_label = QLabel("")
        self.image_label.setObjectName("panelTitle")
        self.image_view = ImageView("Open an image (Ctrl+O) or drop one here")
        image_layout.addWidget(self.image_label)
        image_layout.addWidget(self.image_view, 1)

        side = QFrame()
        side.setObjectName("panel")
        side_layout = QVBoxLayout(side)
        side_layout.setContentsMargins(14, 12, 14, 12)
        side_layout.setSpacing(8)
        chart_title = QLabel(f"Top-{TOPK} ImageNet classes")
        chart_title.setObjectName("panelTitle")
        self.chart = TopKChart()
        self.latency_label = QLabel("—")
        self.latency_label.setObjectName("cardValue")
        self.latency_note = QLabel("")
        self.latency_note.setObjectName("cardNote")
        self.latency_note.setWordWrap(True)
        latency_caption = QLabel("Latency of this run")
        latency_caption.setObjectName("cardCaption")
        side_layout.addWidget(chart_title)
        side_layout.addWidget(self.chart)
        side_layout.addSpacing(12)
        side_layout.addWidget(latency_caption)
        side_layout.addWidget(self.latency_label)
        side_layout.addWidget(self.latency_note)
        side_layout.addStretch(1)

        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.setChildrenCollapsible(False)
        self.splitter.setHandleWidth(12)
        self.splitter.addWidget(image_frame)
        self.splitter.addWidget(side)
        self.splitter.setStretchFactor(0, 3)
        self.splitter.setStretchFactor(1, 2)
        self.splitter.setSizes([820, 500])
        return self.splitter

    # requests -------------------------------------------------------------------------------
    def classify(self, path: str | None = None) -> None:
        """Classify `path` (or the current image again) with the selected model, off the UI thread."""
        target = str(path) if path is not None else self._path  # kept only once it classifies
        model, classifiers = self.model_combo.currentData(), self._classifiers
        self._started = True
        self.runner.submit(lambda _job: classifiers.run(model, target),
                           f"Classifying {Path(target).name} with {model}…")

    def ask_open(self) -> bool:
        path, _ = QFileDialog.getOpenFileName(self, "Open image", self._folder, IMAGE_FILTER)
        if path:
            self.open_files([path])
            self.navigate.emit("classify", None)  # pages that open nothing send Ctrl+O here
        return True

    def can_open_files(self) -> bool:
        return True

    def open_files(self, paths: list[str]) -> None:
        if not paths:
            return
        self._folder = str(Path(paths[0]).parent)
        if len(paths) > 1:
            self.status_message.emit(f"Classifying {Path(paths[0]).name}; this page shows one image at a "
                                     f"time ({len(paths) - 1} more ignored)")
        self.classify(paths[0])

    def menu_actions(self) -> list[QAction]:
        return [self.open_action]

    def ready(self) -> bool:
        return not self.runner.is_busy()  # never shown: nothing was asked, nothing is pending

    def start(self) -> None:
        """Nothing at launch: the model loads (off the UI thread) when the page is first shown,
        so a launch that never visits this page never loads a model."""

    def shutdown(self) -> None:
        self.runner.wait()

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if not self._started:
            self.classify()  # first visit: the default image, so the page is never empty
        elif self.outcome is not None and self.outcome.weights is None and not self.runner.is_busy():
            self.classify()  # back from the Weights page: weights may have arrived

    # results --------------------------------------------------------------------------------
    def _on_result(self, _serial: int, outcome: Outcome) -> None:
        self.outcome, self._path = outcome, outcome.path
        self.error_label.hide()
        untrained = outcome.weights is None
        self.image_view.set_image(outcome.image)
        height, width = outcome.image.shape[:2]
        self.image_label.setText(f"{Path(outcome.path).name} · {width}×{height}")
        self.chart.set_bars([Bar(p.label, p.probability) for p in outcome.predictions], muted=untrained)
        self.badge.setVisible(untrained)
        self.weights_button.setVisible(untrained)
        self.weights_label.setText("Weights: random" if untrained else f"Weights: {outcome.weights}")
        self.weights_label.setStyleSheet("" if untrained else TRAINED_STYLE)
        self.latency_label.setText(f"{outcome.latency_ms:.1f} ms")
        load = f"; loading the model took {outcome.load_ms:.0f} ms" if outcome.load_ms > 0.5 else ""
        self.latency_note.setText(f"preprocessing + forward pass of one image on the CPU, this run only "
                                  f"(the first run of a model includes warm-up){load}")
        top = outcome.predictions[0]
        note = f" ({api.UNTRAINED})" if untrained else ""
        self.showing_label.setText(f"{outcome.model} on {Path(outcome.path).name}{note}")
        self.status_message.emit(f"{Path(outcome.path).name}: {top.label} {top.probability * 100:.1f} % "
                                 f"with {outcome.model}{note}, {outcome.latency_ms:.1f} ms")

    def _on_error(self, _serial: int, message: str) -> None:
        self.error_label.setText(message)
        self.error_label.show()
        self.status_message.emit(message)

    # settings -------------------------------------------------------------------------------
    def save_settings(self, settings: QSettings) -> None:
        settings.setValue("model", self.model_combo.currentData())
        settings.setValue("folder", self._folder)
        settings.setValue("splitter", self.splitter.saveState())

    def restore_settings(self, settings: QSettings) -> None:
        index = self.model_combo.findData(settings.value("model", DEFAULT_MODEL))
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
