"""The Live page's control panel: source, task, models, start/snapshot/record and the display
sliders. Holds no model or pipeline state: the page hands in the choices (each task's models, the camera
backends), reads it back (`source_spec`, `task`, `models`, `display_options`) and listens to its
signals."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

from PySide6.QtCore import QSettings, Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox, QComboBox, QFileDialog, QFrame, QGridLayout, QHBoxLayout, QLabel, QMenu, QPushButton, QSlider,
    QSpinBox, QWidget,
)

from engine.api import SourceSpec
from gui.widgets.fit import ElidedLabel, elide_combo

__all__ = ["LiveControls"]

SOURCES = (("demo", "Demo video"), ("webcam", "Webcam"), ("file", "Video file"), ("folder", "Image folder"))
TASKS = (("detect", "Detect"), ("segment", "Segment"), ("classify", "Classify"))
CAPTURE_SIZES = (None, (640, 480), (1280, 720), (1920, 1080))  # None: whatever the camera opens with
NONE = "— none —"
SAME_PATH = "same as A"
AUTO_PATH = "fastest"  # the fastest exact path measured here (the tooltip says so)
VIDEO_FILTER = "Videos (*.mp4 *.avi *.mov *.mkv *.webm *.m4v *.mpg *.mpeg *.wmv *.gif);;All files (*)"
RECORD_STYLE = "QPushButton { color: white; background: #c62828; border-radius: 4px; padding: 4px 10px; }"


def _caption(text: str) -> QLabel:
    label = QLabel(text)
    label.setObjectName("cardNote")
    return label


class LiveControls(QFrame):
    task_changed = Signal()
    model_changed = Signal(int)  # lane
    source_changed = Signal()
    display_changed = Signal()

    folder_asked = Signal(str)  # "snapshot" | "record"

    def __init__(self, models: Mapping[str, tuple[Sequence[str], str]], backends: Sequence[str],
                 parent: QWidget | None = None, *, second: Mapping[str, str] | None = None,
                 paths: Sequence[tuple[str, bool, str]] = ()):
        """models: task -> (its models, the default one); backends: OpenCV's camera backends;
        second: task -> lane B's default model (none when absent); paths: the inference paths
        as (name, available, why not) in the engine's order."""
        super().__init__(parent)
        self._models = {task: (list(names), default) for task, (names, default) in models.items()}
        self._second = dict(second or {})
        self.setObjectName("panel")
        grid = QGridLayout(self)
        grid.setContentsMargins(14, 10, 14, 10)
        grid.setHorizontalSpacing(10)
        grid.setVerticalSpacing(8)

        self.source_combo = QComboBox()
        for kind, text in SOURCES:
            self.source_combo.addItem(text, kind)
        self.camera_spin = QSpinBox()
        self.camera_spin.setRange(0, 63)
        self.camera_spin.setPrefix("index ")
        self.camera_spin.setToolTip("Camera index: 0 is usually the built-in camera")
        self.backend_combo = QComboBox()
        for name in backends:
            self.backend_combo.addItem("any backend" if name == "any" else name, name)
        self.backend_combo.setToolTip("OpenCV camera backend; 'any' lets OpenCV choose")
        self.capture_combo = QComboBox()
        for size in CAPTURE_SIZES:
            self.capture_combo.addItem("camera's size" if size is None else f"{size[0]}×{size[1]}", size)
        self.capture_combo.setToolTip("Capture size asked of the camera (it may pick the nearest it supports)")
        self.path_button = QPushButton("Choose…")
        self.path_label = ElidedLabel("")
        self.path_label.setObjectName("cardNote")
        self.path_label.setMaximumWidth(260)
        self.loop_check = QCheckBox("Loop")
        self.demo_label = QLabel("")
        self.demo_label.setObjectName("cardNote")
        self._path = ""
        source_row = QHBoxLayout()
        for widget in (self.source_combo, self.demo_label, self.camera_spin, self.backend_combo, self.capture_combo,
                       self.path_button, self.path_label, self.loop_check):
            source_row.addWidget(widget)
        source_row.addStretch(1)

        self.task_combo = QComboBox()
        for task, text in TASKS:
            self.task_combo.addItem(text, task)
        self.model_combo = QComboBox()
        self.model_combo.setMinimumWidth(230)
        self.model2_combo = QComboBox()
        self.model2_combo.setMinimumWidth(230)
        self.model2_combo.setToolTip("A second model on the same frames, side by side")
        self.path_combo = QComboBox()
        self.path2_combo = QComboBox()
        self.path_combo.addItem(AUTO_PATH, None)
        self.path2_combo.addItem(SAME_PATH, None)
        for combo, chars in ((self.path_combo, len(AUTO_PATH)), (self.path2_combo, len(SAME_PATH))):
            elide_combo(combo, chars)  # the defaults whole; longer path names elide: the row fits 1280 px
            for name, available, why in paths:
                combo.addItem(name, name)
                if not available:  # greyed out, with the reason on hover
                    item = combo.model().item(combo.count() - 1)
                    item.setEnabled(False)
                    item.setToolTip(why)
        self.path_combo.setToolTip("Inference path of both lanes (each lane's title names the one it runs). "
                                   "'fastest' picks the fastest exact (fp32) path measured on this machine for "
                                   "lane A's model.")
        self.path2_combo.setToolTip("Lane B's inference path: the same as lane A's unless you pick another "
                                    "(a fair comparison runs both on the same path)")
        model_row = QHBoxLayout()
        for widget in (self.task_combo, self.model_combo, _caption("vs"), self.model2_combo):
            model_row.addWidget(widget)
        model_row.addStretch(1)

        self.start_button = QPushButton("Start")
        self.start_button.setToolTip("Start or stop the live view (space)")
        self.start_button.setMinimumWidth(90)
        self.snapshot_button = QPushButton("Snapshot")
        self.snapshot_button.setToolTip("Save the newest annotated frame(s) as a PNG (S)")
        self.record_button = QPushButton("Record")
        self.record_button.setToolTip("Record the annotated frames (both lanes side by side) to an MP4 "
                                      "(R starts and stops)")
        self.folder_button = QPushButton("Folders…")
        self.folder_button.setToolTip("Where snapshots (default: Pictures) and recordings (default: Movies) "
                                      "are saved; created when first needed")
        folders = QMenu(self.folder_button)
        folders.addAction("Snapshot folder…", lambda: self.folder_asked.emit("snapshot"))
        folders.addAction("Recording folder…", lambda: self.folder_asked.emit("record"))
        self.folder_button.setMenu(folders)
        self.threshold_label = _caption("Score ≥ 0.50")
        self.threshold = QSlider(Qt.Orientation.Horizontal)
        self.threshold.setRange(5, 95)
        self.threshold.setValue(50)
        self.opacity_label = _caption("Opacity 50 %")
        self.opacity = QSlider(Qt.Orientation.Horizontal)
        self.opacity.setRange(0, 100)
        self.opacity.setValue(50)
        for slider in (self.threshold, self.opacity):
            slider.setMinimumWidth(80)  # shrinks first when the window is narrow (1280 px)
            slider.setMaximumWidth(140)
        action_row = QHBoxLayout()
        for widget in (self.start_button, self.snapshot_button, self.record_button, self.folder_button):
            action_row.addWidget(widget)
        action_row.addSpacing(16)
        for widget in (self.threshold_label, self.threshold, self.opacity_label, self.opacity):
            action_row.addWidget(widget)
        action_row.addSpacing(16)
        for widget in (_caption("Path"), self.path_combo, _caption("B"), self.path2_combo):
            action_row.addWidget(widget)
        action_row.addStretch(1)

        self.error_label = QLabel("")
        self.error_label.setObjectName("inlineError")
        self.error_label.setWordWrap(True)
        self.error_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.demo_button = QPushButton("Use the demo clip")
        error_row = QHBoxLayout()
        error_row.addWidget(self.error_label, 1)
        error_row.addWidget(self.demo_button)

        grid.addWidget(_caption("Source"), 0, 0)
        grid.addLayout(source_row, 0, 1)
        grid.addWidget(_caption("Model"), 1, 0)
        grid.addLayout(model_row, 1, 1)
        grid.addLayout(action_row, 2, 1)
        grid.addLayout(error_row, 3, 0, 1, 2)
        grid.setColumnStretch(1, 1)
        self.show_error("")

        self._fill_models()
        self._sync_source_widgets()
        self._sync_sliders()
        self.source_combo.currentIndexChanged.connect(self._on_source_kind)
        self.camera_spin.valueChanged.connect(lambda _v: self.source_changed.emit())
        self.backend_combo.currentIndexChanged.connect(lambda _i: self.source_changed.emit())
        self.capture_combo.currentIndexChanged.connect(lambda _i: self.source_changed.emit())
        self.loop_check.toggled.connect(lambda _v: self.source_changed.emit())
        self.path_button.clicked.connect(self.ask_path)
        self.task_combo.currentIndexChanged.connect(self._on_task)
        self.model_combo.currentIndexChanged.connect(lambda _i: self.model_changed.emit(0))
        self.model2_combo.currentIndexChanged.connect(lambda _i: self.model_changed.emit(1))
        self.path_combo.currentIndexChanged.connect(lambda _i: self.source_changed.emit())
        self.path2_combo.currentIndexChanged.connect(lambda _i: self.source_changed.emit())
        self.threshold.valueChanged.connect(self._on_slider)
        self.opacity.valueChanged.connect(self._on_slider)

    # what the page reads --------------------------------------------------------------------
    def task(self) -> str:
        return self.task_combo.currentData()

    def models(self) -> list[str]:
        second = self.model2_combo.currentData()
        return [self.model_combo.currentData(), *([second] if second else [])]

    def paths(self) -> tuple[str | None, str | None]:
        """(lane A's path or None for the fastest exact one, lane B's or None for the same as A)."""
        return self.path_combo.currentData(), self.path2_combo.currentData()

    def source_kind(self) -> str:
        return self.source_combo.currentData()

    def source_spec(self, demo_size: tuple[int, int] = (640, 480)) -> SourceSpec:
        return SourceSpec(self.source_kind(), camera=self.camera_spin.value(), path=self._path,
                          loop=self.loop_check.isChecked(), demo_size=demo_size,
                          backend=self.backend_combo.currentData(), capture_size=self.capture_combo.currentData())

    def display_options(self) -> dict:
        task = self.task()
        if task == "detect":
            return {"score": self.threshold.value() / 100}
        if task == "segment":
            return {"opacity": self.opacity.value() / 100}
        return {}

    # what the page sets ---------------------------------------------------------------------
    def set_running(self, running: bool) -> None:
        self.start_button.setText("Stop" if running else "Start")

    def set_recording(self, recording: bool) -> None:
        self.record_button.setText("● Stop recording" if recording else "Record")
        self.record_button.setStyleSheet(RECORD_STYLE if recording else "")

    def show_error(self, message: str, offer_demo: bool = False) -> None:
        self.error_label.setText(message)
        self.error_label.setVisible(bool(message))
        self.demo_button.setVisible(bool(message) and offer_demo)

    def set_demo_note(self, text: str, tooltip: str = "") -> None:
        """What the demo source plays (the video and its credit, or the fallback and why)."""
        self.demo_label.setText(text)
        self.demo_label.setToolTip(tooltip)

    def set_source_kind(self, kind: str) -> None:
        self.source_combo.blockSignals(True)
        self.source_combo.setCurrentIndex(max(0, self.source_combo.findData(kind)))
        self.source_combo.blockSignals(False)
        self._sync_source_widgets()

    def set_path(self, path: str) -> None:
        self._path = str(path)
        self.path_label.setText(Path(self._path).name)
        self.path_label.setToolTip(self._path)

    def configure(self, kind: str, task: str, model: str, model2: str | None = None, *,
                  paths: tuple[str | None, str | None] = (None, None)) -> None:
        """Set everything at once without emitting change signals (screenshots, tests, settings)."""
        self.set_source_kind(kind)
        for combo in (self.task_combo, self.model_combo, self.model2_combo):
            combo.blockSignals(True)
        self.task_combo.setCurrentIndex(max(0, self.task_combo.findData(task)))
        self._fill_models()
        self.model_combo.setCurrentIndex(max(0, self.model_combo.findData(model)))
        self.model2_combo.setCurrentIndex(max(0, self.model2_combo.findData(model2)) if model2 else 0)
        for combo, path in zip((self.path_combo, self.path2_combo), paths):
            combo.blockSignals(True)
            combo.setCurrentIndex(max(0, combo.findData(path)) if path else 0)
            combo.blockSignals(False)
        for combo in (self.task_combo, self.model_combo, self.model2_combo):
            combo.blockSignals(False)
        self._sync_sliders()

    # internals ------------------------------------------------------------------------------
    def _fill_models(self) -> None:
        task = self.task()
        models, default = self._models[task]
        for combo, blank in ((self.model_combo, False), (self.model2_combo, True)):
            combo.blockSignals(True)
            combo.clear()
            if blank:
                combo.addItem(NONE, None)
            for name in models:
                combo.addItem(name, name)
            combo.blockSignals(False)
        self.model_combo.setCurrentIndex(max(0, self.model_combo.findData(default)))
        second = self._second.get(task)
        self.model2_combo.setCurrentIndex(max(0, self.model2_combo.findData(second)) if second else 0)

    def _on_task(self) -> None:
        self._fill_models()
        self._sync_sliders()
        self.task_changed.emit()

    def _on_source_kind(self) -> None:
        self._sync_source_widgets()
        if self.source_kind() in ("file", "folder") and not Path(self._path).exists():
            self.ask_path()
        self.source_changed.emit()

    def _sync_source_widgets(self) -> None:
        kind = self.source_kind()
        self.demo_label.setVisible(kind == "demo")
        for widget in (self.camera_spin, self.backend_combo, self.capture_combo):
            widget.setVisible(kind == "webcam")
        for widget in (self.path_button, self.path_label, self.loop_check):
            widget.setVisible(kind in ("file", "folder"))

    def ask_path(self) -> None:
        start = str(Path(self._path).parent) if self._path else str(Path.home())
        if self.source_kind() == "folder":
            path = QFileDialog.getExistingDirectory(self, "Image folder", start)
        else:
            path, _ = QFileDialog.getOpenFileName(self, "Video file", start, VIDEO_FILTER)
        if path:
            self.set_path(path)
            self.source_changed.emit()

    def _sync_sliders(self) -> None:
        task = self.task()
        for widget in (self.threshold_label, self.threshold):
            widget.setVisible(task == "detect")
        for widget in (self.opacity_label, self.opacity):
            widget.setVisible(task == "segment")

    def _on_slider(self) -> None:
        self.threshold_label.setText(f"Score ≥ {self.threshold.value() / 100:.2f}")
        self.opacity_label.setText(f"Opacity {self.opacity.value()} %")
        self.display_changed.emit()

    # settings -------------------------------------------------------------------------------
    def save_settings(self, settings: QSettings) -> None:
        settings.setValue("source", self.source_kind())
        settings.setValue("camera", self.camera_spin.value())
        settings.setValue("camera_backend", self.backend_combo.currentData())
        capture = self.capture_combo.currentData()
        settings.setValue("capture_size", f"{capture[0]}x{capture[1]}" if capture else "")
        settings.setValue("path", self._path)
        settings.setValue("loop", self.loop_check.isChecked())
        settings.setValue("task", self.task())
        settings.setValue("models", self.models())
        settings.setValue("paths", [p or "" for p in self.paths()])
        settings.setValue("threshold", self.threshold.value())
        settings.setValue("opacity", self.opacity.value())

    def restore_settings(self, settings: QSettings) -> None:
        models = settings.value("models") or []
        models = [models] if isinstance(models, str) else list(models)
        task = settings.value("task", "detect")
        task = task if task in dict(TASKS) else "detect"
        self.camera_spin.setValue(int(settings.value("camera", 0) or 0))
        self.backend_combo.setCurrentIndex(max(0, self.backend_combo.findData(settings.value("camera_backend", "any"))))
        capture = str(settings.value("capture_size", "") or "")
        sizes = [f"{s[0]}x{s[1]}" if s else "" for s in CAPTURE_SIZES]
        self.capture_combo.setCurrentIndex(sizes.index(capture) if capture in sizes else 0)
        if settings.value("path"):
            self.set_path(str(settings.value("path")))
        self.loop_check.setChecked(str(settings.value("loop", "false")).lower() == "true")
        self.threshold.setValue(int(settings.value("threshold", 50) or 50))
        self.opacity.setValue(int(settings.value("opacity", 50) or 50))
        kind = settings.value("source", "demo")
        paths = settings.value("paths") or []
        paths = [paths] if isinstance(paths, str) else list(paths)
        paths = (tuple(p or None for p in paths) + (None, None))[:2]
        if models:
            first, second = models[0], models[1] if len(models) > 1 else None
        else:  # never saved: the task's default pair
            first, second = self._models[task][1], self._second.get(task)
        self.configure(kind if kind in dict(SOURCES) else "demo", task, first, second, paths=paths)
