"""A horizontal grouped bar chart with switchable views and a hover label.

Categories (layers, methods, non-linearities) run down the left axis, so long names stay
readable; each category holds one bar per series. A page hands over several views at once
(e.g. "Time", "GFLOP/s", "Ratios") and the user flips between them with segment buttons."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QPointF, Qt, Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QButtonGroup, QHBoxLayout, QLabel, QToolButton, QVBoxLayout, QWidget

from gui import theme
from gui.widgets.plot_hover import fixed_plot

__all__ = ["BarSeries", "BarView", "GroupedBarChart"]

_GROUP_HEIGHT = 0.8


@dataclass(frozen=True)
class BarSeries:
    name: str
    values: Sequence[float]  # one per category; NaN = no bar
    colour: str


@dataclass(frozen=True)
class BarView:
    button: str  # segment button text
    axis_label: str
    categories: Sequence[str]
    series: Sequence[BarSeries]
    fmt: Callable[[float], str] = lambda v: f"{v:.3g}"
    details: Sequence[str] = field(default_factory=tuple)  # extra hover text per category
    reference_line: float | None = None  # e.g. 1.0 for "x simple"


class GroupedBarChart(QWidget):
    view_changed = Signal(str)

    def __init__(self, title: str = "", parent: QWidget | None = None, empty_text: str = "No results yet"):
        super().__init__(parent)
        self._views: dict[str, BarView] = {}
        self._current = ""
        self._hovered: int | None = None

        self.title = QLabel(title)
        self.title.setObjectName("panelTitle")
        self._switch = QHBoxLayout()
        self._switch.setSpacing(0)
        self._buttons = QButtonGroup(self)
        self._buttons.buttonClicked.connect(lambda b: self.set_view(b.property("view")))
        top = QHBoxLayout()
        top.addWidget(self.title)
        top.addStretch(1)
        top.addLayout(self._switch)

        self.plot = fixed_plot(grid_x=True)
        self.plot.invertY(True)
        self._legend = self.plot.addLegend(offset=(-10, 10), labelTextColor=theme.TEXT,
                                           brush=pg.mkBrush(255, 255, 255, 220), pen=pg.mkPen(theme.BORDER))
        self._items: list[pg.BarGraphItem] = []
        self._line = pg.InfiniteLine(angle=90, pen=pg.mkPen(theme.MUTED, style=pg.QtCore.Qt.PenStyle.DashLine))
        self._line.hide()
        self.plot.addItem(self._line)
        self._band = pg.LinearRegionItem(orientation="horizontal", movable=False,
                                         brush=pg.mkBrush(47, 111, 223, 28), pen=pg.mkPen(None))
        self._band.hide()
        self.plot.addItem(self._band)
        self._label = pg.TextItem(color=theme.TEXT, fill=pg.mkBrush(255, 255, 255, 240),
                                  border=pg.mkPen(theme.BORDER), anchor=(1, 0))
        self._label.setZValue(20)
        self._label.hide()
        self.plot.addItem(self._label)
        self.plot.scene().sigMouseMoved.connect(self._on_mouse_moved)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(6)
        layout.addLayout(top)
        layout.addWidget(self.plot, 1)
        # before the first result: a sentence in place of a bare 0-1 axis and an empty legend
        self.empty = QLabel(empty_text)
        self.empty.setObjectName("cardNote")
        self.empty.setWordWrap(True)
        self.empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        layout.addWidget(self.empty, 1)
        self._redraw()

    # data -----------------------------------------------------------------------------------
    def set_views(self, views: dict[str, BarView], current: str | None = None) -> None:
        for button in self._buttons.buttons():
            self._buttons.removeButton(button)
            self._switch.removeWidget(button)
            button.deleteLater()
        self._views = dict(views)
        for view_id, view in self._views.items():
            button = QToolButton(self)
            button.setObjectName("segment")
            button.setText(view.button)
            button.setCheckable(True)
            button.setProperty("view", view_id)
            self._buttons.addButton(button)
            self._switch.addWidget(button)
        keep = current if current in self._views else (self._current if self._current in self._views else None)
        self._current = ""
        if keep or self._views:
            self.set_view(keep or next(iter(self._views)))
        else:
            self._redraw()

    def view_ids(self) -> list[str]:
        return list(self._views)

    def current_view(self) -> str:
        return self._current

    def view(self, view_id: str | None = None) -> BarView | None:
        return self._views.get(view_id or self._current)

    def set_view(self, view_id: str) -> None:
        if view_id not in self._views:
            raise ValueError(f"unknown chart view {view_id!r}; valid: {', '.join(self._views)}")
        for button in self._buttons.buttons():
            button.setChecked(button.property("view") == view_id)
        if view_id != self._current:
            self._current = view_id
            self._redraw()
            self.view_changed.emit(view_id)

    def clear(self) -> None:
        self.set_views({})

    # hover ----------------------------------------------------------------------------------
    def hover_text(self, index: int) -> str:
        view = self._views[self._current]
        lines = [view.categories[index]]
        if index < len(view.details) and view.details[index]:
            lines.append(view.details[index])
        for s in view.series:
            value = float(s.values[index])
            if not np.isnan(value):
                lines.append(f"{s.name}: {view.fmt(value)}")
        return "\n".join(lines)

    def show_hover(self, index: int | None) -> None:
        view = self._views.get(self._current)
        if index == self._hovered:
            return
        self._hovered = index
        if view is None or index is None or not 0 <= index < len(view.categories):
            self._hovered = None
            self._label.hide()
            self._band.hide()
            return
        self._band.setRegion((index - 0.5, index + 0.5))
        self._band.show()
        self._label.setText(self.hover_text(index))
        x_range = self.plot.getPlotItem().vb.viewRange()[0]
        self._label.setPos(x_range[1], index - 0.45 if index < len(view.categories) / 2 else index - 2.5)
        self._label.show()

    def _on_mouse_moved(self, pos: QPointF) -> None:
        view = self.plot.getPlotItem().vb
        if not self._views or not view.sceneBoundingRect().contains(pos):
            self.show_hover(None)
            return
        y = view.mapSceneToView(pos).y()
        index = int(round(y))
        n = len(self._views[self._current].categories)
        self.show_hover(index if 0 <= index < n else None)

    # drawing --------------------------------------------------------------------------------
    def _redraw(self) -> None:
        for item in self._items:
            self.plot.removeItem(item)
        self._items.clear()
        self._legend.clear()
        self._label.hide()
        self._band.hide()
        self._hovered = None
        view = self._views.get(self._current)
        self.plot.setVisible(view is not None)
        self.empty.setVisible(view is None)
        if view is None:
            self._legend.setVisible(False)
            self.plot.getAxis("left").setTicks([[]])
            self.plot.setLabel("bottom", "")
            return
        n_series = max(len(view.series), 1)
        self._legend.setVisible(n_series > 1)
        height = _GROUP_HEIGHT / n_series
        top = 0.0
        for j, s in enumerate(view.series):
            values = np.asarray(s.values, dtype=float)
            keep = ~np.isnan(values)
            y = np.arange(len(values))[keep] - _GROUP_HEIGHT / 2 + height * (j + 0.5)
            item = pg.BarGraphItem(x0=np.zeros(keep.sum()), y=y, height=height * 0.92, width=values[keep],
                                   brush=pg.mkBrush(QColor(s.colour)), pen=pg.mkPen(None),
                                   name=s.name if n_series > 1 else None)  # the legend picks up named items
            self.plot.addItem(item)
            self._items.append(item)
            if keep.any():
                top = max(top, float(values[keep].max()))
        if view.reference_line is not None:
            self._line.setPos(view.reference_line)
            self._line.show()
            top = max(top, view.reference_line)
        else:
            self._line.hide()
        self.plot.getAxis("left").setTicks([list(enumerate(view.categories))])
        self.plot.setLabel("bottom", view.axis_label, color=theme.MUTED)
        if len(view.categories):
            self.plot.setXRange(0, (top or 1.0) * 1.08, padding=0)
            self.plot.setYRange(-0.6, len(view.categories) - 0.4, padding=0)
