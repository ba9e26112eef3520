"""The Kernels page: the three kernel experiments (separable vs standard convolution,
non-linearities, the four symmetric-operator convolution methods) with their sizes, run off the
UI thread with progress and Cancel, shown as bar charts and, for the symmetric convolution,
pictures of the operator, velocity model and wavefields plus a correctness badge per method."""

from __future__ import annotations

import json
import time
from pathlib import Path

from PySide6.QtCore import QSettings, Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QComboBox, QFrame, QGridLayout, QHBoxLayout, QLabel, QProgressBar, QSplitter, QStackedWidget, QWidget,
)

from engine import api
from gui.chart_export import ask_chart, save_chart
from gui.export import atomic_write, write_csv
from gui.pages import register_page
from gui.pages.base import Page
from gui.widgets.grouped_bar_chart import GroupedBarChart
from gui.widgets.kernels_fields import FieldImages
from gui.widgets.kernels_forms import ModelForm, SymconvForm
from gui.widgets.kernels_results import EXPERIMENTS, csv_for, summary_for, views_for
from gui.widgets.panel import inline_error, page_header, panel as _panel
from gui.workers.jobs import Job, JobRunner
from gui.widgets.fit import ElidedLabel

__all__ = ["KernelsPage"]

BADGES_PER_ROW = 3
BADGE_STYLE = {True: "background:#e6f4ea; color:#1e7e34; border:1px solid #b7dfc3;",
               False: "background:#fdecea; color:#c62828; border:1px solid #f5c2c0;"}

# why a seismic kernel sits in a MobileNet studio (shared/reference/kernels/: q4/q8 need 3.6-6.9x
# fewer multiplications than the simple loop but run only 1.2-2x faster; the cache method 4-5x)
SYMCONV_NOTE = ("<b>What is this?</b> The symmetric-operator convolution is one step of seismic wavefield "
                "extrapolation: a complex wavefield P (one frequency) is convolved with a small complex operator "
                "chosen at every grid point by the local velocity. The operator is symmetric in x and y, so the "
                "methods can fold equal taps together (quarter, octant) or reorder the work to stay in cache. "
                "<b>Why here?</b> It teaches the lesson of depthwise-separable convolution: fewer "
                "multiplications help less than you would think; how the data moves through memory decides "
                "the speed.")


@register_page("kernels", "Kernels", order=70, tooltip="Convolution kernels lab")
class KernelsPage(Page):
    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("page")
        self.result = None
        self.result_kind: str | None = None
        self._shown = ""
        self._started_at = 0.0
        self.runner = JobRunner(self)
        self.runner.progress.connect(self._on_step)
        self.runner.cancelled.connect(self._on_cancelled)
        self.runner.succeeded.connect(self._on_result)
        self.runner.failed.connect(lambda _serial, message: self.show_error(message))
        self.runner.busy_changed.connect(self._on_busy)

        self._build_actions()
        layout = self.page_layout()
        self.showing_label = ElidedLabel("No results yet")
        layout.addLayout(page_header("Kernels", self.showing_label, [self.run_action, self.cancel_action,
                                                                     *self._exports]))
        layout.addWidget(self._build_controls())
        self.error_label = inline_error()
        layout.addWidget(self.error_label)
        self.summary = QLabel("Pick an experiment and press Run (Ctrl+R).")
        self.summary.setObjectName("pageSubtitle")
        self.summary.setWordWrap(True)
        layout.addWidget(self.summary)
        layout.addWidget(self._build_body(), 1)
        self._on_experiment()

    # construction ---------------------------------------------------------------------------
    def _build_actions(self) -> None:
        self.run_action = self.add_action("Run", "Run the experiment (Ctrl+R)", self.run, QKeySequence("Ctrl+R"))
        self.cancel_action = self.add_action("Cancel", "Stop the running experiment (Esc)", self.cancel,
                                             QKeySequence(Qt.Key.Key_Escape))
        self.cancel_action.setEnabled(False)
        self.export_png_action = self.add_action(
            "Export kernels chart (PNG or SVG)…", "",
            lambda: ask_chart(self.chart.plot, self.report_export, f"kernels_{self.result_kind}"),
            short="Export chart")
        self.export_fields_action = self.add_action(
            "Export kernels pictures (PNG or SVG)…", "Save the operator, velocity and wavefield pictures with "
            "their colour bars", lambda: ask_chart(self.fields.view, self.report_export, "kernels_symconv_fields"),
            short="Export pictures")
        self.export_csv_action = self.add_action(
            "Export kernels results (CSV)…", "", lambda: self._ask("Export results", "csv", self.export_csv),
            short="CSV")
        self.export_json_action = self.add_action(
            "Export kernels results (JSON)…", "", lambda: self._ask("Export results", "json", self.export_json),
            short="JSON")
        self._exports = (self.export_png_action, self.export_fields_action, self.export_csv_action,
                         self.export_json_action)
        for action in self._exports:
            action.setEnabled(False)
        self.export_fields_action.setVisible(False)  # shown with a symmetric-convolution result

    def _build_controls(self) -> QFrame:
        frame, outer = _panel()
        top = QHBoxLayout()
        caption = QLabel("Experiment")
        caption.setObjectName("panelTitle")
        self.experiment = QComboBox()
        for kind, title in EXPERIMENTS.items():
            self.experiment.addItem(title, kind)
        self.experiment.currentIndexChanged.connect(self._on_experiment)
        self.progress = QProgressBar()
        self.progress.setRange(0, 1)
        self.progress.setValue(0)
        self.progress.setFormat("%v / %m measurements")
        self.progress.setTextVisible(False)
        self.progress.setMaximumWidth(320)
        keep_place = self.progress.sizePolicy()
        keep_place.setRetainSizeWhenHidden(True)  # the row does not jump when it appears
        self.progress.setSizePolicy(keep_place)
        self.progress.hide()
        top.addWidget(caption)
        top.addWidget(self.experiment)
        top.addStretch(1)
        top.addWidget(self.progress)
        models = [m.name for m in api.list_models() if m.task == "classification"]
        self.forms = {"separable": ModelForm("separable", models), "activations": ModelForm("activations", models),
                      "symconv": SymconvForm(api.VELOCITY_MODELS, api.SYMCONV_METHODS)}
        self.form_stack = QStackedWidget()
        for form in self.forms.values():
            self.form_stack.addWidget(form)
        outer.addLayout(top)
        outer.addWidget(self.form_stack)
        self.symconv_note = QLabel(SYMCONV_NOTE)
        self.symconv_note.setObjectName("cardNote")
        self.symconv_note.setWordWrap(True)
        outer.addWidget(self.symconv_note)
        return frame

    def _build_body(self) -> QSplitter:
        chart_frame, chart_layout = _panel()
        self.chart = GroupedBarChart("Results", empty_text="No results yet. Pick an experiment above and press "
                                     "Run (Ctrl+R): the methods' times and ratios appear here as bars.")
        chart_layout.addWidget(self.chart, 1)
        self.badges_row = QGridLayout()  # wraps after BADGES_PER_ROW: one row cut the chart off at 1280 px
        self.badges_row.setSpacing(6)
        self.badges_row.setColumnStretch(BADGES_PER_ROW, 1)
        self.badges_caption = QLabel("")
        self.badges_caption.setObjectName("cardNote")
        self.badges_row.addWidget(self.badges_caption, 0, 0, 1, BADGES_PER_ROW)
        self.badges: dict[str, QLabel] = {}
        chart_layout.addLayout(self.badges_row)
        self.fields_frame, fields_layout = _panel("Operator, velocity and wavefields")
        self.fields = FieldImages()
        fields_layout.addWidget(self.fields, 1)
        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.setChildrenCollapsible(False)
        self.splitter.setHandleWidth(12)
        self.splitter.addWidget(chart_frame)
        self.splitter.addWidget(self.fields_frame)
        self.splitter.setSizes([560, 840])
        self.fields_frame.hide()
        return self.splitter

    # running --------------------------------------------------------------------------------
    def current_kind(self) -> str:
        return self.experiment.currentData()

    def run(self) -> None:
        if self.runner.is_busy():
            return
        kind = self.current_kind()
        values = self.forms[kind].values()
        if kind == "symconv":
            describe = (f"symmetric convolution {values['ny']}×{values['nx']}, {values['op_size']}×"
                        f"{values['op_size']} operator, {values['velocity']} velocity")

            def work(job: Job):
                return api.run_symconv(values["ny"], values["nx"], values["op_size"], values["velocity"],
                                       values["methods"], repeats=values["repeats"], progress=job.progress,
                                       should_stop=job.should_stop)
        else:
            describe = (f"{EXPERIMENTS[kind].lower()} · {values['model']} · width {values['width']} · "
                        f"{values['resolution']} px · {values['threads']} thread(s)")

            def work(job: Job):
                common = {"threads": values["threads"], "repeats": values["repeats"], "progress": job.progress,
                          "should_stop": job.should_stop}
                if kind == "separable":
                    layers = api.separable_layers(values["model"], width=values["width"],
                                                  resolution=values["resolution"])
                    return api.run_separable(layers, model=values["model"], width=values["width"],
                                             resolution=values["resolution"], **common)
                return api.run_activations(values["model"], width=values["width"],
                                           resolution=values["resolution"], **common)

        self._started_at = time.perf_counter()
        self.progress.setRange(0, 0)  # busy until the first step arrives
        self.runner.submit(lambda job: (kind, describe, work(job)), f"Running {describe}…")

    def cancel(self) -> None:
        if self.runner.is_busy():
            self.runner.cancel()
            self.status_message.emit("Cancelling after the current measurement…")

    def _on_step(self, done: int, total: int, _message: str) -> None:
        if self.runner.is_busy():
            self.progress.setTextVisible(True)
            self.progress.setRange(0, max(total, 1))
            self.progress.setValue(done)

    def _on_result(self, _serial: int, payload: object) -> None:
        kind, describe, result = payload
        self.result, self.result_kind, self._shown = result, kind, describe
        self.error_label.hide()
        self.chart.set_views(views_for(kind, result))
        self.chart.title.setText(EXPERIMENTS[kind])
        self.summary.setText(summary_for(kind, result))
        self.showing_label.setText(f"Showing {describe}")
        self._set_badges(result.runs if kind == "symconv" else ())
        if kind == "symconv" and result.fields is not None:
            f = result.fields
            self.fields.set_fields(f.velocity, f.operator, f.operator_velocity, f.data, f.output)
        self.fields_frame.setVisible(kind == "symconv")
        for action in self._exports:
            action.setEnabled(True)
        self.export_fields_action.setEnabled(kind == "symconv" and result.fields is not None)
        self.export_fields_action.setVisible(kind == "symconv")
        self.status_message.emit(f"{describe}: done in {time.perf_counter() - self._started_at:.1f} s")

    def _on_cancelled(self, _serial: int) -> None:
        self.status_message.emit("Cancelled; the previous results stay on screen")

    def _on_busy(self, busy: bool, label: str) -> None:
        self.run_action.setEnabled(not busy)
        self.cancel_action.setEnabled(busy)
        self.progress.setVisible(busy)
        if not busy:
            self.progress.setRange(0, 1)
            self.progress.setValue(0)
            self.progress.setTextVisible(False)
        self.report_busy(busy, label)

    def _on_experiment(self) -> None:
        self.form_stack.setCurrentWidget(self.forms[self.current_kind()])
        self.symconv_note.setVisible(self.current_kind() == "symconv")

    def _set_badges(self, runs) -> None:
        for badge in self.badges.values():
            self.badges_row.removeWidget(badge)
            badge.deleteLater()
        self.badges.clear()
        for index, run in enumerate(runs):
            badge = QLabel(f"{'✓' if run.correct else '✗'} {run.method} {run.max_rel_error:.0e}")
            badge.setStyleSheet(BADGE_STYLE[run.correct] + "border-radius:4px; padding:3px 8px;")
            badge.setToolTip("max |method − reference| / max |reference| against the float64 reference; "
                             f"tolerance {run.tolerance:g} (float32 loops)")
            badge.setProperty("correct", run.correct)
            self.badges_row.addWidget(badge, 1 + index // BADGES_PER_ROW, index % BADGES_PER_ROW)
            self.badges[run.method] = badge
        self.badges_caption.setText(f"vs reference (≤ {runs[0].tolerance:g}):" if runs else "")

    # page hooks -----------------------------------------------------------------------------
    def menu_actions(self) -> list[QAction]:
        return list(self._exports)

    def ready(self) -> bool:
        return not self.runner.is_busy()

    def prepare_screenshot(self) -> None:
        """A symmetric-convolution run on a 256×256 grid, median of 7 (about 2 s): images,
        bars and badges, on a grid large enough that the ratios are the benchmark's."""
        self.experiment.setCurrentIndex(max(self.experiment.findData("symconv"), 0))
        form = self.forms["symconv"]
        form.ny.setValue(256)
        form.nx.setValue(256)
        form.repeats.setValue(7)
        self.run()

    def shutdown(self) -> None:
        self.runner.wait()

    def save_settings(self, settings: QSettings) -> None:
        settings.setValue("experiment", self.current_kind())
        for kind, form in self.forms.items():
            form.save(settings, kind)
        settings.setValue("splitter", self.splitter.saveState())

    def restore_settings(self, settings: QSettings) -> None:
        index = self.experiment.findData(settings.value("experiment", "symconv"))
        self.experiment.setCurrentIndex(max(index, 0))
        for kind, form in self.forms.items():
            form.restore(settings, kind)
        state = settings.value("splitter")
        if state is not None:
            self.splitter.restoreState(state)

    # exports --------------------------------------------------------------------------------
    def export_chart(self, path: str, width: int | None = None) -> None:
        """PNG or SVG by the file's suffix, through pyqtgraph's exporters."""
        save_chart(self.chart.plot, path, width)

    def export_fields(self, path: str, width: int | None = None) -> None:
        """The symmetric convolution's pictures and colour bars, PNG or SVG by the suffix."""
        save_chart(self.fields.view, path, width)

    def export_csv(self, path: str) -> None:
        header, rows = csv_for(self.result_kind, self.result)
        write_csv(path, header, rows)

    def export_json(self, path: str) -> None:
        text = json.dumps(self.result.to_json(), indent=2)
        atomic_write(path, lambda tmp: Path(tmp).write_text(text, encoding="utf-8"))

    def _ask(self, title: str, ext: str, export) -> None:
        if self.result is None:
            return
        pattern = {"png": "PNG images (*.png)", "csv": "CSV files (*.csv)", "json": "JSON files (*.json)"}[ext]
        path = self.ask_save(title, f"kernels_{self.result_kind}.{ext}", pattern, export)
        if path:
            self.status_message.emit(f"Saved {path}")
