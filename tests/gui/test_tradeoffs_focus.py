""""Show on Trade-offs": the configuration's stored point gets a target marker at its (latency,
top-1) and (MAdds, top-1), in view; the marker survives the page's reload on show and goes away
when another series is picked or the next configuration has no point."""

from __future__ import annotations

import pyqtgraph as pg
import pytest

from engine import api
from engine.profiling.latency import ProfileResult, Timing
from engine.profiling.machine import fingerprint
from engine.results import ResultsDB

ROWS = [("mobilenet_v3_small", 1.0, 96, 2.0, 12e6), ("mobilenet_v2", 1.0, 160, 9.0, 150e6)]


def store(rows, threads: int = 1) -> None:
    with ResultsDB() as db:
        for model, width, res, ms, madds in rows:
            db.save_run(ProfileResult(
                model=model, width=width, resolution=res, options={}, batch=1, threads=threads, device="cpu",
                memory_format="contiguous", path="reference", weights="random (latency only)",
                total_ms=Timing(ms, ms * 0.95, ms * 1.1, 20), layers=(),
                machine=fingerprint(threads=threads, device="cpu", backend="torch eager"), madds=int(madds),
                params=1000, per_layer=False))


def stored(model: str, threads: int = 1):
    with ResultsDB() as db:
        return [r for r in db.runs() if r.model == model and r.threads == threads][-1]


def published(model: str, width: float, resolution: int) -> set[float]:
    family = api.model_info(model).family
    return {r.top1 for r in api.published_for(family, width, resolution) if r.top1 is not None}


@pytest.fixture
def page(qtbot):
    from gui.app import make_app
    from gui.pages.tradeoffs_page import TradeoffsPage

    make_app()
    page = TradeoffsPage()
    qtbot.addWidget(page)
    page.resize(1400, 900)
    page.start()
    page.show()
    yield page
    page.shutdown()


def test_the_asked_point_gets_a_marker_at_its_stored_coordinates_in_view(page):
    store(ROWS)
    page.reload()
    vb = page.latency_plot.plot.getPlotItem().vb
    vb.setXRange(3, 4, padding=0)  # the user zoomed far away from every point
    page.receive({"model": "mobilenet_v3_small", "width": 1.0, "resolution": 96})

    run = stored("mobilenet_v3_small")
    x, y = page.focus_marker.xy("latency")
    assert x == pytest.approx(run.total_ms.median)
    assert y in published("mobilenet_v3_small", 1.0, 96) and y == page.focus.accuracy
    mx, my = page.focus_marker.xy("madds")
    assert (mx, my) == pytest.approx((run.madds / 1e6, y))
    marker = page.focus_marker.items["latency"]
    assert isinstance(marker, pg.TargetItem) and marker in page.latency_plot.plot.getPlotItem().items
    (x0, x1), (y0, y1) = vb.viewRange()
    assert x0 <= marker.pos().x() <= x1 and y0 <= marker.pos().y() <= y1

    page.reload()  # what showing the page does: the marker stays on the same stored run
    assert page.focus_marker.xy("latency") == pytest.approx((run.total_ms.median, y))
    assert len([i for i in page.latency_plot.plot.getPlotItem().items if isinstance(i, pg.TargetItem)]) == 1


def test_the_marker_goes_when_another_series_is_picked_or_nothing_is_found(page, qtbot):
    store(ROWS)
    store(ROWS[:1], threads=2)  # a second series: same machine, two threads
    page.reload()
    page.receive({"model": "mobilenet_v2", "width": 1.0, "resolution": 160})
    assert page.focus_marker.xy("latency") == pytest.approx((stored("mobilenet_v2").total_ms.median,
                                                             page.focus.accuracy))
    other = next(i for i in range(page.series_combo.count()) if i != page.series_combo.currentIndex())
    page.series_combo.setCurrentIndex(other)
    page.series_combo.activated.emit(other)  # what a user's pick sends
    assert page.focus_marker.xy("latency") is None and page.focus_marker.xy("madds") is None
    assert not [i for i in page.latency_plot.plot.getPlotItem().items if isinstance(i, pg.TargetItem)]

    page.receive({"model": "mobilenet_v3_small", "width": 1.0, "resolution": 96})
    assert page.focus_marker.xy("latency") is not None
    page.receive({"model": "mobilenet_v3_large", "width": 0.75, "resolution": 128})  # never measured
    assert page.focus is None and page.focus_marker.xy("latency") is None


def test_show_on_tradeoffs_from_models_marks_the_point_after_the_page_shows(open_window, preset, qtbot):
    store(ROWS)
    preset("mobilenet_v3_small", "1.0", "96")
    window = open_window()
    window.show_page("models")
    window.pages["models"].tradeoffs_action.trigger()
    page = window.pages["tradeoffs"]
    assert window.current_page() is page
    assert page.focus_marker.xy("latency") == pytest.approx((stored("mobilenet_v3_small").total_ms.median,
                                                             page.focus.accuracy))
