"""A small rolling plot of each lane's inference milliseconds (pyqtgraph), bounded in memory:
the newest `span_s` seconds of points per lane, nothing older.

It repaints several times a second next to live video, so it is kept cheap for the UI thread:
1-pixel pens without antialiasing (2-pixel antialiased curves took 5-15 ms a repaint), no grid
(the axis would repaint with every new point), and a y range that only changes in steps."""

from __future__ import annotations

import math
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
        item.setLabel("left", "inference ms")
        item.setLabel("bottom", "seconds ago")
        self._curves = [item.plot([], [], pen=pg.mkPen(c, width=1), antialias=False, skipFiniteCheck=True)
                        for c in colours]
        item.enableAutoRange(x=False, y=False)
        self.setXRange(-span_s, 0, padding=0)
        self._top = 0.0
        self._set_top(10.0)

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
        highest = max((ms for points in self._points for _, ms in points), default=None)
        if highest is not None:  # an empty plot keeps its range
            self._set_top(highest * 1.1)

    def _set_top(self, needed: float) -> None:
        """Y from 0 to the next 1-2-5 step above `needed`: the axis changes only when the
        latency moves to another step, not with every point."""
        step = 10.0 ** math.floor(math.log10(max(needed, 1.0)))
        top = next(m * step for m in (1, 2, 5, 10) if m * step >= needed)
        if top != self._top:
            self._top = top
            self.setYRange(0, top, padding=0)

    @property
    def y_top(self) -> float:
        return self._top
