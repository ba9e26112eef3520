"""Re-measuring one point of the Trade-offs plots: right-click the point under the mouse, and a
real measurement (the sweep's job, in the background) stores a newer run that replaces exactly
that point; another machine's points cannot be timed here, so the action is off for them."""

from __future__ import annotations

import math
import os

from PySide6.QtCore import QPoint, QPointF

from engine.profiling.machine import fingerprint
from engine.results import ResultsDB
from tests.engine.test_results import other_machine
from tests.gui.test_tradeoffs_page import SYNTHETIC, page, store  # noqa: F401 (fixture)

BUSY = ("mobilenet_v3_small", 1.0, 96)  # the fastest configuration: quick to time again


def save(fp: dict, busy_load: tuple[float, float]) -> list:
    return store(SYNTHETIC, machine=fp, load_of=lambda config: busy_load if config == BUSY else (0.1, 0.2))


def hover(qtbot, plot, x: float, y: float) -> None:
    """Move the mouse to data coordinates (x in ms or MAdds, y top-1) on `plot` (from a pixel
    beside it: a move to where the cursor already is sends no event)."""
    view = plot.plot.getPlotItem().vb
    pos = plot.plot.mapFromScene(view.mapViewToScene(QPointF(math.log10(x), y)))
    qtbot.mouseMove(plot.plot.viewport(), QPoint(pos.x() + 40, pos.y() + 40))
    qtbot.wait(30)
    qtbot.mouseMove(plot.plot.viewport(), QPoint(pos.x(), pos.y()))


def test_right_click_re_measures_the_point_under_the_mouse(qtbot, page):  # noqa: F811
    cores = os.cpu_count() or 1
    stored = save(fingerprint(threads=1, device="cpu", backend="torch eager"), (0.5, 10.0 * cores))
    page.sweep.path_combo.setCurrentIndex(page.sweep.path_combo.findData("reference"))
    page.reload()
    page.select_series(next(s.key for s in page.snapshot.series if s.path == "reference" and s.this_machine))
    page.options.repeats.setValue(3)
    (busy_run,) = [r for r in stored if r.busy]
    point = {p.run_uuid: p for p in page.snapshot.points}[busy_run.uuid]
    plot = page.latency_plot
    qtbot.wait(100)  # let the plot settle its auto-range before mapping coordinates

    (x0, x1), (y0, y1) = plot.plot.getPlotItem().vb.viewRange()  # top-left corner: fast and accurate, empty
    hover(qtbot, plot, 10 ** (x0 + 0.03 * (x1 - x0)), y1 - 0.03 * (y1 - y0))
    qtbot.wait(50)
    assert plot.under_mouse is None and not plot.remeasure_action.isEnabled()

    hover(qtbot, plot, busy_run.total_ms.median, point.accuracy)
    qtbot.waitUntil(plot.hover.is_shown, timeout=2000)
    assert f"measured while the machine was busy: load 0.5 → {10.0 * cores:.1f} on {cores} cores" in plot.hover.text
    assert "right-click the point to re-measure it" in plot.hover.text
    assert plot.under_mouse is not None and plot.under_mouse.run_uuid == busy_run.uuid
    assert plot.remeasure_action.isEnabled() and point.label() in plot.remeasure_action.text()
    assert plot.remeasure_action in plot.plot.actions()  # the right-click menu lists the view's actions

    plot.remeasure_action.trigger()
    assert page.sweep.job.is_busy() and not page.sweep.sweep_button.isEnabled()
    qtbot.waitUntil(page.ready, timeout=120_000)
    with ResultsDB() as db:
        after = db.runs()
    new = [r for r in after if r.uuid not in {s.uuid for s in stored}]
    assert [(r.model, r.width, r.resolution, r.path, r.threads) for r in new] == [(*BUSY, "reference", 1)]
    assert new[0].load_before is not None and new[0].cores == cores  # the new run records its load too
    shown = {p.run_uuid for p in page.snapshot.points}
    assert shown == {r.uuid for r in stored if r.uuid != busy_run.uuid} | {new[0].uuid}


def test_another_machines_points_cannot_be_re_measured_here(qtbot, page):  # noqa: F811
    cores = os.cpu_count() or 1
    stored = save(other_machine(threads=1), (0.5, 10.0 * cores))
    page.reload()
    (series,) = page.snapshot.series
    assert not series.this_machine
    page.select_series(series.key)
    (busy_run,) = [r for r in stored if r.busy]
    point = {p.run_uuid: p for p in page.snapshot.points}[busy_run.uuid]
    plot = page.latency_plot
    qtbot.wait(100)
    hover(qtbot, plot, busy_run.total_ms.median, point.accuracy)
    qtbot.waitUntil(plot.hover.is_shown, timeout=2000)
    assert "measured while the machine was busy" in plot.hover.text
    assert "re-measure it on the machine that timed it" in plot.hover.text
    assert plot.under_mouse is None and not plot.remeasure_action.isEnabled()
    assert not page.remeasure(plot.under_mouse) and not page.sweep.job.is_busy()
    assert not page.sweep.remeasure_button.isVisibleTo(page)
