"""The point another page asked to see ("Show on Trade-offs" on the Models page): a target
marker (pyqtgraph's TargetItem, fixed, labelled with the configuration) at the point's (x, top-1)
on each trade-off plot, kept in view. It follows the point through reloads while the shown series
still holds that stored run, and goes away when the user picks another series or the run is
replaced (a re-measure) — then there is nothing left that it points at."""

from __future__ import annotations

import math
from collections.abc import Sequence

import pyqtgraph as pg
from PySide6.QtCore import QPointF

from engine.api import TradeoffPoint
from gui import theme
from gui.widgets.tradeoffs_plot import TradeoffPlot

__all__ = ["FocusMarker"]

MARKER_PX = 34


class FocusMarker:
    def __init__(self, plots: Sequence[TradeoffPlot]):
        self.plots = tuple(plots)
        self.point: TradeoffPoint | None = None
        self.items: dict[str, pg.TargetItem] = {}  # plot axis -> its marker

    def show(self, point: TradeoffPoint | None) -> None:
        """Mark `point` on every plot that can place it, and bring it into view; None clears."""
        self.point = point
        self._draw()
        for plot in self.plots:
            if plot.axis in self.items:
                _bring_into_view(plot, self.items[plot.axis].pos())

    def follow(self, shown: Sequence[TradeoffPoint]) -> None:
        """After a redraw: keep the marker while `shown` (the selected series' points) still
        holds the marked run, at its (possibly updated) coordinates; else remove it."""
        if self.point is None:
            return
        same = [p for p in shown if p.run_uuid == self.point.run_uuid]
        self.point = same[0] if same else None
        self._draw()

    def clear(self) -> None:
        self.show(None)

    def xy(self, axis: str) -> tuple[float, float] | None:
        """The marker's (x, top-1) on the plot of `axis`, in data units (ms or millions of
        MAdds, percent); None when that plot shows no marker."""
        item = self.items.get(axis)
        if item is None:
            return None
        pos = item.pos()
        return 10 ** pos.x(), pos.y()  # both plots draw x on a log scale

    def _draw(self) -> None:
        for plot in self.plots:
            old = self.items.pop(plot.axis, None)
            if old is not None:
                plot.plot.removeItem(old)
            x = plot.x_of(self.point) if self.point is not None else None
            if x is None or x <= 0:
                continue
            item = pg.TargetItem(pos=(math.log10(x), self.point.accuracy), size=MARKER_PX, movable=False,
                                 pen=pg.mkPen(theme.TEXT, width=2), brush=pg.mkBrush(0, 0, 0, 0),
                                 hoverPen=pg.mkPen(theme.TEXT, width=3), hoverBrush=pg.mkBrush(0, 0, 0, 0),
                                 label=self.point.label(),
                                 labelOpts={"color": theme.TEXT, "offset": (18, -18), "anchor": (0, 1)})
            item.setZValue(30)  # above the recommendation rings (20)
            plot.plot.addItem(item)
            self.items[plot.axis] = item


def _bring_into_view(plot: TradeoffPlot, pos: QPointF) -> None:
    """If the user zoomed or panned the point out of sight, show all the data again."""
    (x0, x1), (y0, y1) = plot.plot.getPlotItem().vb.viewRange()
    if not (x0 <= pos.x() <= x1 and y0 <= pos.y() <= y1):
        plot.plot.getPlotItem().vb.autoRange()
