"""A hover label for any pyqtgraph plot: the page says what is under the mouse (text and the
point to pin the label to); the label keeps itself inside the visible range.

Generic on purpose: the Profiler's bars and the Trade-offs page's scatter points both use it,
each with its own `locate` function. Beside it, what every chart shares: `style_axes`, and
`fixed_plot` for the charts that are read, not navigated."""

from __future__ import annotations

from collections.abc import Callable

import pyqtgraph as pg
from PySide6.QtCore import QPointF

from gui import theme

__all__ = ["HoverTip", "Locate", "fixed_plot", "style_axes"]

MARGIN_PX = 4.0  # the label keeps this far from the plot's edges

# view coordinates under the mouse -> (text, x, y to pin the label to) or None for nothing there
Locate = Callable[[QPointF], "tuple[str, float, float] | None"]


def style_axes(plot: pg.PlotWidget) -> None:
    """The theme's colours on the left and bottom axes; no SI prefixes, since every chart picks
    its unit (ms, millions, thousands) itself."""
    for side in ("left", "bottom"):
        axis = plot.getAxis(side)
        axis.setTextPen(pg.mkPen(theme.TEXT))
        axis.setPen(pg.mkPen(theme.BORDER))
        axis.enableAutoSIPrefix(False)


def fixed_plot(*, grid_x: bool = False, grid_y: bool = False, axes: dict | None = None) -> pg.PlotWidget:
    """A themed chart that is read, not navigated: no panning, zooming, context menu or auto-range
    button (hovering says the values), a faint grid on the axes asked for."""
    plot = pg.PlotWidget(background=theme.SURFACE, axisItems=axes or None)
    plot.setMenuEnabled(False)
    plot.setMouseEnabled(x=False, y=False)
    plot.hideButtons()
    plot.showGrid(x=grid_x, y=grid_y, alpha=0.15)
    style_axes(plot)
    return plot


class HoverTip:
    """Follows the mouse over `plot` and shows what `locate` finds there."""

    def __init__(self, plot: pg.PlotWidget, locate: Locate, on_change: Callable[[], None] | None = None):
        self.plot = plot
        self.locate = locate
        self.on_change = on_change
        self.label = pg.TextItem(color=theme.TEXT, fill=pg.mkBrush(255, 255, 255, 240),
                                 border=pg.mkPen(theme.BORDER))
        self.label.setZValue(100)
        self.label.hide()
        plot.addItem(self.label, ignoreBounds=True)
        self.text = ""
        plot.scene().sigMouseMoved.connect(self._on_mouse_moved)

    @property
    def view(self) -> pg.ViewBox:
        return self.plot.getPlotItem().vb

    def show_at(self, text: str, x: float, y: float) -> None:
        """Pin the label to (x, y) in view coordinates, on whichever side of it has room, and
        keep the whole label inside the plot: on a laptop-sized plot a long label used to run
        past the edge, where the view clipped it. Wider than the plot, it wraps."""
        room = self.view.sceneBoundingRect()
        self.label.setText(text)
        self.label.setTextWidth(-1)  # its natural width first
        if self.label.textItem.boundingRect().width() > room.width() - 2 * MARGIN_PX:
            self.label.setTextWidth(max(room.width() - 2 * MARGIN_PX, 40.0))
        size = self.label.textItem.boundingRect().size()
        point = self.view.mapViewToScene(QPointF(x, y))
        right_half = point.x() > room.left() + 0.55 * room.width()
        upper_half = point.y() < room.top() + 0.5 * room.height()  # on screen, whichever way y runs
        left = point.x() - size.width() if right_half else point.x()
        top = point.y() if upper_half else point.y() - size.height()
        left = max(room.left() + MARGIN_PX, min(left, room.right() - MARGIN_PX - size.width()))
        top = max(room.top() + MARGIN_PX, min(top, room.bottom() - MARGIN_PX - size.height()))
        self.label.setAnchor((0.0, 0.0))
        self.label.setPos(self.view.mapSceneToView(QPointF(left, top)))
        self.label.show()
        self.text = text

    def hide(self) -> None:
        self.label.hide()
        self.text = ""

    def is_shown(self) -> bool:
        return self.label.isVisible()

    def _on_mouse_moved(self, scene_pos: QPointF) -> None:
        found = None
        if self.view.sceneBoundingRect().contains(scene_pos):
            found = self.locate(self.view.mapSceneToView(scene_pos))
        if found is None:
            if self.is_shown():
                self.hide()
                if self.on_change:
                    self.on_change()
            return
        text, x, y = found
        if text != self.text or not self.is_shown():
            self.show_at(text, x, y)
            if self.on_change:
                self.on_change()
