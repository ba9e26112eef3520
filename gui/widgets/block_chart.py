"""Where the cost goes, block by block: a horizontal pyqtgraph bar chart of MAdds or parameters
per block (stem at the top, classifier at the bottom), with the values shown on hover."""

from __future__ import annotations

import math

from collections.abc import Sequence

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QPointF, Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QButtonGroup, QHBoxLayout, QLabel, QToolButton, QVBoxLayout, QWidget

from engine.api import BlockRow
from gui import formatting, theme
from gui.widgets.plot_hover import fixed_plot

__all__ = ["BlockChart", "METRICS"]

# metric id -> (button text, axis label, BlockRow attribute, colour)
METRICS = {
    "madds": ("MAdds", "MAdds", "madds", theme.MADDS_COLOUR),
    "params": ("Params", "parameters", "params", theme.PARAMS_COLOUR),
}
_BAR_HEIGHT = 0.7


class BlockChart(QWidget):
    metric_changed = Signal(str)

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self._blocks: tuple[BlockRow, ...] = ()
        self._metric = "madds"
        self._hovered: int | None = None
        self._scale = 1e6

        self._buttons = QButtonGroup(self)
        switch = QHBoxLayout()
        switch.setSpacing(0)
        title = QLabel("Cost per block")
        title.setObjectName("panelTitle")
        switch.addWidget(title)
        switch.addStretch(1)
        for metric, (text, *_rest) in METRICS.items():
            button = QToolButton(self)
            button.setObjectName("segment")
            button.setText(text)
            button.setCheckable(True)
            button.setChecked(metric == self._metric)
            button.setProperty("metric", metric)
            self._buttons.addButton(button)
            switch.addWidget(button)
        self._buttons.buttonClicked.connect(lambda b: self.set_metric(b.property("metric")))

        self.plot = fixed_plot(grid_x=True)
        self.plot.invertY(True)
        self._bars = pg.BarGraphItem(x0=[], y=[], height=_BAR_HEIGHT, width=[])
        self._highlight = pg.BarGraphItem(x0=[], y=[], height=_BAR_HEIGHT, width=[])
        self.plot.addItem(self._bars)
        self.plot.addItem(self._highlight)
        self._label = pg.TextItem(color=theme.TEXT, fill=pg.mkBrush(255, 255, 255, 235),
                                  border=pg.mkPen(theme.BORDER), anchor=(0, 0.5))
        self._label.setZValue(10)
        self._label.hide()
        self.plot.addItem(self._label)
        self.plot.scene().sigMouseMoved.connect(self._on_mouse_moved)
        self.plot.getViewBox().sigResized.connect(lambda _vb: self._label_rows())

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(6)
        layout.addLayout(switch)
        layout.addWidget(self.plot, 1)

    # data -----------------------------------------------------------------------------------
    def set_blocks(self, blocks: Sequence[BlockRow]) -> None:
        self._blocks = tuple(blocks)
        self._hovered = None
        self._redraw()

    def current_metric(self) -> str:
        return self._metric

    def set_metric(self, metric: str) -> None:
        if metric not in METRICS:
            raise ValueError(f"unknown chart metric {metric!r}; valid: {', '.join(METRICS)}")
        for button in self._buttons.buttons():
            button.setChecked(button.property("metric") == metric)
        if metric != self._metric:
            self._metric = metric
            self._redraw()
            self.metric_changed.emit(metric)

    def values(self) -> np.ndarray:
        """The plotted values, in the api's units (not millions), in block order."""
        attr = METRICS[self._metric][2]
        return np.array([getattr(b, attr) for b in self._blocks], dtype=float)

    # hover ----------------------------------------------------------------------------------
    def hover_text(self, index: int) -> str:
        block = self._blocks[index]
        return (f"{block.title}  ({block.name})\n"
                f"MAdds {formatting.compact(block.madds)}  ·  params {formatting.compact(block.params)}\n"
                f"output {formatting.shape(block.output_shape)}")

    def show_hover(self, index: int | None) -> None:
        if index == self._hovered:
            return
        self._hovered = index
        if index is None or not 0 <= index < len(self._blocks):
            self._hovered = None
            self._highlight.setOpts(x0=[], y=[], width=[])
            self._label.hide()
            return
        value = self.values()[index] / self._scale
        colour = QColor(METRICS[self._metric][3]).darker(125)
        self._highlight.setOpts(x0=[0], y=[index], width=[value], brush=colour, pen=pg.mkPen(None))
        self._label.setText(self.hover_text(index))
        x_max = max(self.values().max() / self._scale, 1e-9)
        # keep the label inside the plot: right of short bars, left-anchored inside long ones
        if value > 0.6 * x_max:
            self._label.setAnchor((1, 0.5))
            self._label.setPos(value * 0.98, index)
        else:
            self._label.setAnchor((0, 0.5))
            self._label.setPos(value + 0.02 * x_max, index)
        self._label.show()

    def _on_mouse_moved(self, pos: QPointF) -> None:
        view = self.plot.getPlotItem().vb
        if not self._blocks or not view.sceneBoundingRect().contains(pos):
            self.show_hover(None)
            return
        point = view.mapSceneToView(pos)
        index = int(round(point.y()))
        inside = 0 <= index < len(self._blocks) and abs(point.y() - index) <= _BAR_HEIGHT / 2
        self.show_hover(index if inside else None)

    def label_step(self) -> int:
        """Label every n-th block: when the chart is short (a 1280×800 screen) the names of all
        twenty blocks overlapped into an unreadable smear. Hovering still names every bar."""
        rows = max(len(self._blocks), 1)
        per_row = self.plot.getViewBox().height() / rows
        return max(1, math.ceil((self.fontMetrics().height() + 1) / max(per_row, 1e-6)))

    def _label_rows(self) -> None:
        step = self.label_step()
        self.plot.getAxis("left").setTicks([[(i, b.title) for i, b in enumerate(self._blocks) if i % step == 0],
                                            [(i, "") for i in range(len(self._blocks)) if i % step]])

    def _redraw(self) -> None:
        _text, axis_label, _attr, colour = METRICS[self._metric]
        raw = self.values()
        self._scale = 1e6 if raw.size == 0 or raw.max() >= 1e6 else 1e3
        values = raw / self._scale
        positions = np.arange(len(values))
        self._bars.setOpts(x0=np.zeros_like(values), y=positions, width=values,
                           brush=pg.mkBrush(colour), pen=pg.mkPen(None))
        self._highlight.setOpts(x0=[], y=[], width=[])
        self._label.hide()
        self._label_rows()
        unit = "millions" if self._scale == 1e6 else "thousands"
        self.plot.setLabel("bottom", f"{axis_label} ({unit})", color=theme.MUTED)
        if len(values):
            self.plot.setXRange(0, float(values.max()) * 1.05, padding=0)
            self.plot.setYRange(-0.6, len(values) - 0.4, padding=0)
