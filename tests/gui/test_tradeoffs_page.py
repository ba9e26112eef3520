"""The Trade-offs page against the database and independent computations: a real (tiny) sweep
plots its stored rows where they are, the frontier is the non-dominated set, the slider rings
what `recommend()` picks, a second machine's export is a second series, a cancelled sweep keeps
what finished and resumes, and an empty database still shows the papers' MAdds points."""

from __future__ import annotations

import math

import pytest
from PySide6.QtCore import QPoint, QPointF, QSettings

from engine import api
from engine.profiling.latency import ProfileResult, Timing
from engine.profiling.machine import fingerprint
from engine.results import ResultsDB, default_path, export_json, machine_id
from engine.tradeoffs.points import tradeoff_points
from engine.tradeoffs.recommend import recommend
from engine.tradeoffs.sweep import SweepConfig
from tests.gui.conftest import READY_TIMEOUT_MS

FAMILY = {"mobilenet_v2": "v2", "mobilenet_v3_small": "v3-small", "mobilenet_v3_large": "v3-large"}
# (model, width, resolution, median ms, MAdds): chosen so some points are dominated on each axis
SYNTHETIC = [
    ("mobilenet_v3_small", 1.0, 96, 2.0, 12e6),
    ("mobilenet_v3_small", 1.0, 128, 3.0, 20e6),
    ("mobilenet_v3_small", 0.35, 224, 3.5, 11e6),  # slower and less accurate than 1.0/96
    ("mobilenet_v3_small", 1.0, 160, 4.5, 30e6),
    ("mobilenet_v2", 0.5, 160, 5.0, 50e6),  # dominated by V3-Small 1.0/160 in latency
    ("mobilenet_v2", 1.0, 160, 9.0, 150e6),
    ("mobilenet_v3_large", 1.0, 160, 7.0, 130e6),
]


def published_top1(model: str, width: float, resolution: int) -> float:
    """The papers' top-1 for a configuration, straight from the tables (the superseded early
    arXiv revision aside); the configurations used here have one value across sources."""
    values = {r.top1 for r in api.published_for(FAMILY[model], width, resolution)
              if r.source != "V3-arXiv-early" and r.top1 is not None}
    assert len(values) == 1, (model, width, resolution, values)
    return values.pop()


def store(rows, *, machine: dict | None = None, threads: int = 1, db_path=None, path: str = "reference",
          load_of=lambda config: None) -> list:
    """Store `rows` as runs; load_of((model, width, resolution)) gives a run's (before, after)
    load average (None: not recorded). Returns every stored run."""
    fp = machine or fingerprint(threads=threads, device="cpu", backend="torch eager")
    with ResultsDB(db_path) as db:
        for model, width, res, ms, madds in rows:
            db.save_run(ProfileResult(
                model=model, width=width, resolution=res, options={}, batch=1, threads=threads, device="cpu",
                memory_format="contiguous", path=path, weights="random (latency only)",
                total_ms=Timing(ms, ms * 0.95, ms * 1.1, 20), layers=(), machine=fp, madds=int(madds),
                params=1000, per_layer=False, load=load_of((model, width, res))))
        return db.runs()


def this_key(threads: int = 1, path: str = "reference") -> str:
    return f"{machine_id(fingerprint(threads=threads, device='cpu', backend='torch eager'))}|{threads}|{path}"


def non_dominated(points: list[tuple[float, float]]) -> set[tuple[float, float]]:
    """Brute force: no other point is at least as cheap and as accurate, and better in one."""
    return {p for p in points
            if not any(q[0] <= p[0] and q[1] >= p[1] and (q[0] < p[0] or q[1] > p[1]) for q in points)}


def drawn_xy(plot) -> set[tuple[float, float]]:
    return {(round(d.x, 6), round(d.y, 6)) for d in plot.drawn}


@pytest.fixture
def page(qtbot):
    from gui.app import make_app
    from gui.pages.tradeoffs_page import TradeoffsPage

    make_app()
    page = TradeoffsPage()
    qtbot.addWidget(page)
    page.resize(1500, 900)
    page.start()
    page.show()
    yield page
    page.shutdown()


def test_empty_database_shows_the_papers_madds_points_and_creates_no_file(page):
    assert not default_path().exists()  # opening the page wrote nothing
    assert page.latency_plot.empty.isVisible() and "Run sweep" in page.latency_plot.empty.toPlainText()
    assert page.latency_plot.drawn == [] and page.recommendation is None
    from engine.tradeoffs.points import published_top1 as chosen
    from engine.tradeoffs.sweep import sweep_grid

    expected = set()
    for c in sweep_grid():  # every default-sweep configuration, with the paper's own MAdds
        row = chosen(api.model_info(c.model).family, c.width, c.resolution)
        if row.madds_millions:
            expected.add((round(row.madds_millions, 6), round(row.top1, 6)))
    assert drawn_xy(page.madds_plot) == expected and len(expected) > 40
    assert "0 of" in page.sweep_status.text() and page.sweep_button.isEnabled()


def test_a_real_sweep_plots_each_stored_row_where_the_database_says(qtbot, page):
    configs = [SweepConfig("mobilenet_v3_small", 1.0, 96), SweepConfig("mobilenet_v3_small", 1.0, 128),
               SweepConfig("mobilenet_v3_small", 0.35, 224)]
    # by default the sweep measures on the fastest exact path known here, not the eager reference
    assert page.sweep.inference_path() == api.sweep_path(measure=False) != "reference"
    combo = page.sweep.path_combo  # the reference stays a choice, saying what it is
    assert "the papers' model in eager PyTorch" in combo.itemText(combo.findData("reference"))
    assert combo.sizeHint().width() < combo.fontMetrics().horizontalAdvance(combo.itemText(combo.findData("reference")))
    assert page.run_sweep(configs, threads=1, repeats=3)
    qtbot.waitUntil(page.ready, timeout=READY_TIMEOUT_MS)
    assert page.error_label.isHidden(), page.error_label.text()
    with ResultsDB() as db:
        runs = db.runs()
    assert sorted((r.model, r.width, r.resolution) for r in runs) == sorted(
        (c.model, c.width, c.resolution) for c in configs)
    expected_lat = {(round(r.total_ms.median, 6), published_top1(r.model, r.width, r.resolution)) for r in runs}
    expected_madds = {(round(r.madds / 1e6, 6), published_top1(r.model, r.width, r.resolution)) for r in runs}
    assert drawn_xy(page.latency_plot) == expected_lat
    assert expected_madds <= drawn_xy(page.madds_plot)  # the paper-only points of other configs too
    assert page.latency_plot.series_shown == [this_key(1, page.sweep.inference_path())]
    assert page.progress.value() == page.progress.maximum() == 3
    # every measured point carries its numbers in the hover
    texts = [d.text for d in page.latency_plot.drawn]
    assert all("published:" in t and "ms" in t and "MAdds" in t for t in texts)


def test_frontier_goes_through_the_non_dominated_points_on_both_plots(page):
    store(SYNTHETIC)
    page.reload()
    lat = [(ms, published_top1(m, w, r)) for m, w, r, ms, _ in SYNTHETIC]
    madds = [(mad / 1e6, published_top1(m, w, r)) for m, w, r, _, mad in SYNTHETIC]
    assert set(page.latency_plot.frontier_xy()) == non_dominated(lat)
    assert set(page.madds_plot.frontier_xy()) == non_dominated(madds)
    assert non_dominated(lat) != set(lat)  # the data really has dominated points
    # the drawn staircase has a corner at every frontier point and at no dominated one
    curve = page.latency_plot.frontier_item
    corners = set(zip(curve.xData.tolist(), curve.yData.tolist()))
    assert non_dominated(lat) <= corners
    assert not (set(lat) - non_dominated(lat)) & corners


def test_target_slider_rings_what_recommend_picks(page):
    store(SYNTHETIC)
    page.reload()
    with ResultsDB() as db:
        points = tradeoff_points(db, machine_id=this_key(1).split("|")[0], threads=1)
    seen = set()
    for w in (-0.07, -0.15):
        page.targets.set_w(w)
        for value in (50, 400, 700, 1000):
            page.targets.slider.setValue(value)  # what dragging does
            target = page.targets.target_ms()
            expected = recommend(target, w, points=points)
            rings = page.latency_plot.ring_xy()
            if expected.recommended is None:
                assert rings == [] and "Nothing measured runs within" in page.explanation.text()
                continue
            rec, best = expected.recommended, expected.most_accurate_within
            assert rings[-1] == pytest.approx((rec.latency_ms, rec.accuracy))
            assert rings[0] == pytest.approx((best.latency_ms, best.accuracy))
            assert page.madds_plot.ring_xy()[-1] == pytest.approx((rec.madds / 1e6, rec.accuracy))
            assert expected.explanation.split(":")[0] in page.explanation.text()
            assert rec.latency_ms <= target
            seen.add(rec.label())
    assert len(seen) >= 2  # the budgets really pick different configurations


def test_a_second_machines_export_appears_as_a_second_series(tmp_path, page):
    store(SYNTHETIC[:4])
    other = {**fingerprint(threads=1, device="cpu", backend="torch eager"), "cpu": "Fake ARM Cortex-A76", "cores": 8}
    other_db = tmp_path / "other.sqlite3"
    store([(m, w, r, ms * 3, mad) for m, w, r, ms, mad in SYNTHETIC[:4]], machine=other, db_path=other_db)
    export = tmp_path / "other.json"
    with ResultsDB(other_db) as db:
        export_json(db, export)
    page.reload()
    assert page.series_combo.count() == 1
    assert page.import_file(str(export)), page.error_label.text()
    other_key = f"{machine_id(other)}|1|reference"
    assert page.series_combo.count() == 2
    assert page.latency_plot.series_shown == [this_key(1), other_key]
    assert "Fake ARM Cortex-A76" in page.series_combo.itemText(1)
    slow = {(round(ms * 3, 6), published_top1(m, w, r)) for m, w, r, ms, _ in SYNTHETIC[:4]}
    assert slow <= drawn_xy(page.latency_plot)
    page.select_series(other_key)  # the other machine becomes the one recommended for
    assert set(page.latency_plot.frontier_xy()) == non_dominated(list(slow))
    assert page.recommendation is None or page.recommendation.fastest.machine_id == machine_id(other)


def test_cancel_mid_sweep_keeps_finished_rows_and_a_rerun_resumes(qtbot, page):
    configs = [SweepConfig("mobilenet_v3_small", 1.0, r) for r in (96, 128, 160)] + [
        SweepConfig("mobilenet_v3_small", 0.35, 224)]
    assert page.run_sweep(configs, threads=1, repeats=300)
    qtbot.waitUntil(lambda: page._rows_landed >= 1, timeout=READY_TIMEOUT_MS)
    page.cancel()
    qtbot.waitUntil(page.ready, timeout=READY_TIMEOUT_MS)
    with ResultsDB() as db:
        kept = db.runs()
    assert 1 <= len(kept) < len(configs)
    assert drawn_xy(page.latency_plot) == {
        (round(r.total_ms.median, 6), published_top1(r.model, r.width, r.resolution)) for r in kept}
    assert page.sweep_button.isEnabled() and not page.cancel_button.isEnabled()
    assert page.run_sweep(configs, threads=1, repeats=3)  # resumes: only the missing ones are measured
    qtbot.waitUntil(page.ready, timeout=READY_TIMEOUT_MS)
    with ResultsDB() as db:
        runs = db.runs()
    assert sorted((r.resolution, r.width) for r in runs) == sorted((c.resolution, c.width) for c in configs)
    assert {r.uuid for r in kept} <= {r.uuid for r in runs}


def test_settings_round_trip(qtbot, settings_file, page):
    store(SYNTHETIC)
    page.reload()
    page.targets.set_w(-0.15)
    page.targets.set_target_ms(4.0)
    chosen = page.targets.target_ms()
    s = QSettings(str(settings_file), QSettings.Format.IniFormat)
    page.save_settings(s)
    from gui.pages.tradeoffs_page import TradeoffsPage

    again = TradeoffsPage()
    qtbot.addWidget(again)
    again.restore_settings(s)
    again.start()
    assert again.targets.w() == -0.15
    assert again.targets.target_ms() == pytest.approx(chosen, rel=0.01)
    assert again.series_key() == this_key(1)


def test_hover_names_the_configuration_and_its_numbers(qtbot, page):
    store(SYNTHETIC)
    page.reload()
    model, width, res, ms, madds = SYNTHETIC[3]
    top1 = published_top1(model, width, res)
    qtbot.wait(100)  # let the plots settle their auto-range before mapping coordinates
    for plot, x in ((page.latency_plot, ms), (page.madds_plot, madds / 1e6)):
        view = plot.plot.getPlotItem().vb
        pos = plot.plot.mapFromScene(view.mapViewToScene(QPointF(math.log10(x), top1)))
        qtbot.mouseMove(plot.plot.viewport(), QPoint(pos.x(), pos.y()))
        qtbot.waitUntil(plot.hover.is_shown, timeout=2000)
        text = plot.hover.text
        assert f"{model} {width:g}/{res}" in text and f"latency {ms:.2f} ms" in text
        assert f"MAdds {madds / 1e6:.1f} M" in text and f"top-1 {top1:.1f} %" in text and "published:" in text


def test_screenshot_with_stored_points_sets_a_target_inside_the_data(page):
    store(SYNTHETIC)
    page.prepare_screenshot()
    assert page.ready()  # nothing to measure: the stored points are shown at once
    median = sorted(ms for *_rest, ms, _madds in SYNTHETIC)[len(SYNTHETIC) // 2]
    assert page.targets.target_ms() == pytest.approx(median, rel=0.01)
    assert len(page.latency_plot.ring_xy()) == 2 and page.latency_plot.target_line.isVisible()


def _wilson(k: int, n: int, z: float = 1.959963984540054) -> tuple[float, float]:
    """Wilson score interval, written out here from its textbook formula."""
    p = k / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z / (1 + z * z / n) * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    return centre - half, centre + half


def test_error_bars_span_p10_to_p90_and_the_recommendation_names_its_path(page):
    store(SYNTHETIC)
    page.reload()
    with ResultsDB() as db:
        runs = db.runs()
    assert sorted(page.latency_plot.latency_bars) == sorted(
        (r.total_ms.p10, r.total_ms.median, r.total_ms.p90) for r in runs)
    page.targets.slider.setValue(700)
    assert page.recommendation is not None and page.recommendation.recommended is not None
    assert f"on path <b>{page.recommendation.recommended.path}</b>" in page.explanation.text()
    assert "reference" in page.series_combo.currentText()


def test_measured_top1_sits_beside_the_published_one_with_a_wilson_interval(page):
    """A sample-set top-1 (13 of 20) stored for one configuration: the star gets the Wilson 95 %
    interval from its n, the paper's top-1 is drawn beside it, and the plot says 20 is few."""
    store(SYNTHETIC[:1])
    model, width, res = SYNTHETIC[0][:3]
    with ResultsDB() as db:
        db.save_accuracy(model=model, width=width, resolution=res, weights="w", dataset="imagenet-sample-20",
                         top1=13 / 20, top5=18 / 20, n=20)
    page.reload()
    low, high = _wilson(13, 20)
    ((x, got_low, top1, got_high),) = page.latency_plot.accuracy_bars
    assert (got_low, top1, got_high) == pytest.approx((100 * low, 65.0, 100 * high))
    published = published_top1(model, width, res)
    assert any(d.y == pytest.approx(published) and "published top-1" in d.text for d in page.latency_plot.drawn)
    assert "20 images make it wide" in page.latency_plot.wide_note
    assert page.madds_plot.accuracy_bars and page.madds_plot.wide_note
