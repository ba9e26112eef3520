"""The Trade-offs page: top-1 against latency measured on this machine and against MAdds, the
Pareto frontier, and the configuration a latency budget calls for (the MnasNet / V3 reward).

The shape of the V3 paper's Figures 1, 2 and 7, with this machine's latency instead of a Pixel
phone's. Latency comes from sweeps (run here, in the background, resumable, each configuration
stored the moment it is measured) or from other machines' exports (one series each).
`start()` only reads the results database (a small SQLite file): nothing is measured until the
user presses Run sweep."""

from __future__ import annotations

from PySide6.QtCore import QSettings, Qt
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QCheckBox, QComboBox, QFileDialog, QFrame, QHBoxLayout, QLabel, QMenu, QWidget

from engine.api import StudioError
from gui.chart_export import ask_chart
from gui.pages import register_page
from gui.pages import tradeoffs_data as data
from gui.pages.base import Page
from gui.pages.tradeoffs_cost import accuracy_cost_html
from gui.pages.tradeoffs_sweep import SweepPanel
from gui.settings import to_bool, to_list
from gui.widgets.panel import inline_error, page_header, panel as _panel
from gui.widgets.tradeoffs_controls import TargetControls
from gui.widgets.tradeoffs_focus import FocusMarker
from gui.widgets.tradeoffs_plot import LEGEND_HTML, TradeoffPlot
from gui.widgets.fit import ElidedLabel, elide_combo

__all__ = ["TradeoffsPage", "SCREENSHOT_CONFIGS"]

# The docs picture when nothing is stored yet: V3-Small's width and resolution knobs (Figure 7)
# next to V2's, measured for real but quickly.
SCREENSHOT_CONFIGS = tuple(
    [data.SweepConfig("mobilenet_v3_small", w, 224) for w in (0.35, 0.5, 0.75, 1.0)]
    + [data.SweepConfig("mobilenet_v3_small", 1.0, r) for r in (96, 128, 160)]
    + [data.SweepConfig("mobilenet_v2", w, 224) for w in (0.35, 0.5, 0.75, 1.0)]
    + [data.SweepConfig("mobilenet_v2", 1.0, r) for r in (96, 128, 160)])
SCREENSHOT_REPEATS = 5

EMPTY_LATENCY = ("Nothing measured on this machine yet.\nPress “Run sweep” above: it times each configuration\n"
                 "and plots it here as it lands (a sweep resumes where it stopped).\n"
                 "The MAdds plot already shows the papers' points: MAdds need no measuring.")


@register_page("tradeoffs", "Trade-offs", order=35, tooltip="Accuracy vs latency and MAdds; latency budgets")
class TradeoffsPage(Page):
    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("page")
        self.snapshot = data.Snapshot()
        self._cost_lines: dict[tuple[str, str], str] = {}  # accuracy_cost_html per (model, path) until reload
        self.recommendation: data.Recommendation | None = None
        self._wanted_key: str | None = None  # the series to select once it exists (settings, a sweep)
        self._saved_target = 0.0
        self.focus: data.TradeoffPoint | None = None  # the point another page asked to see

        self.import_action = self.add_action("Import results…", "Add a JSON export from another machine: it "
                                             "appears as its own series", self._ask_import, short="Import")
        self.export_action = self.add_action("Export results…", "Save every stored run (JSON keeps machines and "
                                             "layers; CSV is one row per run)", self._ask_export, short="Export")
        # the two plots' exports under one toolbar button (four buttons overflow a 1280 px window)
        self.export_latency_action = QAction("Latency plot…", self)
        self.export_latency_action.setToolTip("Save top-1 against measured latency as PNG (at a width you choose) or SVG")
        self.export_latency_action.triggered.connect(
            lambda: ask_chart(self.latency_plot, self.report_export, self._plot_name("latency")))
        self.export_madds_action = QAction("MAdds plot…", self)
        self.export_madds_action.setToolTip("Save top-1 against MAdds as PNG (at a width you choose) or SVG")
        self.export_madds_action.triggered.connect(
            lambda: ask_chart(self.madds_plot, self.report_export, self._plot_name("madds")))
        self.export_plot_action = QAction("Export plot", self)
        self.export_plot_action.setToolTip("Save either plot as PNG (at a width you choose) or SVG")
        plots_menu = QMenu(self)
        plots_menu.addActions([self.export_latency_action, self.export_madds_action])
        self.export_plot_action.setMenu(plots_menu)
        layout = self.page_layout(spacing=10)
        layout.addLayout(self._build_header())
        layout.addWidget(self._build_sweep())
        self.error_label = inline_error()
        layout.addWidget(self.error_label)
        layout.addWidget(self._build_target())
        plots_frame, plots_layout = _panel()
        self.legend = QLabel(LEGEND_HTML)
        self.legend.setTextFormat(Qt.TextFormat.RichText)
        self.legend.setWordWrap(True)
        self.latency_plot = TradeoffPlot("latency", data.latency_front)
        self.madds_plot = TradeoffPlot("madds", data.madds_front)
        self.focus_marker = FocusMarker((self.latency_plot, self.madds_plot))  # "Show on Trade-offs"
        for plot in (self.latency_plot, self.madds_plot):  # right-click a point: "Re-measure …"
            plot.remeasure_action.triggered.connect(lambda _c=False, plot=plot: self.remeasure(plot.under_mouse))
        row = QHBoxLayout()
        row.addWidget(self.latency_plot, 1)
        row.addWidget(self.madds_plot, 1)
        plots_layout.addWidget(self.legend)
        plots_layout.addLayout(row, 1)
        layout.addWidget(plots_frame, 1)
        self.targets.changed.connect(self._update_recommendation)
        self._refresh_all()

    # construction ---------------------------------------------------------------------------
    def _build_header(self) -> QHBoxLayout:
        self.subtitle = ElidedLabel("")
        self.series_combo = QComboBox()
        elide_combo(self.series_combo, 22)  # a long machine label elides; each item's tooltip is its label
        self.series_combo.setPlaceholderText("no measurements yet")
        self.series_combo.setToolTip("Whose latency the plots and the recommendation use")
        self.series_combo.activated.connect(self._on_series_picked)
        self.compare_box = QCheckBox("show other series")
        self.compare_box.setChecked(True)
        self.compare_box.setToolTip("Draw the other machines' (or thread counts') points faded on the latency plot")
        self.compare_box.toggled.connect(lambda _c: self._redraw())
        return page_header("Trade-offs", self.subtitle, self.menu_actions(),
                           [QLabel("Series"), self.series_combo, self.compare_box])

    def _build_sweep(self) -> SweepPanel:
        self.sweep = SweepPanel()
        self.sweep.started.connect(self._on_sweep_started)
        self.sweep.row_stored.connect(self._on_row)
        self.sweep.finished.connect(self._on_sweep_finished)
        self.sweep.failed.connect(self.show_error)
        self.sweep.busy_changed.connect(self._on_busy)
        # the panel's parts under the names the page always had (tests, settings)
        self.options, self.sweep_button, self.cancel_button = (self.sweep.options, self.sweep.sweep_button,
                                                               self.sweep.cancel_button)
        self.progress, self.sweep_status = self.sweep.progress, self.sweep.status
        return self.sweep

    def _build_target(self) -> QFrame:
        frame, outer = _panel()
        self.targets = TargetControls()
        self.explanation = QLabel("")
        self.explanation.setTextFormat(Qt.TextFormat.RichText)
        self.explanation.setWordWrap(True)
        self.explanation.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        outer.addWidget(self.targets)
        outer.addWidget(self.explanation)
        return frame

    # data -----------------------------------------------------------------------------------
    def reload(self) -> None:
        """Read the database again (cheap) and redraw everything."""
        self._cost_lines.clear()  # and the remembered accuracy costs: the Profiler may have measured one
        try:
            self.snapshot = data.load_snapshot()
            if self.snapshot.problem:
                self.show_error(self.snapshot.problem)
        except StudioError as exc:
            self.show_error(str(exc))
        self._refresh_all()

    def series_key(self) -> str | None:
        return self.series_combo.currentData()

    def select_series(self, key: str) -> None:
        self._wanted_key = key
        index = self.series_combo.findData(key)
        if index >= 0 and index != self.series_combo.currentIndex():
            self.series_combo.setCurrentIndex(index)
            self._redraw()

    def _on_series_picked(self, _index: int) -> None:
        self._wanted_key = self.series_key()
        self._redraw()

    def _refresh_all(self) -> None:
        keep = self._wanted_key or self.series_key()
        self.series_combo.blockSignals(True)
        self.series_combo.clear()
        for s in self.snapshot.series:
            self.series_combo.addItem(s.label(), s.key)
            self.series_combo.setItemData(self.series_combo.count() - 1, s.label(), Qt.ItemDataRole.ToolTipRole)
        index = self.series_combo.findData(keep) if keep else -1
        self.series_combo.setCurrentIndex(max(index, 0) if self.snapshot.series else -1)
        self.series_combo.blockSignals(False)
        self.series_combo.setEnabled(len(self.snapshot.series) > 1)
        n_machines = len({s.machine_id for s in self.snapshot.series})
        self.subtitle.setText(
            f"{len(self.snapshot.points)} measured points in {len(self.snapshot.series)} series "
            f"({n_machines} machine{'s' if n_machines != 1 else ''})" if self.snapshot.points
            else "Accuracy against latency measured on this machine and against MAdds")
        self.sweep.update_status()
        self._redraw()

    def _redraw(self) -> None:
        key = self.series_key()
        primary = self.snapshot.points_of(key)
        others = {s.key: self.snapshot.points_of(s.key) for s in self.snapshot.series
                  if s.key != key} if self.compare_box.isChecked() else {}
        mine = self.snapshot.find(key)
        here = mine is not None and mine.this_machine  # only this machine's points can be timed again
        self.latency_plot.remeasurable = self.madds_plot.remeasurable = here
        self.latency_plot.set_data(primary, key, others, (), EMPTY_LATENCY)
        self.madds_plot.set_data(primary, key, {}, self.snapshot.paper)
        for plot in (self.latency_plot, self.madds_plot):
            plot.set_intervals(primary, self.snapshot.measured)
        if primary:
            lats = [p.latency_ms for p in primary]
            self.targets.set_span(min(lats) * 0.8, max(lats) * 1.25)
        self.targets.setEnabled(bool(primary))
        self.focus_marker.follow(primary)
        self.sweep.set_busy_points([p for p in primary if p.busy] if here else [])
        self._update_recommendation()

    def _update_recommendation(self) -> None:
        primary = self.snapshot.points_of(self.series_key())
        target, w = self.targets.target_ms(), self.targets.w()
        self.recommendation = data.recommend_for(primary, target, w) if primary else None
        rec = self.recommendation
        for plot in (self.latency_plot, self.madds_plot):
            plot.set_highlight(rec.recommended if rec else None, rec.most_accurate_within if rec else None,
                               target if rec else None)
        if rec is None:
            self.explanation.setText("The recommendation needs measured latencies: run a sweep (or import "
                                     "another machine's results and pick its series).")
            return
        describe = lambda p: f"<b>{p.label()}</b>: {p.accuracy:.1f} % top-1 at {p.latency_ms:.2f} ms on {p.path}"  # noqa: E731
        lines = []
        if rec.recommended is not None:
            lines.append(f"◯ Recommended for {target:.3g} ms (w = {w:g}) on path <b>{rec.recommended.path}</b>: "
                         f"{describe(rec.recommended)} · "
                         f"<span style='color:#d81b60'>□</span> most accurate within the target: "
                         f"{describe(rec.most_accurate_within)}")
        lines.append(rec.explanation)
        if rec.recommended is not None:
            key = (rec.recommended.model, rec.recommended.path)
            if key not in self._cost_lines:  # read once per reload, not on every slider move
                self._cost_lines[key] = accuracy_cost_html(*key)
            lines.append(self._cost_lines[key])
        self.explanation.setText("<br>".join(lines))

    # sweeping -------------------------------------------------------------------------------
    def run_sweep(self, configs=None, *, threads: int | None = None, repeats: int | None = None) -> bool:
        """Measure `configs` (default: the chosen backbones' grid) off the UI thread; points are
        plotted as each configuration is stored. False if a sweep is already running."""
        return self.sweep.run(configs, threads=threads, repeats=repeats)

    def remeasure(self, point: data.TradeoffPoint | None) -> bool:
        """Time one point again in the background (the plots' right-click action)."""
        if point is None:
            return False
        if not self.sweep.remeasure([point]):
            self.status_message.emit(f"A sweep is running: re-measure {point.label()} when it has finished")
            return False
        return True

    def cancel(self) -> None:
        self.sweep.cancel()

    @property
    def _rows_landed(self) -> int:
        return self.sweep.rows_landed

    def _on_sweep_started(self, series_key: str) -> None:
        self.error_label.hide()
        self.select_series(series_key)

    def _on_row(self, record: data.RunRecord) -> None:
        self.reload()
        self.status_message.emit(f"{record.model} {record.width:g}/{record.resolution}: "
                                 f"{record.total_ms.median:.2f} ms")

    def _on_sweep_finished(self, message: str) -> None:
        self.reload()
        self.status_message.emit(message)

    def _on_busy(self, busy: bool, label: str) -> None:
        self.import_action.setEnabled(not busy)
        self.report_busy(busy, label)

    # import / export ------------------------------------------------------------------------
    def import_file(self, path: str) -> bool:
        try:
            summary = data.import_results(path)
        except (StudioError, OSError) as exc:
            self.show_error(str(exc))
            return False
        self.error_label.hide()
        self.reload()
        self.status_message.emit(summary)
        return True

    def export_file(self, path: str) -> bool:
        try:
            count = data.export_results(path)
        except (StudioError, OSError) as exc:
            self.show_error(f"could not export to {path}: {exc}")
            return False
        self.status_message.emit(f"Wrote {count} runs to {path}")
        return True

    def _ask_import(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Import results", "", "Results exports (*.json)")
        if path:
            self.import_file(path)

    def _ask_export(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, "Export results", "results.json",
                                              "JSON, with layers and machines (*.json);;CSV, one row per run (*.csv)")
        if path:
            self.export_file(path)

    def can_open_files(self) -> bool:
        return True

    def ask_open(self) -> bool:
        self._ask_import()
        return True

    def open_files(self, paths: list[str]) -> None:
        for path in paths:
            self.import_file(path)

    # the journey from other pages -----------------------------------------------------------
    def showEvent(self, event) -> None:
        """Runs stored elsewhere (the Profiler's) appear when the page shows: the read is cheap."""
        super().showEvent(event)
        if not self.sweep.job.is_busy():
            self.reload()

    def receive(self, payload: object) -> None:
        """A configuration from the Models page ("Show on Trade-offs"): select the series that
        measured it (the current one first) and say where it is, or how to get it measured."""
        if not isinstance(payload, dict) or "model" not in payload:
            return
        self.reload()
        point = self.find_point(payload)
        self.focus = point
        if point is None:
            self.focus_marker.clear()
            what = f"{payload['model']} {float(payload.get('width', 1.0)):g}/{int(payload.get('resolution', 224))}"
            self.status_message.emit(f"{what} has no measured point yet: profile it (Profiler) or run a sweep; "
                                     f"a point needs a published or measured top-1")
            return
        self.select_series(data.series_key(point.machine_id, point.threads, point.path))
        self.focus_marker.show(point)
        self.status_message.emit(f"{point.label()}: {point.accuracy:.1f} % top-1 at {point.latency_ms:.2f} ms "
                                 f"on {point.path} ({point.machine_label}, {point.threads} threads)")

    def find_point(self, payload: dict) -> data.TradeoffPoint | None:
        """The stored point of a configuration, from the selected series first."""
        def fits(p: data.TradeoffPoint) -> bool:
            return (p.model == payload["model"] and abs(p.width - float(payload.get("width", 1.0))) < 1e-9
                    and p.resolution == int(payload.get("resolution", 224)))

        current = [p for p in self.snapshot.points_of(self.series_key()) if fits(p)]
        return (current or [p for p in self.snapshot.points if fits(p)] or [None])[0]

    # page protocol --------------------------------------------------------------------------
    def start(self) -> None:
        self.reload()
        if self._saved_target > 0:
            self.targets.set_target_ms(self._saved_target)

    def prepare_screenshot(self) -> None:
        """Stored points with the median latency as target; else a quick real sweep (V3-Small and V2)."""
        self.reload()
        if not self.snapshot.points:
            self.run_sweep(SCREENSHOT_CONFIGS, threads=2, repeats=SCREENSHOT_REPEATS)
            return
        lats = sorted(p.latency_ms for p in self.snapshot.points_of(self.series_key()))
        if lats:  # a budget in the thick of the data: the recommendation has rivals to beat
            self.targets.set_target_ms(lats[len(lats) // 2])

    def menu_actions(self) -> list[QAction]:
        return [self.import_action, self.export_action, self.export_plot_action]

    def _plot_name(self, axis: str) -> str:
        series = self.snapshot.find(self.series_key())
        return f"tradeoffs_{axis}_{series.path}" if series is not None else f"tradeoffs_{axis}"

    def ready(self) -> bool:
        return not self.sweep.job.is_busy()

    def shutdown(self) -> None:
        self.sweep.job.wait()

    def save_settings(self, settings: QSettings) -> None:
        settings.setValue("target_ms", self.targets.target_ms())
        settings.setValue("w", self.targets.w())
        settings.setValue("series", self._wanted_key or self.series_key() or "")
        settings.setValue("compare", self.compare_box.isChecked())
        settings.setValue("models", self.options.models())
        settings.setValue("threads", self.options.threads.value())
        settings.setValue("repeats", self.options.repeats.value())

    def restore_settings(self, settings: QSettings) -> None:
        try:
            self.targets.set_w(float(settings.value("w", -0.07)))
            self.options.threads.setValue(int(settings.value("threads", self.options.threads.value())))
            self.options.repeats.setValue(int(settings.value("repeats", self.options.repeats.value())))
            target = float(settings.value("target_ms", 0) or 0)
        except (TypeError, ValueError):
            target = 0.0
        models = settings.value("models")
        if models is not None:
            self.options.set_models(to_list(models))
        self.compare_box.setChecked(to_bool(settings.value("compare"), True))
        self._wanted_key = str(settings.value("series", "") or "") or None
        self._saved_target = target  # applied by start(), once the data sets the slider's span
