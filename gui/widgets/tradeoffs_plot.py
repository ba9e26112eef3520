"""One trade-off scatter plot: top-1 against measured latency or against MAdds (log x, like the
span of the V3 paper's Figures 1 and 2), one colour per family, the Pareto frontier as a step
line, each family's own frontier as a thin curve, and rings on the recommended configurations.

Marker shapes say where a point's numbers come from (see LEGEND_HTML): filled circle = latency
measured here, accuracy from a paper; star = accuracy the user measured with `evaluate`;
hollow circle = the paper's own MAdds and top-1 (nothing measured); triangle = another
machine's (or thread count's) measurement, shown for comparison on the latency plot."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QPointF, Qt
from PySide6.QtGui import QAction, QColor
from PySide6.QtWidgets import QVBoxLayout, QWidget

from gui import theme
from gui.widgets.plot_hover import HoverTip, style_axes
from engine.api import TradeoffPoint
from gui.widgets.tradeoffs_points import FAMILIES, FAMILY_LABEL, PaperPoint

__all__ = ["FAMILY_COLOURS", "LEGEND_HTML", "TradeoffPlot", "point_text"]

FAMILY_COLOURS = {"v1": "#7c4dff", "v2": "#0f9d8a", "v3-large": "#2f6fdf", "v3-small": "#ef6c00"}
RECOMMENDED_COLOUR = "#1f2933"
WITHIN_COLOUR = "#d81b60"
FRONTIER_COLOUR = "#374151"
BUSY_COLOUR = "#f59e0b"  # amber: a warning, distinct from every family colour
HOVER_PX = 12


def _glyph(char: str, colour: str) -> str:
    return f"<span style='color:{colour}; font-size:13pt'>{char}</span>"


LEGEND_HTML = "&nbsp;&nbsp;".join(
    [f"{_glyph('●', FAMILY_COLOURS[f])} {FAMILY_LABEL[f]}" for f, _m, _l in FAMILIES]
    + [f"│ {_glyph('●', theme.MUTED)} measured latency, paper's top-1",
       f"{_glyph('★', theme.MUTED)} your evaluate top-1 (bar: Wilson 95 %)",
       f"{_glyph('◇', theme.MUTED)} published top-1 beside it",
       f"{_glyph('○', theme.MUTED)} paper only (not measured)",
       f"{_glyph('▲', theme.MUTED)} other series",
       f"{_glyph('◎', BUSY_COLOUR)} timed on a busy machine",
       f"{_glyph('┅', FRONTIER_COLOUR)} Pareto frontier",
       f"{_glyph('◯', RECOMMENDED_COLOUR)} recommended",
       f"{_glyph('□', WITHIN_COLOUR)} most accurate within the target"])


def point_text(p: TradeoffPoint, remeasurable: bool = False) -> str:
    """The hover text; remeasurable: this machine's point, which a right-click times again."""
    madds = f"{p.madds / 1e6:.1f} M" if p.madds else "unknown"
    how = "right-click the point to re-measure it" if remeasurable else "re-measure it on the machine that timed it"
    busy = (f"\n⚠ measured while the machine was busy: {p.load or 'load not recorded'}; the latency may be "
            f"inflated: {how}" if p.busy else "")
    return (f"{p.label()} ({FAMILY_LABEL.get(p.family, p.family)})\n"
            f"latency {p.latency_ms:.2f} ms (p10 {p.latency_p10_ms:.2f}, p90 {p.latency_p90_ms:.2f}), "
            f"{p.threads} thread{'s' if p.threads != 1 else ''} on path {p.path}\n"
            f"on {p.machine_label}\nMAdds {madds}\n"
            f"top-1 {p.accuracy:.1f} % — {p.accuracy_source}{busy}")


def paper_text(p: PaperPoint) -> str:
    return (f"{p.label()} ({FAMILY_LABEL.get(p.family, p.family)})\nnot measured on this machine yet\n"
            f"MAdds {p.madds_millions:g} M (paper)\ntop-1 {p.top1:.1f} % — published: {p.source}")


class _LogAxis(pg.AxisItem):
    """Log-scale ticks read as plain numbers (0.5, 1, 2, 5, 10, 20 …), not 2·10¹; only the
    1-2-5 ticks are labelled so the labels never overlap."""

    def logTickStrings(self, values, scale, spacing):  # noqa: N802 (pyqtgraph's name)
        out = []
        for v in values:
            x = 10 ** v * scale
            mantissa = x / 10 ** math.floor(math.log10(x) + 1e-9) if x > 0 else 0
            out.append(f"{x:.4g}" if any(abs(mantissa - m) < 1e-6 for m in (1, 2, 5)) else "")
        return out


@dataclass
class _Drawn:
    x: float  # data units (ms or millions of MAdds)
    y: float
    text: str
    point: TradeoffPoint | None = None  # the shown series' measured point (what "Re-measure" acts on)


Front = Callable[[Sequence[TradeoffPoint]], list[TradeoffPoint]]


class TradeoffPlot(QWidget):
    def __init__(self, axis: str, front: Front, parent: QWidget | None = None):
        """front: the page's Pareto frontier for this axis (the points no other beats on both)."""
        super().__init__(parent)
        if axis not in ("latency", "madds"):
            raise ValueError(f"axis {axis!r}; valid: latency, madds")
        self.axis = axis
        self._front = front
        self.plot = pg.PlotWidget(background=theme.SURFACE, axisItems={"bottom": _LogAxis("bottom")})
        self.plot.setMenuEnabled(False)
        self.plot.hideButtons()
        self.plot.setLogMode(x=True, y=False)
        self.plot.showGrid(x=True, y=True, alpha=0.15)
        style_axes(self.plot)
        self.plot.setLabel("left", "ImageNet top-1 (%)", color=theme.TEXT)
        self.plot.setLabel("bottom", "latency on this machine (ms, log scale)" if axis == "latency"
                           else "MAdds (millions, log scale)", color=theme.TEXT)
        self.empty = pg.TextItem("", color=theme.MUTED, anchor=(0.5, 0.5))
        self.plot.addItem(self.empty, ignoreBounds=True)
        self.target_line = pg.InfiniteLine(angle=90, pen=pg.mkPen(theme.ACCENT, width=1.5,
                                                                   style=Qt.PenStyle.DashLine),
                                           label="target", labelOpts={"color": theme.ACCENT, "position": 0.97,
                                                      "anchors": [(0, 0), (0, 0)]})
        self.target_line.hide()
        self.plot.addItem(self.target_line, ignoreBounds=True)
        self._items: list[pg.GraphicsObject] = []
        self._rings: list[pg.PlotDataItem] = []
        self.drawn: list[_Drawn] = []
        self.frontier: list[TradeoffPoint] = []
        self.frontier_item: pg.PlotDataItem | None = None
        self.series_shown: list[str] = []  # series keys with points on this plot
        self.busy_rings: list[tuple[float, float]] = []  # (x, y) of points timed on a busy machine
        self.latency_bars: list[tuple[float, float, float]] = []  # (p10, median, p90) per shown point
        self.accuracy_bars: list[tuple[float, float, float, float]] = []  # (x, low, top-1, high), percent
        self.wide_note = ""
        self.remeasurable = False  # the shown series is this machine's: its points can be timed again
        self.under_mouse: TradeoffPoint | None = None  # the re-measurable point the mouse is on
        self.remeasure_action = QAction("Re-measure this point", self.plot)
        self.remeasure_action.setToolTip("Time the point under the mouse again in the background; the new run "
                                         "replaces it on the plots")
        self.plot.addAction(self.remeasure_action)  # right-click menu, beside the chart exports
        self.plot.setContextMenuPolicy(Qt.ContextMenuPolicy.ActionsContextMenu)
        self._point_under(None)
        self.hover = HoverTip(self.plot, self._locate,
                              lambda: None if self.hover.is_shown() else self._point_under(None))
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.plot)

    def x_of(self, p: TradeoffPoint) -> float | None:
        if self.axis == "latency":
            return p.latency_ms
        return p.madds / 1e6 if p.madds else None

    # drawing --------------------------------------------------------------------------------
    def _add(self, item: pg.GraphicsObject) -> None:
        self.plot.addItem(item)
        self._items.append(item)

    def _scatter(self, xs, ys, symbol: str, colour: str, *, size: int = 10, filled: bool = True,
                 alpha: int = 255, z: float = 10) -> None:
        fill = QColor(colour)
        fill.setAlpha(alpha if filled else 0)
        edge = QColor(colour)
        edge.setAlpha(alpha)
        item = pg.PlotDataItem(xs, ys, pen=None, symbol=symbol, symbolSize=size, symbolBrush=pg.mkBrush(fill),
                               symbolPen=pg.mkPen(edge if not filled else QColor(255, 255, 255, alpha), width=1.2
                                                  if filled else 1.6))
        item.setZValue(z)
        self._add(item)

    def _line(self, xs, ys, colour: str, *, width: float = 1.5, dash: bool = False, alpha: int = 255,
              z: float = 5) -> pg.PlotDataItem:
        c = QColor(colour)
        c.setAlpha(alpha)
        item = pg.PlotDataItem(xs, ys, pen=pg.mkPen(c, width=width,
                                                     style=Qt.PenStyle.DashLine if dash else Qt.PenStyle.SolidLine))
        item.setZValue(z)
        self._add(item)
        return item

    def set_data(self, primary: Sequence[TradeoffPoint], primary_key: str | None,
                 others: dict[str, Sequence[TradeoffPoint]], paper: Sequence[PaperPoint],
                 empty_text: str = "") -> None:
        """Draw one series in full (`primary`), other series faded (latency plot only) and, on the
        MAdds plot, the papers' points for configurations not measured in the primary series."""
        for item in self._items:
            self.plot.removeItem(item)
        self._items, self.drawn, self.series_shown, self.busy_rings = [], [], [], []
        self._point_under(None)  # the points are redrawn: the mouse must find one again
        front_of = self._front
        if self.axis == "latency":
            for key, points in others.items():
                if points:
                    self.series_shown.append(key)
                for family, _m, _l in FAMILIES:
                    mine = [p for p in points if p.family == family]
                    if mine:
                        self._scatter([p.latency_ms for p in mine], [p.accuracy for p in mine], "t1",
                                      FAMILY_COLOURS[family], size=9, alpha=110, z=6)
                        self.drawn += [_Drawn(p.latency_ms, p.accuracy, point_text(p)) for p in mine]
                front = front_of(points)
                if len(front) > 1:
                    self._line(*_steps([(p.latency_ms, p.accuracy) for p in front]), theme.MUTED, width=1,
                               dash=True, alpha=150, z=4)
        if self.axis == "madds":
            measured = {(p.model, round(p.width, 6), p.resolution) for p in primary}
            for family, _m, _l in FAMILIES:
                mine = [p for p in paper if p.family == family and p.config() not in measured]
                if mine:
                    self._scatter([p.madds_millions for p in mine], [p.top1 for p in mine], "o",
                                  FAMILY_COLOURS[family], size=9, filled=False, z=7)
                    self.drawn += [_Drawn(p.madds_millions, p.top1, paper_text(p)) for p in mine]
        usable = [p for p in primary if self.x_of(p) is not None]
        if usable and primary_key:
            self.series_shown.insert(0, primary_key)
        for family, _m, _l in FAMILIES:
            mine = sorted((p for p in usable if p.family == family), key=self.x_of)
            if not mine:
                continue
            own_front = front_of(mine)
            if len(own_front) > 1:
                self._line([self.x_of(p) for p in own_front], [p.accuracy for p in own_front],
                           FAMILY_COLOURS[family], width=1.5, alpha=140, z=8)
            for measured_acc, symbol, size in ((False, "o", 10), (True, "star", 15)):
                group = [p for p in mine if p.accuracy_measured == measured_acc]
                if group:
                    self._scatter([self.x_of(p) for p in group], [p.accuracy for p in group], symbol,
                                  FAMILY_COLOURS[family], size=size, z=11)
            self.drawn += [_Drawn(self.x_of(p), p.accuracy, point_text(p, self.remeasurable), p) for p in mine]
        busy = [p for p in usable if p.busy]
        self.busy_rings = [(self.x_of(p), p.accuracy) for p in busy]  # what the tests compare with the database
        if busy:  # a ring in the warning colour around each point timed on a busy machine
            self._scatter([x for x, _y in self.busy_rings], [y for _x, y in self.busy_rings], "o", BUSY_COLOUR,
                          size=20, filled=False, z=12)
        self.frontier = front_of(usable)
        self.frontier_item = None
        if len(self.frontier) > 1:
            self.frontier_item = self._line(*_steps([(self.x_of(p), p.accuracy) for p in self.frontier]), FRONTIER_COLOUR,
                       width=2, dash=True, z=9)
        self.empty.setText(empty_text)
        self.empty.setVisible(bool(empty_text) and not self.drawn)
        self.plot.enableAutoRange()
        if not self.drawn:
            self.plot.setXRange(0, 2)
            self.plot.setYRange(40, 80)
            self.empty.setPos(1, 60)

    def set_intervals(self, points: Sequence[TradeoffPoint], measured: dict) -> None:
        """Error bars of the shown series (call after set_data): latency p10–p90 on the latency
        plot; and for a top-1 measured on a sample set, its Wilson 95 % interval, with the
        published top-1 of the same configuration beside it (a hollow diamond), on both plots.
        measured: run_uuid -> an object with top1, low, high (percent), n and published."""
        self.latency_bars, self.accuracy_bars = [], []
        usable = [p for p in points if self.x_of(p) is not None]
        if self.axis == "latency" and usable:  # log x: the bar ends are placed in log10 units
            xs = [math.log10(p.latency_ms) for p in usable]
            left = [x - math.log10(max(p.latency_p10_ms, 1e-9)) for x, p in zip(xs, usable)]
            right = [math.log10(max(p.latency_p90_ms, 1e-9)) - x for x, p in zip(xs, usable)]
            bars = pg.ErrorBarItem(x=np.array(xs), y=np.array([p.accuracy for p in usable]), left=np.array(left),
                                   right=np.array(right), beam=0.01,
                                   pen=pg.mkPen(theme.MUTED, width=1))
            bars.setZValue(10)
            self._add(bars)
            self.latency_bars = [(p.latency_p10_ms, p.latency_ms, p.latency_p90_ms) for p in usable]
        few = 0
        for p in usable:
            m = measured.get(p.run_uuid)
            if m is None:
                continue
            x = self.x_of(p)
            log_x = math.log10(x)
            bars = pg.ErrorBarItem(x=np.array([log_x]), y=np.array([m.top1]), top=np.array([m.high - m.top1]),
                                   bottom=np.array([m.top1 - m.low]), beam=0.02,
                                   pen=pg.mkPen(FAMILY_COLOURS.get(p.family, theme.MUTED), width=1.5))
            bars.setZValue(10)
            self._add(bars)
            self.accuracy_bars.append((x, m.low, m.top1, m.high))
            if m.published is not None:
                self._scatter([x], [m.published], "d", FAMILY_COLOURS.get(p.family, theme.MUTED), size=11,
                              filled=False, z=11)
                self.drawn.append(_Drawn(x, m.published, f"{p.label()}: published top-1 {m.published:.1f} % "
                                                         f"(beside the {m.top1:.0f} % measured on {m.n} images)"))
            few = max(few, m.n)
        self.wide_note = (f"bars on ★: Wilson 95 % interval of the measured top-1; {few} images make it wide"
                          if 0 < few < 100 else "")
        self.plot.setTitle(self.wide_note or None, color=theme.MUTED, size="9pt")

    def frontier_xy(self) -> list[tuple[float, float]]:
        return [(self.x_of(p), p.accuracy) for p in self.frontier]

    def set_highlight(self, recommended: TradeoffPoint | None, within: TradeoffPoint | None,
                      target_ms: float | None) -> None:
        for ring in self._rings:
            self.plot.removeItem(ring)
        self._rings = []
        self.highlighted = {"recommended": recommended, "within": within}
        for p, symbol, colour, size in ((within, "s", WITHIN_COLOUR, 24), (recommended, "o", RECOMMENDED_COLOUR, 26)):
            x = self.x_of(p) if p is not None else None
            if x is None:
                continue
            ring = pg.PlotDataItem([x], [p.accuracy], pen=None, symbol=symbol, symbolSize=size,
                                   symbolBrush=pg.mkBrush(0, 0, 0, 0), symbolPen=pg.mkPen(colour, width=2.5))
            ring.setZValue(20)
            self.plot.addItem(ring)
            self._rings.append(ring)
        show_line = self.axis == "latency" and target_ms is not None and target_ms > 0
        if show_line:
            self.target_line.setPos(math.log10(target_ms))
            self.target_line.label.setFormat(f"target {target_ms:.3g} ms")
        self.target_line.setVisible(show_line)

    def ring_xy(self) -> list[tuple[float, float]]:
        """(x, top-1) of each highlight ring, in data units (tests and the docs read these)."""
        out = []
        for ring in self._rings:
            xs, ys = ring.xData, ring.yData
            out.append((float(xs[0]), float(ys[0])))
        return out

    # hover ----------------------------------------------------------------------------------
    def _point_under(self, p: TradeoffPoint | None) -> None:
        """Keep the right-click action on the point under the mouse (this machine's only)."""
        self.under_mouse = p if self.remeasurable else None
        self.remeasure_action.setEnabled(self.under_mouse is not None)
        self.remeasure_action.setText(
            f"Re-measure {p.label()}{' (timed on a busy machine)' if p.busy else ''}" if self.under_mouse
            else "Re-measure a point: right-click on it" if self.remeasurable
            else "Re-measure: only this machine's points can be timed here")

    def _locate(self, pos: QPointF):
        found = self._nearest(pos)
        self._point_under(found.point if found is not None else None)
        return (found.text, math.log10(found.x), found.y) if found is not None else None

    def _nearest(self, pos: QPointF) -> _Drawn | None:
        if not self.drawn:
            return None
        px, py = self.plot.getPlotItem().vb.viewPixelSize()
        best, best_d = None, float(HOVER_PX)
        for d in self.drawn:
            if d.x <= 0:
                continue
            dx = (math.log10(d.x) - pos.x()) / px
            dy = (d.y - pos.y()) / py
            dist = math.hypot(dx, dy)
            if dist < best_d:
                best, best_d = d, dist
        return best


def _steps(points: list[tuple[float, float]]) -> tuple[list[float], list[float]]:
    """A staircase through frontier points ordered by cost: the best accuracy reachable at each cost."""
    xs, ys = [], []
    for i, (x, y) in enumerate(points):
        if i:
            xs.append(x)
            ys.append(points[i - 1][1])
        xs.append(x)
        ys.append(y)
    return xs, ys
