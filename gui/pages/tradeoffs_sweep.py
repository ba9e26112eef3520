"""The Trade-offs page's sweep panel: which backbones, threads and repeats; Run sweep and Cancel;
progress with an ETA; and what is already measured. A sweep runs on the panel's JobRunner,
stores each configuration the moment it is measured (`row_stored` lets the page plot it) and
can be cancelled and resumed any time."""

from __future__ import annotations

import time
from collections.abc import Sequence

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QProgressBar, QPushButton, QWidget

from engine import api

from gui.pages import tradeoffs_data as data
from gui.widgets.fit import elide_combo
from gui.widgets.panel import panel as _panel
from gui.widgets.path_combo import fill_path_combo
from gui.widgets.tradeoffs_controls import SweepOptions
from gui.workers.jobs import Job, JobRunner

__all__ = ["REFERENCE_LABEL", "SweepPanel"]

REFERENCE_LABEL = "the papers' model in eager PyTorch"


class SweepPanel(QWidget):
    """Signals: `started(series_key)`, `row_stored(record)`, `finished(message)` (done or
    cancelled: the page re-reads the database), `failed(message)`, `busy_changed(busy, label)`."""

    started = Signal(str)
    row_stored = Signal(object)
    finished = Signal(str)
    failed = Signal(str)
    busy_changed = Signal(bool, str)

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.rows_landed = 0
        self._started_at = 0.0
        self.job = JobRunner(self)
        self.job.progress.connect(self._on_progress)
        self.job.partial.connect(self._on_row)
        self.job.succeeded.connect(self._on_done)
        self.job.failed.connect(lambda _serial, message: self.failed.emit(message))
        self.job.cancelled.connect(self._on_cancelled)
        self.job.busy_changed.connect(self._on_busy)
        frame, outer = _panel()
        self.options = SweepOptions(data.SWEEP_REPEATS)
        self.options.changed.connect(self.update_status)
        self.sweep_button = QPushButton("Run sweep")
        self.sweep_button.setDefault(True)
        self.sweep_button.setToolTip("Time every configuration of the chosen backbones that has a published "
                                     "top-1 and is not measured yet (resumable)")
        self.sweep_button.clicked.connect(lambda: self.run())
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setToolTip("Stop after the configuration in flight; everything finished stays stored")
        self.cancel_button.clicked.connect(self.cancel)
        self.cancel_button.setEnabled(False)
        self.remeasure_button = QPushButton("Re-measure busy")
        self.remeasure_button.setToolTip("Time again the points of the series shown that were measured while "
                                         "the machine was busy (ringed on the plots); the new runs replace them")
        self.remeasure_button.clicked.connect(self.remeasure_busy)
        self.remeasure_button.hide()
        self._busy_points: list[data.TradeoffPoint] = []
        self.path_combo = QComboBox()
        # default: the fastest exact path measured here (cached: nothing is measured on the UI
        # thread; before any measurement, the static choice); reference stays a choice
        fill_path_combo(self.path_combo, api.path_statuses(), api.sweep_path(measure=False))
        reference = self.path_combo.findData("reference")
        if reference >= 0:  # say what it is where it is chosen; the box elides it, the list shows it whole
            self.path_combo.setItemText(reference, f"reference — {REFERENCE_LABEL}")
        elide_combo(self.path_combo, 11)  # "onnxruntime" whole; longer names elide (the row fits 1280 px)
        self.path_combo.setToolTip(f"The inference path the sweep measures. reference = {REFERENCE_LABEL}; "
                                   "a deployed runtime (onnxruntime, openvino, litert) ranks the "
                                   "models as a deployment would. Each path is its own series.")
        self.path_combo.currentIndexChanged.connect(lambda _i: self.update_status())
        self.progress = QProgressBar()
        self.progress.setRange(0, 1)
        self.progress.setValue(0)
        self.progress.setFormat("no sweep running")
        self.progress.setMinimumWidth(240)
        top = QHBoxLayout()
        top.addWidget(self.options)
        top.addStretch(1)
        for widget in (QLabel("path"), self.path_combo, self.sweep_button, self.cancel_button):
            top.addWidget(widget)
        self.status = QLabel("")
        self.status.setObjectName("cardNote")
        self.status.setWordWrap(True)
        outer.addLayout(top)
        middle = QHBoxLayout()  # a row of its own: beside the buttons the bar cut them off at 1280 px
        middle.addWidget(self.progress, 1)
        middle.addWidget(self.remeasure_button)
        outer.addLayout(middle)
        outer.addWidget(self.status)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(frame)

    def inference_path(self) -> str:
        return self.path_combo.currentData() or data.PATH

    def run(self, configs: Sequence[data.SweepConfig] | None = None, *, threads: int | None = None,
            repeats: int | None = None, path: str | None = None, remeasure: bool = False) -> bool:
        """Measure `configs` (default: the chosen backbones' grid) off the UI thread; remeasure:
        even those already stored. False if a sweep is already running or there is nothing to
        measure."""
        if self.job.is_busy():
            return False
        configs = list(configs) if configs is not None else data.sweep_configs(self.options.models())
        threads = threads or self.options.threads.value()
        repeats = repeats or self.options.repeats.value()
        if not configs:
            return False
        self.rows_landed, self._started_at = 0, time.perf_counter()
        self.progress.setRange(0, len(configs))
        self.progress.setValue(0)
        self.progress.setFormat("%v / %m configurations")
        path = path or self.inference_path()
        self.started.emit(data.series_key(data.this_machine_id(threads), threads, path))

        def work(job: Job) -> data.SweepSummary:
            return data.sweep(configs, threads=threads, repeats=repeats, progress=job.progress,
                              should_stop=job.should_stop, on_row=job.emit, path=path, remeasure=remeasure)

        verb = "Re-measuring" if remeasure else "Sweeping"
        self.status.setText(f"{verb} {len(configs)} configurations on {path}, {threads} thread(s), "
                            f"{repeats} timed runs each…")
        self.job.submit(work, f"Sweeping {len(configs)} configurations…")
        return True

    def set_busy_points(self, points: Sequence[data.TradeoffPoint]) -> None:
        """The shown series' points measured on a busy machine (this machine's series only: the
        others cannot be measured here); the button offers them while there are any."""
        self._busy_points = list(points)
        self.remeasure_button.setText(f"Re-measure busy ({len(points)})")
        self.remeasure_button.setVisible(bool(points))

    def remeasure_busy(self) -> bool:
        return self.remeasure(self._busy_points)

    def remeasure(self, points: Sequence[data.TradeoffPoint]) -> bool:
        """Time `points` (of one series: its threads and path) again off the UI thread, with the
        sweep's progress and Cancel; the newer runs replace them. False if a sweep is running."""
        if not points:
            return False
        configs = [data.SweepConfig(p.model, p.width, p.resolution) for p in points]
        return self.run(configs, threads=points[0].threads, path=points[0].path, remeasure=True)

    def cancel(self) -> None:
        if self.job.is_busy():
            self.job.cancel()
            self.status.setText("Cancelling after the configuration in flight…")

    def update_status(self) -> None:
        """Say how much of the chosen grid this machine has measured (not while a sweep runs)."""
        if self.job.is_busy():
            return
        configs = data.sweep_configs(self.options.models())
        threads = self.options.threads.value()
        done = data.sweep_progress(configs, threads, inference_path=self.inference_path())
        left = len(configs) - done
        plural = "s" if threads != 1 else ""
        if not configs:
            text = "Choose at least one backbone to sweep."
        elif left == 0:
            text = (f"All {len(configs)} configurations of the chosen backbones are measured on this machine "
                    f"with {threads} thread{plural}.")
        else:
            text = (f"{done} of {len(configs)} configurations already measured on this machine with {threads} "
                    f"thread{plural}; a sweep measures the other {left} "
                    f"(the full default sweep takes a few minutes) and can be cancelled and resumed any time.")
        self.status.setText(text)
        self.sweep_button.setEnabled(bool(configs) and left > 0)

    def _on_row(self, _serial: int, record: data.RunRecord) -> None:
        self.rows_landed += 1
        self.row_stored.emit(record)

    def _on_progress(self, done: int, total: int, _message: str) -> None:
        self.progress.setRange(0, total)
        self.progress.setValue(done)
        if self.job.is_cancelling():
            return
        elapsed = time.perf_counter() - self._started_at
        eta = f", about {elapsed / self.rows_landed * (total - done):.0f} s left" if self.rows_landed else ""
        self.status.setText(f"Sweeping: {done} of {total} configurations done ({self.rows_landed} "
                            f"measured now){eta}. Cancel keeps everything finished.")

    def _on_done(self, _serial: int, summary: data.SweepSummary) -> None:
        self.finished.emit(f"Sweep done: {summary.measured} measured, {summary.skipped} already stored, "
                           f"{summary.seconds:.0f} s on {summary.threads} thread(s)")

    def _on_cancelled(self, _serial: int) -> None:
        self.finished.emit(f"Sweep cancelled; {self.rows_landed} configuration(s) measured and kept")

    def _on_busy(self, busy: bool, label: str) -> None:
        self.sweep_button.setEnabled(not busy)
        self.remeasure_button.setEnabled(not busy)
        self.cancel_button.setEnabled(busy)
        self.options.setEnabled(not busy)
        self.path_combo.setEnabled(not busy)
        if not busy:
            self.update_status()
        self.busy_changed.emit(busy, label)
