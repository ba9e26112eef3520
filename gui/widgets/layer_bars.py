"""Per-layer bars along the depth of a network, coloured by layer kind, with switchable series
(latency, MAdds, params, time per MAdd), and an optional pinned run to compare against.

Comparing two architectures: layer i of MobileNetV2 is not layer i of MobileNetV3-Large (17 vs
15 bottlenecks, SE layers, different layer counts), so both runs are drawn along *normalised
depth* (0 = input, 1 = output): the current run above the axis, the pinned one mirrored below,
and a second plot shows cumulative latency along that depth, which is where the two models'
time really differs (early high-resolution layers vs late wide ones). Widgets get plain data:
any objects with name, kind, block, ms_median, madds, params (the api's LayerTiming)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QPointF, Qt, Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QButtonGroup, QHBoxLayout, QLabel, QToolButton, QVBoxLayout, QWidget

from gui import formatting, theme
from gui.widgets.plot_hover import HoverTip, fixed_plot

__all__ = ["BarRun", "LayerBars", "SERIES", "series_values", "COMPARISON_NOTE"]

# series id -> (button text, axis label, tooltip)
SERIES = {
    "ms": ("Latency", "median ms per layer", "measured median time of each layer"),
    "madds": ("MAdds", "MAdds (millions)", "multiply-accumulates (convolutions and fully connected layers)"),
    "params": ("Params", "parameters (thousands)", "trainable parameters"),
    "ns_per_madd": ("ns / MAdd", "ns per MAdd, log scale",
                    "time per multiply-accumulate: high bars do little arithmetic for their time "
                    "(depthwise, squeeze-excite, h-swish). BN, activation and add layers do no MAdds, "
                    "so their time is charged to the MAdd layer they follow; layers before any "
                    "MAdd layer have no bar. Log scale: the values span several decades"),
}
_SCALE = {"ms": 1.0, "madds": 1e6, "params": 1e3, "ns_per_madd": 1.0}
COMPARISON_NOTE = (
    "Two architectures have different numbers of layers (MobileNetV2: 17 bottlenecks; "
    "V3-Large: 15 with squeeze-excite), so layer i of one is not layer i of the other. "
    "Both runs are drawn along normalised depth (0 = input, 1 = output): the current run above "
    "the axis, the pinned run mirrored below, and cumulative latency along depth underneath, "
    "where the end points are the two layer sums."
)
_LOG_SERIES = {"ns_per_madd"}  # spans three decades (convs vs squeeze-excite): log bars
_BAR_FILL = 0.8  # share of a layer's slot the bar covers


@dataclass(frozen=True)
class BarRun:
    """One measured configuration as the chart needs it."""

    label: str  # "mobilenet_v3_large 1.0 · 224 px"
    layers: tuple[Any, ...]
    batch: int = 1


def _fold_groups(layers: Sequence[Any]) -> list[int]:
    """For each layer, the index of the MAdd-carrying layer it is charged to (-1: none yet)."""
    owner, groups = -1, []
    for i, layer in enumerate(layers):
        if layer.madds > 0:
            owner = i
        groups.append(owner)
    return groups


def series_values(layers: Sequence[Any], series: str, batch: int = 1) -> np.ndarray:
    """One value per layer in the api's units (ms, MAdds, params, ns per MAdd); NaN = no bar."""
    if series == "ms":
        return np.array([layer.ms_median for layer in layers], dtype=float)
    if series == "madds":
        return np.array([layer.madds for layer in layers], dtype=float)
    if series == "params":
        return np.array([layer.params for layer in layers], dtype=float)
    if series == "ns_per_madd":
        groups = _fold_groups(layers)
        charged = np.zeros(len(layers))
        for i, owner in enumerate(groups):
            if owner >= 0:
                charged[owner] += layers[i].ms_median
        values = np.full(len(layers), np.nan)
        for i, layer in enumerate(layers):
            if layer.madds > 0:  # MAdds are counted per image; time is for the whole batch
                values[i] = charged[i] * 1e6 / (layer.madds * batch)
        return values
    raise ValueError(f"unknown series {series!r}; valid: {', '.join(SERIES)}")


def _short_block(block: str, first: str) -> str:
    """features.0 -> 'stem', features.7 -> '7', classifier -> 'classifier'."""
    return "stem" if block == first else block.split(".")[-1]


class _AbsAxis(pg.AxisItem):
    """The pinned run is drawn below zero; its values are still positive numbers."""

    def tickStrings(self, values, scale, spacing):
        return [s.lstrip("-−") for s in super().tickStrings(values, scale, spacing)]


class LayerBars(QWidget):
    series_changed = Signal(str)
    layer_clicked = Signal(int, str)  # run (0 current, 1 pinned), layer name

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.runs: list[BarRun | None] = [None, None]
        self._series = "ms"
        self._hovered: tuple[int, int] | None = None

        self._buttons = QButtonGroup(self)
        switch = QHBoxLayout()
        switch.setSpacing(0)
        self.title = QLabel("Per-layer latency")
        self.title.setObjectName("panelTitle")
        switch.addWidget(self.title)
        self.title.setMinimumWidth(self.title.fontMetrics().horizontalAdvance("Per-layer ns / MAdd") + 40)
        switch.addStretch(1)
        self.legend = QLabel("")
        self.legend.setObjectName("cardNote")
        self.legend.setTextFormat(Qt.TextFormat.RichText)
        self.legend.setToolTip("bar colour = layer kind (same colours as the Models page)")
        self.legend.setWordWrap(True)
        for series, (text, _axis, tip) in SERIES.items():
            button = QToolButton(self)
            button.setObjectName("segment")
            button.setText(text)
            button.setToolTip(tip)
            button.setCheckable(True)
            button.setChecked(series == self._series)
            button.setProperty("series", series)
            self._buttons.addButton(button)
            switch.addWidget(button)
        self._buttons.buttonClicked.connect(lambda b: self.set_series(b.property("series")))
        self.runs_label = QLabel("")
        self.runs_label.setObjectName("cardNote")
        self.runs_label.setTextFormat(Qt.TextFormat.RichText)
        self.runs_label.setWordWrap(True)

        self.plot = self._make_plot({"left": _AbsAxis("left")})
        self._bars = [pg.BarGraphItem(x=[], height=[], width=[]) for _ in range(2)]
        self._highlight = pg.BarGraphItem(x=[], height=[], width=[])
        for item in (*self._bars, self._highlight):
            self.plot.addItem(item)
        self.plot.addItem(pg.InfiniteLine(pos=0, angle=0, pen=pg.mkPen(theme.BORDER)))
        self.plot.setLabel("bottom", "block (features.N), along normalised depth", color=theme.MUTED)
        self._empty = pg.TextItem("No measurement yet: choose a configuration and press Run (Ctrl+R)",
                                  color=theme.MUTED, anchor=(0.5, 0.5))
        self.plot.addItem(self._empty, ignoreBounds=True)
        self._empty.setPos(0.5, 0.5)
        self.hover = HoverTip(self.plot, self._locate)
        self.plot.scene().sigMouseClicked.connect(self._on_click)

        self.cumulative = self._make_plot({})
        self.cumulative.setToolTip(COMPARISON_NOTE)
        self.cumulative.setLabel("left", "cumulative ms", color=theme.MUTED)
        self.cumulative.setLabel("bottom", "normalised depth (0 = input, 1 = output)", color=theme.MUTED)
        self.cumulative.setXLink(self.plot)
        self.cumulative.setMinimumHeight(120)  # room for its axis title; at 1280×800 it read "cumulativ"
        self._curves = [
            self.cumulative.plot([], [], pen=pg.mkPen(theme.ACCENT, width=2)),
            self.cumulative.plot([], [], pen=pg.mkPen(theme.MUTED, width=2, style=Qt.PenStyle.DashLine)),
        ]

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(6)
        layout.addLayout(switch)
        layout.addWidget(self.runs_label)
        layout.addWidget(self.legend)
        layout.addWidget(self.plot, 3)
        layout.addWidget(self.cumulative, 1)
        self._redraw()

    def _make_plot(self, axes: dict) -> pg.PlotWidget:
        plot = fixed_plot(grid_y=True, axes=axes)
        plot.getAxis("left").setWidth(56)  # both plots share x: same left margin keeps depths aligned
        return plot

    # data -----------------------------------------------------------------------------------
    def set_runs(self, current: BarRun | None, pinned: BarRun | None = None) -> None:
        self.runs = [current, pinned]
        self._hovered = None
        self._redraw()

    def current_series(self) -> str:
        return self._series

    def set_series(self, series: str) -> None:
        if series not in SERIES:
            raise ValueError(f"unknown series {series!r}; valid: {', '.join(SERIES)}")
        for button in self._buttons.buttons():
            button.setChecked(button.property("series") == series)
        if series != self._series:
            self._series = series
            self._redraw()
            self.series_changed.emit(series)

    def values(self, run: int = 0) -> np.ndarray:
        """The current series for one run, in the api's units, in layer order (NaN = no bar)."""
        data = self.runs[run]
        if data is None:
            return np.array([])
        return series_values(data.layers, self._series, data.batch)

    def bar_heights(self, run: int = 0) -> np.ndarray:
        """What is drawn: display units (decades above the lowest for a log series), the pinned
        run negative (mirrored), no bar as 0."""
        return np.asarray(self._bars[run].opts.get("height", []), dtype=float)

    def positions(self, run: int = 0) -> np.ndarray:
        data = self.runs[run]
        n = len(data.layers) if data else 0
        return (np.arange(n) + 0.5) / max(n, 1)

    # hover and click ------------------------------------------------------------------------
    def hover_text(self, run: int, index: int) -> str:
        data = self.runs[run]
        layer = data.layers[index]
        ns = series_values(data.layers, "ns_per_madd", data.batch)[index]
        per_madd = f"{ns:.1f} ns/MAdd" if np.isfinite(ns) else "no MAdds (time charged to the layer before)"
        which = "pinned: " if run == 1 else ""
        return (f"{which}{layer.name}  ·  {layer.kind}\n"
                f"{layer.ms_median:.3f} ms  ·  MAdds {formatting.compact(layer.madds)}  ·  "
                f"params {formatting.compact(layer.params)}\n{per_madd}\n{data.label}")

    def layer_at(self, x: float, y: float) -> tuple[int, int] | None:
        """(run, layer index) of the bar at view coordinates, or None."""
        run = 0 if y >= 0 or self.runs[1] is None else 1
        data = self.runs[run]
        if data is None or not data.layers or not 0 <= x < 1:
            return None
        n = len(data.layers)
        index = min(int(x * n), n - 1)
        heights = self.bar_heights(run)
        if index >= len(heights):
            return None
        # the bar, or the empty space just above a short one (thin bars are hard to hit)
        top = heights[index]
        (_x0, _x1), (y0, y1) = self.plot.getPlotItem().vb.viewRange()
        slack = 0.04 * (y1 - y0)
        if run == 0 and 0 <= y <= max(top, 0) + slack:
            return run, index
        if run == 1 and min(top, 0) - slack <= y <= 0:
            return run, index
        return None

    def _locate(self, point: QPointF):
        found = self.layer_at(point.x(), point.y())
        self._set_highlight(found)
        if found is None:
            return None
        run, index = found
        return self.hover_text(run, index), float(self.positions(run)[index]), float(self.bar_heights(run)[index])

    def _set_highlight(self, found: tuple[int, int] | None) -> None:
        if found == self._hovered:
            return
        self._hovered = found
        if found is None:
            self._highlight.setOpts(x=[], height=[], width=[])
            return
        run, index = found
        n = len(self.runs[run].layers)
        self._highlight.setOpts(x=[self.positions(run)[index]], height=[self.bar_heights(run)[index]],
                                width=[_BAR_FILL / n], brush=pg.mkBrush(0, 0, 0, 0),
                                pen=pg.mkPen(theme.TEXT, width=1.5))

    def _on_click(self, event) -> None:
        view = self.plot.getPlotItem().vb
        if event.button() != Qt.MouseButton.LeftButton or not view.sceneBoundingRect().contains(event.scenePos()):
            return
        point = view.mapSceneToView(event.scenePos())
        self.click_at(point.x(), point.y())

    def click_at(self, x: float, y: float) -> None:
        found = self.layer_at(x, y)
        if found is not None:
            run, index = found
            self.layer_clicked.emit(run, self.runs[run].layers[index].name)

    # drawing --------------------------------------------------------------------------------
    def _display(self, run: int, floor: float) -> np.ndarray:
        """Bar heights before mirroring: display units, or decades above `floor` (log series)."""
        values = self.values(run) / _SCALE[self._series]
        if self._series in _LOG_SERIES:
            with np.errstate(divide="ignore", invalid="ignore"):
                values = np.log10(values / floor)
        return np.nan_to_num(values, nan=0.0, neginf=0.0)

    def _log_floor(self) -> float:
        """A decade just below the smallest positive value of either run (log series only)."""
        positive = [v for run in (0, 1) for v in self.values(run) if np.isfinite(v) and v > 0]
        return 10.0 ** np.floor(np.log10(min(positive)) - 0.3) if positive else 1.0

    def _redraw(self) -> None:
        self.hover.hide()
        self._set_highlight(None)
        current, pinned = self.runs
        self._empty.setVisible(current is None and pinned is None)
        floor = self._log_floor() if self._series in _LOG_SERIES else 1.0
        top = 0.0
        for run, data in enumerate(self.runs):
            if data is None or not data.layers:
                self._bars[run].setOpts(x=[], height=[], width=[])
                self._curves[run].setData([], [])
                continue
            values = self._display(run, floor)
            sign = -1.0 if run == 1 else 1.0
            n = len(data.layers)
            alpha = 255 if run == 0 else 130
            brushes = []
            for layer in data.layers:
                colour = QColor(theme.kind_colour(layer.kind))
                colour.setAlpha(alpha)
                brushes.append(pg.mkBrush(colour))
            self._bars[run].setOpts(x=self.positions(run), height=sign * values, width=_BAR_FILL / n,
                                    brushes=brushes, pen=pg.mkPen(None))
            top = max(top, float(values.max()) if values.size else 0.0)
            ms = np.array([layer.ms_median for layer in data.layers])
            self._curves[run].setData(np.arange(n + 1) / n, np.concatenate([[0.0], np.cumsum(ms)]))
        view_top = top * 1.08 if top > 0 else 1.0
        self.plot.setYRange(-view_top if pinned is not None else 0.0, view_top, padding=0)
        self.plot.setXRange(0, 1, padding=0.01)
        self.plot.setLabel("left", SERIES[self._series][1], color=theme.MUTED)
        left = self.plot.getAxis("left")
        if self._series in _LOG_SERIES:  # decade ticks, labelled with the value they stand for
            decades = range(int(np.ceil(view_top)) + 1)
            ticks = [(d, f"{floor * 10 ** d:g}") for d in decades]
            if pinned is not None:
                ticks += [(-d, f"{floor * 10 ** d:g}") for d in decades if d]
            left.setTicks([ticks])
        else:
            left.setTicks(None)
        self.title.setText(f"Per-layer {SERIES[self._series][0] if self._series != 'ms' else 'latency'}")
        self._update_ticks()
        self._update_labels()

    def _update_ticks(self) -> None:
        """One label per block, at its middle; labels closer than ~2.5 % of the width are dropped."""
        data = self.runs[0] or self.runs[1]
        ticks: list[tuple[float, str]] = []
        if data is not None and data.layers:
            n, first = len(data.layers), data.layers[0].block
            spans: dict[str, list[int]] = {}
            for i, layer in enumerate(data.layers):
                spans.setdefault(layer.block, []).append(i)
            for block, members in spans.items():
                middle = (members[0] + members[-1] + 1) / 2 / n
                if not ticks or middle - ticks[-1][0] > 0.025:
                    ticks.append((middle, _short_block(block, first)))
        self.plot.getAxis("bottom").setTicks([ticks])

    def _update_labels(self) -> None:
        kinds: list[str] = []
        for data in self.runs:
            for layer in data.layers if data else ():
                if layer.kind not in kinds:
                    kinds.append(layer.kind)
        self.legend.setText("&nbsp;&nbsp; ".join(  # a swatch never wraps away from its name
            f"<span style='color:{theme.KIND_COLOURS.get(k, theme.KIND_COLOURS['other'])}'>■</span>&nbsp;"
            f"{k.replace(' ', '&nbsp;')}" for k in kinds))
        current, pinned = self.runs
        parts = []
        if current is not None:
            parts.append(f"<b>▲ {current.label}</b>")
        if pinned is not None:
            parts.append(f"<span style='color:{theme.MUTED}'>▼ pinned: {pinned.label} (dashed below)</span>")
        self.runs_label.setText("&nbsp;&nbsp;&nbsp;".join(parts))
        self.runs_label.setToolTip(COMPARISON_NOTE if pinned is not None else "")
