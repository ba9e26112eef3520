"""A small rolling plot of each lane's inference milliseconds (pyqtgraph), bounded in memory:
the newest `span_s` seconds of points per lane, nothing older."""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Sequence

import pyqtgraph as pg
from PySide6.QtWidgets import QWidget

from gui import theme

__all__ = ["LatencyPlot"]


class LatencyPlot(pg.PlotWidget):
    def __init__(self, colours: Sequence[str], span_s: float = 20.0, parent: QWidget | None = None):
        super().__init__(parent, background=theme.SURFACE)
        self.span_s = span_s
        self._t0 = time.monotonic()
        self._points = [deque(maxlen=2000) for _ in colours]
        self.setMinimumHeight(110)
        self.setMaximumHeight(160)
        self.setMenuEnabled(False)
        self.setMouseEnabled(False, False)
        self.hideButtons()
        item = self.getPlotItem()
        item.showGrid(x=False, y=True, alpha=0.25)
        item.setLabel("left", "inference ms")
        item.setLabel("bottom", "seconds ago")
        self._curves = [item.plot([], [], pen=pg.mkPen(c, width=2)) for c in colours]
        self.setXRange(-span_s, 0, padding=0)

    def set_names(self, names: Sequence[str]) -> None:
        """Curve names (tooltips); the lanes' coloured dots are the legend."""
        for curve, name in zip(self._curves, names):
            curve.setToolTip(name)

    def clear_points(self) -> None:
        for points in self._points:
            points.clear()
        self.refresh()

    def add(self, lane: int, ms: float) -> None:
        self._points[lane].append((time.monotonic(), ms))

    def points(self, lane: int) -> list[tuple[float, float]]:
        return list(self._points[lane])

    def refresh(self) -> None:
        now = time.monotonic()
        for curve, points in zip(self._curves, self._points):
            while points and now - points[0][0] > self.span_s:
                points.popleft()
            curve.setData([t - now for t, _ in points], [ms for _, ms in points])
        self.setXRange(-self.span_s, 0, padding=0)
