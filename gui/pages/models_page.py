"""The Models page: pick an architecture, width and resolution; see every layer's cost, the
totals next to the papers' figures, and where the cost goes block by block.

Every number comes from one `engine.api.model_stats` call, run off the UI thread."""

from __future__ import annotations

import time

from PySide6.QtCore import QSettings, Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QLineEdit, QSplitter, QWidget

from engine import api
from gui import formatting
from gui.chart_export import ask_chart, save_chart
from gui.export import write_csv
from gui.pages import register_page
from gui.pages.base import Page
from gui.pages.models_controls import ModelControls, Request
from gui.widgets.block_chart import BlockChart
from gui.widgets.block_compare import BlockCompare
from gui.widgets.controls import parse_number
from gui.widgets.layer_table import CSV_HEADER, LayerTableModel, LayerTableView
from gui.widgets.totals import PublishedTable, TotalsRow
from gui.widgets.weights_info import WeightsCard
from gui.widgets.panel import inline_error, page_header, panel as _panel
from gui.workers.jobs import JobRunner
from gui.widgets.fit import ElidedLabel

__all__ = ["ModelsPage"]


@register_page("models", "Models", order=10, tooltip="Architectures layer by layer")
class ModelsPage(Page):
    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("page")
        self._requested: Request | None = None
        self._pending_layer: str | None = None
        self._shown: Request | None = None
        self._started_at = 0.0
        self._started = False
        self.stats: api.ModelStats | None = None
        self.pinned: tuple[Request, api.ModelStats] | None = None

        self.runner = JobRunner(self)
        self.runner.succeeded.connect(self._on_stats)
        self.runner.failed.connect(lambda _serial, message: self._on_error(message))
        self.runner.busy_changed.connect(self.report_busy)

        self._build_actions()
        layout = self.page_layout()
        self.showing_label = ElidedLabel("Computing…")
        layout.addLayout(page_header("Models", self.showing_label, [
            self.recompute_action, self.profile_action, self.tradeoffs_action, self.pin_action,
            self.clear_pin_action, *self.menu_actions()]))
        layout.addWidget(self._build_controls())
        self.error_label = inline_error()
        layout.addWidget(self.error_label)
        self.totals = TotalsRow()
        self.weights_card = WeightsCard()
        self.weights_card.fetch_requested.connect(lambda name: self.navigate.emit("weights", {"fetch": name}))
        cards = QHBoxLayout()
        cards.setSpacing(12)
        cards.addWidget(self.totals, 8)
        cards.addWidget(self.weights_card, 3)  # the one card with sentences: wider, so the row stays short
        layout.addLayout(cards)
        layout.addWidget(self._build_body(), 1)

    # construction ---------------------------------------------------------------------------
    def _build_actions(self) -> None:
        self.recompute_action = QAction("Recompute", self)
        self.recompute_action.setShortcut(QKeySequence(Qt.Key.Key_F5))
        self.recompute_action.setToolTip("Compute the statistics again (F5)")
        self.recompute_action.triggered.connect(lambda: self.request(force=True))
        self.export_csv_action = QAction("Export table…", self)
        self.export_csv_action.setToolTip("Save the per-layer table as CSV")
        self.export_csv_action.triggered.connect(self._ask_export_csv)
        self.export_png_action = QAction("Export chart…", self)
        self.export_png_action.setToolTip("Save the block chart as PNG (at a width you choose) or SVG")
        self.export_png_action.triggered.connect(self._ask_export_png)
        self.profile_action = QAction("Profile this", self)
        self.profile_action.setToolTip("Measure this configuration in the Profiler now (Esc there cancels)")
        self.profile_action.triggered.connect(lambda: self.navigate.emit("profiler", self.configuration()))
        self.tradeoffs_action = QAction("Show on Trade-offs", self)
        self.tradeoffs_action.setToolTip("Find this configuration's measured point on the Trade-offs page")
        self.tradeoffs_action.triggered.connect(lambda: self.navigate.emit("tradeoffs", self.configuration()))
        self.pin_action = QAction("Pin to compare", self)
        self.pin_action.setToolTip("Keep this configuration; any other you choose is then compared with it "
                                   "block by block (MAdds, parameters, memory and the difference)")
        self.pin_action.triggered.connect(self.pin_current)
        self.clear_pin_action = QAction("Clear pin", self)
        self.clear_pin_action.setToolTip("Stop comparing with the pinned configuration")
        self.clear_pin_action.triggered.connect(self.clear_pin)
        self.clear_pin_action.setEnabled(False)
        for action in (self.recompute_action, self.export_csv_action, self.export_png_action, self.profile_action,
                       self.tradeoffs_action, self.pin_action, self.clear_pin_action):
            self.addAction(action)

    def _build_controls(self) -> QFrame:
        frame, outer = _panel()
        self.controls = ModelControls()
        self.controls.changed.connect(self.request)
        outer.addWidget(self.controls)
        # the controls under the names the page always had (tests, other pages' tests)
        self.model_combo, self.width_combo = self.controls.model_combo, self.controls.width_combo
        self.resolution_combo, self.options = self.controls.resolution_combo, self.controls.options
        self.option_checks, self.no_options = self.options.checks, self.options.none
        return frame

    def _build_body(self) -> QSplitter:
        table_frame, table_layout = _panel()
        top = QHBoxLayout()
        heading = QLabel("Layers")
        heading.setObjectName("panelTitle")
        self.count_label = QLabel("")
        self.count_label.setObjectName("cardNote")
        self.filter_edit = QLineEdit()
        self.filter_edit.setPlaceholderText("Filter layers (name, kind, block)…")
        self.filter_edit.setClearButtonEnabled(True)
        self.filter_edit.setMaximumWidth(280)
        top.addWidget(heading)
        top.addWidget(self.count_label)
        top.addStretch(1)
        top.addWidget(self.filter_edit)
        self.layer_model = LayerTableModel(self)
        self.table = LayerTableView(self.layer_model)
        self.filter_edit.textChanged.connect(self._on_filter)
        table_layout.addLayout(top)
        table_layout.addWidget(self.table, 1)

        # chart over the published table in a splitter: stacked at fixed heights, 1280×800 left
        # the block chart too short to read its labels
        side = QSplitter(Qt.Orientation.Vertical)
        side.setChildrenCollapsible(False)
        side.setHandleWidth(12)
        chart_frame, chart_layout = _panel()
        self.chart = BlockChart()
        chart_layout.addWidget(self.chart)
        published_frame, published_layout = _panel("Published for this configuration")
        self.published = PublishedTable()
        published_layout.addWidget(self.published)
        published_frame.setMaximumHeight(200)
        self.compare_frame, compare_layout = _panel("Compared with the pinned configuration")
        self.compare = BlockCompare()
        compare_layout.addWidget(self.compare)
        self.compare_frame.hide()
        side.addWidget(chart_frame)
        side.addWidget(self.compare_frame)
        side.addWidget(published_frame)
        side.setStretchFactor(0, 1)
        side.setStretchFactor(1, 1)
        side.setStretchFactor(2, 0)
        side.setSizes([460, 300, 120])

        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.setChildrenCollapsible(False)
        self.splitter.setHandleWidth(12)
        self.splitter.addWidget(table_frame)
        self.splitter.addWidget(side)
        self.splitter.setStretchFactor(0, 3)
        self.splitter.setStretchFactor(1, 2)
        self.splitter.setSizes([930, 470])
        return self.splitter

    # requests -------------------------------------------------------------------------------
    def current_request(self) -> Request:
        return self.controls.request()

    def request(self, force: bool = False) -> None:
        """Ask for the statistics of the current controls; repeated identical asks are ignored."""
        req = self.current_request()
        if req == self._requested and not force:
            return
        self._requested = req
        self._started = True
        width, resolution = parse_number(req.width_text), parse_number(req.resolution_text)
        options = {name: True for name in req.options}
        self._started_at = time.perf_counter()

        def compute(_job):
            stats = api.model_stats(req.model, width=width, resolution=resolution, **options)
            card = api.published_card(req.model, stats.width, stats.resolution, req.options).to_json()
            return req, stats, api.model_info(req.model).to_json()["weights"], card

        self.runner.submit(compute, f"Computing {req.describe()}…")

    def receive(self, payload: object) -> None:
        """Show a configuration another page points at (the Profiler's clicked bar):
        {"model", "width", "resolution", "options": [...], "layer"}; the layer row is selected
        once its statistics arrive."""
        if not isinstance(payload, dict) or not self.controls.has(payload.get("model")):
            return
        self.controls.show_configuration(
            payload["model"], f"{float(payload['width']):g}" if "width" in payload else None,
            str(int(payload["resolution"])) if "resolution" in payload else None, payload.get("options", ()))
        self._pending_layer = payload.get("layer")
        self.filter_edit.clear()  # the layer must be visible to be selected
        self.request()
        if self._shown == self._requested and not self.runner.is_busy():
            self._select_pending_layer()  # the same configuration was already showing

    def configuration(self) -> dict:
        """The configuration shown, as other pages' `receive` takes it."""
        req = self._shown or self.current_request()
        return {"model": req.model, "width": parse_number(req.width_text),
                "resolution": parse_number(req.resolution_text), "options": list(req.options)}

    def pin_current(self) -> None:
        if self.stats is None or self._shown is None:
            return
        self.pinned = (self._shown, self.stats)
        self.clear_pin_action.setEnabled(True)
        self._show_comparison()
        self.status_message.emit(f"Pinned {self._shown.describe()}; choose another configuration to compare")

    def clear_pin(self) -> None:
        self.pinned = None
        self.clear_pin_action.setEnabled(False)
        self._show_comparison()

    def _show_comparison(self) -> None:
        showing = self.pinned is not None and self.stats is not None and self._shown != self.pinned[0]
        if showing:
            self.compare.set_stats(self.pinned[0].describe(), self.pinned[1], self._shown.describe(), self.stats)
        self.compare_frame.setVisible(showing)

    def _select_pending_layer(self) -> None:
        if self._pending_layer and self.table.select_layer(self._pending_layer):
            self.status_message.emit(f"Selected layer {self._pending_layer}")
        self._pending_layer = None

    def menu_actions(self) -> list[QAction]:
        return [self.export_csv_action, self.export_png_action]

    def ready(self) -> bool:
        return self._started and not self.runner.is_busy()

    def start(self) -> None:
        self.request()

    def shutdown(self) -> None:
        self.runner.wait()

    # results --------------------------------------------------------------------------------
    def _on_stats(self, _serial: int, payload: object) -> None:
        req, stats, weights, card = payload
        self.stats, self._shown = stats, req
        self.weights_card.set_rows(req.model, weights, card)
        self.error_label.hide()
        titles = {b.name: b.title for b in stats.blocks}
        self.layer_model.set_rows(stats.layers, titles)
        self.totals.set_stats(stats)
        self.chart.set_blocks(stats.blocks)
        self.published.set_rows(stats.published)
        self._show_comparison()
        self._update_count()
        self._select_pending_layer()
        self.showing_label.setText(f"Showing {req.describe()}")
        elapsed = time.perf_counter() - self._started_at
        self.status_message.emit(
            f"{req.describe()}: {formatting.millions(stats.madds, 1)} MAdds, "
            f"{formatting.millions(stats.params, 2)} params, {len(stats.layers)} layers "
            f"(computed in {elapsed:.1f} s)")

    def _on_error(self, message: str) -> None:
        self.show_error(message)
        if self._shown is not None:
            self.showing_label.setText(f"Showing {self._shown.describe()} (the last valid configuration)")

    def _on_filter(self, text: str) -> None:
        self.table.proxy.setFilterFixedString(text)
        self._update_count()

    def _update_count(self) -> None:
        shown, total = self.table.proxy.rowCount(), self.layer_model.rowCount()
        self.count_label.setText(f"{total} layers" if shown == total else f"{shown} of {total} layers")

    # exports --------------------------------------------------------------------------------
    def export_csv(self, path: str) -> None:
        write_csv(path, CSV_HEADER, self.layer_model.csv_rows())

    def export_chart(self, path: str, width: int | None = None) -> None:
        """PNG or SVG by the file's suffix, through pyqtgraph's exporters."""
        save_chart(self.chart.plot, path, width)

    def _ask_export_csv(self) -> None:
        self._ask_and_export("Export layer table", "layers.csv", "CSV files (*.csv)", self.export_csv)

    def _ask_export_png(self) -> None:
        if self.stats is not None:
            stem = f"{self._shown.model}_{self._shown.width_text}_{self._shown.resolution_text}_" if self._shown else ""
            ask_chart(self.chart.plot, self.report_export, f"{stem}blocks")

    def _ask_and_export(self, title: str, default: str, pattern: str, export) -> None:
        if self.stats is None:
            return
        stem = f"{self._shown.model}_{self._shown.width_text}_{self._shown.resolution_text}" if self._shown else ""
        path = self.ask_save(title, f"{stem}_{default}", pattern, export)
        if path:
            self.status_message.emit(f"Saved {path}")

    # settings -------------------------------------------------------------------------------
    def save_settings(self, settings: QSettings) -> None:
        self.controls.save(settings)
        settings.setValue("chart_metric", self.chart.current_metric())
        settings.setValue("splitter", self.splitter.saveState())

    def restore_settings(self, settings: QSettings) -> None:
        self.controls.restore(settings)
        metric = settings.value("chart_metric", "madds")
        if metric in ("madds", "params"):
            self.chart.set_metric(str(metric))
        state = settings.value("splitter")
        if state is not None:
            self.splitter.restoreState(state)
