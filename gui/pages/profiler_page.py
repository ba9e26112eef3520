"""The Profiler page: measure one configuration on this machine and see where the time goes,
layer by layer; pin a run and measure another to compare (e.g. V2 vs V3-Large).

Every number comes from one `engine.api.profile_model` call, run off the UI thread with
progress and Cancel. Nothing runs until the user asks (Run, or "Profile this" on the Models
page): measuring takes seconds and loads the CPU, so `start()` stays free."""

from __future__ import annotations

import time
from dataclasses import replace

from PySide6.QtCore import QSettings, Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QProgressBar, QPushButton, QWidget

from engine import api
from gui.chart_export import CAPTION, ask_chart, save_chart
from gui.export import write_csv
from gui.pages import register_page
from gui.pages.base import Page
from gui.pages.profiler_work import measure_agreement, measure_and_store, profile_controls, summary_html, write_trace
from gui.widgets.attribution_bar import AttributionBar
from gui.widgets.layer_bars import COMPARISON_NOTE, SERIES, BarRun, LayerBars, series_values
from gui.widgets.profile_controls import ProfileRequest
from gui.widgets.panel import inline_error, page_header, panel as _panel
from gui.workers.jobs import JobRunner
from gui.widgets.fit import ElidedLabel

__all__ = ["ProfilerPage", "CSV_HEADER"]

CSV_HEADER = ("index", "name", "kind", "block", "ms_median", "madds", "params", "ns_per_madd")


@register_page("profiler", "Profiler", order=30, tooltip="Per-layer latency on this machine")
class ProfilerPage(Page):
    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("page")
        self.result: api.ProfileResult | None = None
        self.shown: ProfileRequest | None = None
        self.pinned: tuple[ProfileRequest, api.ProfileResult] | None = None
        self.agreements: dict[tuple[str, str], api.PathAgreement] = {}  # (model, path) -> accuracy cost
        self._running: ProfileRequest | None = None
        self._started_at = 0.0
        self._queued: list[tuple[ProfileRequest, bool]] = []  # (request, pin it when done)

        self.job = JobRunner(self)
        self.job.progress.connect(self._on_progress)
        self.job.succeeded.connect(self._on_done)
        self.job.failed.connect(lambda _serial, message: self._on_error(message))
        self.job.cancelled.connect(self._on_cancelled)
        self.job.busy_changed.connect(self._on_busy)

        self._build_actions()
        layout = self.page_layout()
        self.showing_label = ElidedLabel("Nothing measured yet")
        layout.addLayout(page_header("Profiler", self.showing_label, [
            self.accuracy_action, self.pin_action, self.clear_pin_action, *self.menu_actions()]))
        layout.addWidget(self._build_controls())
        self.error_label = inline_error()
        layout.addWidget(self.error_label)
        chart_frame, chart_layout = _panel()
        self.summary = QLabel("")
        self.summary.setTextFormat(Qt.TextFormat.RichText)
        self.summary.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.summary.setWordWrap(True)
        self.attribution = AttributionBar()
        self.attribution.setToolTip("Whole-model median: the layers' share and the unattributed rest")
        self.bars = LayerBars()
        self.bars.layer_clicked.connect(self._on_layer_clicked)
        chart_layout.addWidget(self.summary)
        chart_layout.addWidget(self.attribution)
        chart_layout.addWidget(self.bars, 1)
        layout.addWidget(chart_frame, 1)
        self._update_actions()

    # construction ---------------------------------------------------------------------------
    def _build_actions(self) -> None:
        self.run_action = self.add_action("Run", "Measure this configuration (Ctrl+R)", self.run,
                                       QKeySequence("Ctrl+R"))
        self.cancel_action = self.add_action("Cancel", "Stop the measurement (Esc)", self.cancel,
                                          QKeySequence(Qt.Key.Key_Escape))
        self.pin_action = self.add_action("Keep as overlay", "Pin this run, then measure another configuration "
                                       "to compare.\n" + COMPARISON_NOTE, self.pin_current)
        self.clear_pin_action = self.add_action("Clear overlay", "Remove the pinned run", self.clear_pin)
        self.export_png_action = self.add_action("Export profile chart…", "Save the per-layer chart as PNG (at a "
                                              "width you choose) or SVG", self._ask_export_chart,
                                              short="Export chart")
        self.export_csv_action = self.add_action("Export profile table…", "Save the per-layer timings as CSV",
                                              self._ask_export_csv, short="Export CSV")
        self.accuracy_action = self.add_action(
            "Accuracy cost", "Run this path and the fp32 reference on real photos and compare their outputs "
            "(top-1 agreement and largest logit difference; boxes or mask IoU for detectors and segmenters)",
            self.measure_accuracy)
        self.export_trace_action = self.add_action("Export profile trace…", "Save a Chrome/Perfetto trace "
                                                "of one forward pass (open it in ui.perfetto.dev)",
                                                self._ask_export_trace, short="Export trace")

    def _build_controls(self) -> QFrame:
        frame, outer = _panel()
        self.controls = profile_controls()
        self.run_button = QPushButton("Run")
        self.run_button.setToolTip(self.run_action.toolTip())
        self.run_button.setDefault(True)
        self.run_button.clicked.connect(self.run)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setToolTip(self.cancel_action.toolTip())
        self.cancel_button.clicked.connect(self.cancel)
        self.progress = QProgressBar()
        self.progress.setRange(0, 1)
        self.progress.setValue(0)
        self.progress.setFormat("%v / %m steps")
        self.progress.setMinimumWidth(220)
        self.progress_label = ElidedLabel("", mode=Qt.TextElideMode.ElideMiddle)  # paths: keep both ends
        self.progress_label.setObjectName("cardNote")
        row = QHBoxLayout()
        row.addWidget(self.run_button)
        row.addWidget(self.cancel_button)
        row.addWidget(self.progress)
        row.addWidget(self.progress_label, 1)
        outer.addWidget(self.controls)
        outer.addLayout(row)
        return frame

    # running --------------------------------------------------------------------------------
    def run(self) -> bool:
        """Measure the configuration in the controls; False if a run is already going."""
        if self.job.is_busy():
            return False
        req = self.controls.request()
        self._running = req
        self._started_at = time.perf_counter()
        self.error_label.hide()
        self.progress.setRange(0, 1)
        self.progress.setValue(0)
        self.progress_label.setText("building the model…")
        self.cancel_button.setEnabled(True)
        self.cancel_button.setFocus()  # the controls go disabled; Esc and Space still reach Cancel
        self.job.submit(lambda job: measure_and_store(req, job), f"Profiling {req.short()}…")
        return True

    def cancel(self) -> None:
        self._queued.clear()
        if self.job.is_busy():
            self.job.cancel()
            self.progress_label.setText("cancelling…")

    def _on_progress(self, done: int, total: int, _message: str) -> None:
        self.progress.setRange(0, total)
        self.progress.setValue(done)
        req = self._running
        repeats = req.repeats if req else 0
        phase = "warming up" if done <= total - 2 * repeats else (
            "timing the whole model" if done <= total - repeats else "timing each layer")
        self.progress_label.setText(phase)

    def measure_accuracy(self) -> bool:
        """The shown run's path against the reference, off the UI thread; shown beside its latency."""
        if self.job.is_busy() or self.shown is None:
            return False
        req = self.shown
        self._running = None
        self.progress_label.setText(f"comparing {req.path} with the reference on real photos…")
        self.job.submit(lambda job: measure_agreement(req, job), f"Accuracy of {req.path} for {req.model}…")
        return True

    def _on_done(self, _serial: int, payload: object) -> None:
        req, result = payload[:2]
        if isinstance(result, api.PathAgreement):
            self.agreements[(req.model, result.path)] = result
            self.progress_label.setText("accuracy cost measured")
            self.summary.setText(self.summary_text())
            self.status_message.emit(f"{req.model} on {result.path}: {result.summary()}")
            return
        if isinstance(result, str):  # a trace export finished
            self.progress_label.setText(f"trace written to {result}")
            self.status_message.emit(f"Saved {result}")
            return
        self.result, self.shown = result, req
        self.error_label.hide()
        self.progress_label.setText(f"done in {time.perf_counter() - self._started_at:.1f} s")
        self._refresh()
        if self._queued and self._queued[0][1]:
            self.pin_current()
        total = result.total_ms
        note = payload[2]
        if note:  # the database could not take it: say where the run went
            self._on_error(note)
            return
        self.status_message.emit(f"{req.short()} on {result.path}: median {total.median:.2f} ms, layer sum "
                                 f"{result.layer_sum_ms:.2f} ms ({len(result.layers)} layers); saved to the "
                                 f"results database (Trade-offs plots it)")

    def _on_error(self, message: str) -> None:
        self.show_error(message)
        self.progress_label.setText("failed")

    def _on_cancelled(self, _serial: int) -> None:
        self.progress.setValue(0)
        self.progress_label.setText("cancelled; the chart shows the last finished run")
        self.status_message.emit("Profiling cancelled")

    def _on_busy(self, busy: bool, label: str) -> None:
        self._update_actions()
        self.busy_changed.emit(busy, label)
        if not busy:
            self._running = None
            if self._queued:
                self._queued.pop(0)
            if self._queued and self.error_label.isHidden():
                self.controls.set_request(self._queued[0][0])
                self.run()
                return
            self._queued.clear()
            self.idle.emit()

    def run_sequence(self, steps: list[tuple[ProfileRequest, bool]]) -> None:
        """Measure several configurations one after another, pinning those marked True (the
        documentation screenshot: V2 pinned, then V3-Large). ready() stays False until the end."""
        if self.job.is_busy() or not steps:
            return
        self._queued = list(steps)
        self.controls.set_request(steps[0][0])
        self.run()

    def prepare_screenshot(self) -> None:
        """What the docs picture shows: MobileNetV3-Large at 224 with MobileNetV2 overlaid."""
        self.run_sequence([(ProfileRequest("mobilenet_v2", repeats=30), True),
                           (ProfileRequest("mobilenet_v3_large", repeats=30), False)])

    def _update_actions(self) -> None:
        busy = self.job.is_busy()
        has = self.result is not None
        self.run_action.setEnabled(not busy)
        self.run_button.setEnabled(not busy)
        self.cancel_action.setEnabled(busy)
        self.cancel_button.setEnabled(busy)
        self.controls.setEnabled(not busy)
        self.pin_action.setEnabled(has)
        self.accuracy_action.setEnabled(has and not busy)
        self.clear_pin_action.setEnabled(self.pinned is not None)
        for action in (self.export_png_action, self.export_csv_action):
            action.setEnabled(has)
        self.export_trace_action.setEnabled(has and not busy)

    # comparing ------------------------------------------------------------------------------
    def pin_current(self) -> None:
        if self.result is not None and self.shown is not None:
            self.pinned = (self.shown, self.result)
            self._refresh()
            self.status_message.emit(f"Pinned {self.shown.short()}; run another configuration to compare")

    def clear_pin(self) -> None:
        self.pinned = None
        self._refresh()

    def _bar_run(self, req: ProfileRequest, result: api.ProfileResult) -> BarRun:
        return BarRun(label=f"{req.short()} — {result.total_ms.median:.2f} ms on {result.path}", layers=result.layers,
                      batch=result.batch)

    def _refresh(self) -> None:
        current = self._bar_run(self.shown, self.result) if self.result is not None else None
        pinned = self._bar_run(*self.pinned) if self.pinned is not None else None
        self.bars.set_runs(current, pinned)
        self.bars.plot.setProperty(CAPTION, f"{self.bars.runs_label.text()}<br>{self.bars.legend.text()}"
                                   if current is not None else "")  # the exported chart says which runs
        self.summary.setText(self.summary_text())
        r = self.result
        self.attribution.set_times(r.total_ms.median if r else None, r.layer_sum_ms if r else None,
                                   r.path if r else "")
        if self.shown is not None:
            self.showing_label.setText(f"Showing {self.shown.describe()}")
        self._update_actions()

    def summary_text(self) -> str:
        current = (self.shown, self.result) if self.result is not None else None
        return summary_html(current, self.pinned, self.agreements)

    def _on_layer_clicked(self, run: int, layer: str) -> None:
        entry = (self.shown, self.result) if run == 0 else self.pinned
        if entry is None or entry[0] is None:
            return
        req = entry[0]
        self.navigate.emit("models", {"model": req.model, "width": req.width, "resolution": req.resolution,
                                      "options": list(req.options), "layer": layer})

    # exports --------------------------------------------------------------------------------
    def csv_rows(self) -> list[tuple]:
        result = self.result
        if result is None:
            return []
        ns = series_values(result.layers, "ns_per_madd", result.batch)
        return [(i, l.name, l.kind, l.block, f"{l.ms_median:.9g}", l.madds, l.params,
                 "" if ns[i] != ns[i] else f"{ns[i]:.4f}") for i, l in enumerate(result.layers)]

    def export_csv(self, path: str) -> None:
        write_csv(path, CSV_HEADER, self.csv_rows())

    def export_chart(self, path: str, width: int | None = None) -> None:
        """The per-layer bars, PNG or SVG by the file's suffix, through pyqtgraph's exporters (the
        cumulative plot below has its own context-menu export)."""
        save_chart(self.bars.plot, path, width)

    def export_trace(self, path: str) -> bool:
        """Write the trace in the background (it builds and runs the model once)."""
        req = self.shown
        if req is None or self.job.is_busy():
            return False
        self._running = None
        self.progress_label.setText("writing the trace…")
        self.job.submit(lambda _job: (req, write_trace(req, path) or str(path)), f"Writing trace {path}…")
        return True

    def _ask_export_chart(self) -> None:
        if self.shown is not None:
            ask_chart(self.bars.plot, self.report_export, f"{self._stem()}_profile")

    def _ask_export_csv(self) -> None:
        self._ask("Export layer timings", "profile.csv", "CSV files (*.csv)", self.export_csv)

    def _ask_export_trace(self) -> None:
        self._ask("Export trace", "trace.json", "Chrome/Perfetto traces (*.json)", self.export_trace)

    def _stem(self) -> str:
        return f"{self.shown.model}_{self.shown.width_text}_{self.shown.resolution_text}"

    def _ask(self, title: str, default: str, pattern: str, export) -> None:
        if self.shown is None:
            return
        path = self.ask_save(title, f"{self._stem()}_{default}", pattern, export)
        if path and export != self.export_trace:  # the trace is written in the background
            self.status_message.emit(f"Saved {path}")

    # page protocol --------------------------------------------------------------------------
    def receive(self, payload: object) -> None:
        """A configuration from the Models page ("Profile this"): {"model", "width",
        "resolution", "options"}. The controls show it and, when the page is idle, the
        measurement starts at once (Esc or Cancel stops it like any run); while another run
        goes, nothing changes and the status bar says so."""
        if not isinstance(payload, dict) or "model" not in payload:
            return
        req = replace(self.controls.request(), model=payload["model"],
                      width_text=f"{float(payload.get('width', 1.0)):g}",
                      resolution_text=str(int(payload.get("resolution", 224))),
                      options=tuple(payload.get("options", ())))
        if self.job.is_busy():
            running = self._running.short() if self._running is not None else "another job"
            self.status_message.emit(f"The Profiler is still busy with {running}: cancel it (Esc) or wait, "
                                     f"then profile {req.short()}")
            return
        self.controls.set_request(req)
        self.run()

    def menu_actions(self) -> list[QAction]:
        return [self.export_png_action, self.export_csv_action, self.export_trace_action]

    def ready(self) -> bool:
        return not self.job.is_busy() and not self._queued

    def shutdown(self) -> None:
        self.job.wait()

    def save_settings(self, settings: QSettings) -> None:
        self.controls.save(settings)
        settings.setValue("series", self.bars.current_series())

    def restore_settings(self, settings: QSettings) -> None:
        self.controls.restore(settings)
        series = settings.value("series", "ms")
        if series in SERIES:
            self.bars.set_series(str(series))
