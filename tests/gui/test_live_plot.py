"""The Live page's rolling latency plot: y range in 1-2-5 steps above the newest points (so
the axis repaints only when latency moves to another step), and nothing older than its span."""

from __future__ import annotations

import time

from gui.widgets.live_plot import LatencyPlot


def test_y_range_moves_in_steps_and_old_points_leave(qtbot):
    plot = LatencyPlot(["#2f6fdf", "#ef6c00"], span_s=0.2)
    qtbot.addWidget(plot)
    for ms in (12.0, 14.0, 13.0):
        plot.add(0, ms)
    plot.add(1, 3.0)
    plot.refresh()
    assert plot.y_top == 20.0  # 14 ms × 1.1 = 15.4 -> next 1-2-5 step
    assert plot.getPlotItem().getViewBox().viewRange()[1] == [0.0, 20.0]
    plot.add(0, 47.0)
    plot.refresh()
    assert plot.y_top == 100.0  # 51.7 -> 100
    plot.add(1, 2.0)
    time.sleep(0.25)  # everything is now older than the 0.2 s span
    plot.refresh()
    assert plot.points(0) == [] and plot.points(1) == []
    assert plot.y_top == 100.0  # an empty plot keeps its range
    plot.add(0, 4.0)
    plot.refresh()
    assert plot.y_top == 5.0
