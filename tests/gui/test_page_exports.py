"""Every chart of every page exports through pyqtgraph's exporters: a PNG as wide as asked (the
height keeps the chart's aspect) and an SVG that parses as XML and holds the chart's own text.
The Profiler's chart and the Kernels page's pictures are exported from their pages' actions
after a real (tiny) run."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pyqtgraph as pg
import pytest
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QFileDialog, QInputDialog, QWidget

from gui.chart_export import PAINTED, chart_size, export_png, export_svg
from gui.widgets.layer_bars import SERIES
from gui.widgets.kernels_fields import PANELS
from gui.widgets.profile_controls import ProfileRequest
from tests.gui.conftest import READY_TIMEOUT_MS

SVG = "{http://www.w3.org/2000/svg}"


def assert_png(path, view: pg.GraphicsView, width: int) -> None:
    """As wide as asked, and as tall as the chart's aspect makes it. chart_size gives whole
    pixels of a chart whose size on screen may be fractional (pyqtgraph's scene rect), so the
    aspect is known to within those fractions: the height lies between what the sizes rounded
    down and up give (a clean-clone CI run once got 725 where whole pixels said 726)."""
    on_screen_w, on_screen_h = chart_size(view)
    image = QImage(str(path))
    assert not image.isNull(), path
    assert image.width() == width
    low, high = width * on_screen_h / (on_screen_w + 1), width * (on_screen_h + 1) / on_screen_w
    assert low - 1 < image.height() <= high, (image.height(), low, high)


def svg_texts(path) -> str:
    root = ET.parse(path).getroot()
    assert root.tag == f"{SVG}svg"
    return " ".join("".join(t.itertext()) for t in root.iter(f"{SVG}text"))


def answer_dialogs(monkeypatch, path, width: int) -> None:
    kind = "SVG images (*.svg)" if str(path).endswith(".svg") else "PNG images (*.png)"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(path), kind))
    monkeypatch.setattr(QInputDialog, "getInt", lambda *a, **k: (width, True))


def test_every_shown_chart_on_every_page_exports_png_and_svg(open_window, preset, qtbot, tmp_path):
    preset()
    window = open_window()
    exported = []
    for spec in window.specs:
        window.show_page(spec.id)
        page = window.pages[spec.id]
        charts = page.findChildren(pg.GraphicsView) + [w for w in page.findChildren(QWidget) if w.property(PAINTED)]
        for i, view in enumerate(charts):
            assert [a.text() for a in view.actions()][-2:] == ["Export chart as PNG…", "Export chart as SVG…"]
            if not view.isVisible():
                continue  # shown only with a result: the page tests below export those
            png = export_png(view, tmp_path / f"{spec.id}{i}.png", width=640)
            assert_png(png, view, 640)
            svg_texts(export_svg(view, tmp_path / f"{spec.id}{i}.svg"))
            exported.append(spec.id)
    assert {"models", "classify", "profiler", "tradeoffs", "live"} <= set(exported)  # Kernels: an empty state first


def test_the_profile_chart_exports_through_the_toolbar_as_png_and_svg(qtbot, tmp_path, monkeypatch):
    from gui.app import make_app
    from gui.pages.profiler_page import ProfilerPage

    make_app()
    page = ProfilerPage()
    qtbot.addWidget(page)
    page.resize(1280, 800)
    page.show()
    messages: list[str] = []
    page.status_message.connect(messages.append)
    assert not page.export_png_action.isEnabled()  # nothing to export before a run
    page.controls.set_request(ProfileRequest("mobilenet_v3_small", resolution_text="96", repeats=3, threads=1))
    assert page.run()
    qtbot.waitUntil(page.ready, timeout=READY_TIMEOUT_MS)
    try:
        assert page.export_png_action.isEnabled()
        for name, width in (("wide.png", 1500), ("profile.svg", 0)):
            answer_dialogs(monkeypatch, tmp_path / name, width)
            page.export_png_action.trigger()
            assert messages[-1] == f"Saved {tmp_path / name}"
        # the runs and the kind colours, beside the chart on screen, are the exported chart's title
        screen_w, screen_h = chart_size(page.bars.plot)
        wide = QImage(str(tmp_path / "wide.png"))
        assert wide.width() == 1500 and wide.height() > int(1500 * screen_h / screen_w)
        texts = svg_texts(tmp_path / "profile.svg")
        assert SERIES["ms"][1] in texts  # the bars' axis title
        assert "mobilenet_v3_small 1.0 · 96 px" in texts
        assert all(kind in texts.replace("\xa0", " ") for kind in {layer.kind for layer in page.result.layers})
        assert page.bars.plot.getPlotItem().titleLabel.isVisible() is False  # the screen has it beside
        assert chart_size(page.bars.plot) == (screen_w, screen_h)
        page.export_chart(str(tmp_path / "direct.png"), width=300)
        assert QImage(str(tmp_path / "direct.png")).width() == 300
        assert sorted(p.name for p in tmp_path.iterdir()) == ["direct.png", "profile.svg", "wide.png"]
    finally:
        page.shutdown()


@pytest.fixture
def kernels(open_window, preset, qtbot):
    preset()
    window = open_window()
    window.show_page("kernels")
    return window.pages["kernels"]


def test_the_kernels_pictures_export_with_their_colour_bars(kernels, qtbot, tmp_path, monkeypatch):
    page = kernels
    assert not page.export_fields_action.isVisible()
    page.experiment.setCurrentIndex(page.experiment.findData("symconv"))
    form = page.forms["symconv"]
    form.ny.setValue(24)
    form.nx.setValue(20)
    form.op_size.setValue(5)
    form.repeats.setValue(1)
    page.run_action.trigger()
    qtbot.waitUntil(lambda: page.ready() and page.result is not None, timeout=READY_TIMEOUT_MS)
    assert page.export_fields_action.isVisible() and page.export_fields_action.isEnabled()

    answer_dialogs(monkeypatch, tmp_path / "fields.png", 1200)
    page.export_fields_action.trigger()
    assert_png(tmp_path / "fields.png", page.fields.view, 1200)
    page.export_fields(str(tmp_path / "fields.svg"))
    texts = svg_texts(tmp_path / "fields.svg")
    assert all(title in texts for title, _cmap in PANELS.values())
    root = ET.parse(tmp_path / "fields.svg").getroot()
    assert len(list(root.iter(f"{SVG}image"))) >= len(PANELS)  # each picture embedded
    page.export_chart(str(tmp_path / "bars.png"), width=700)
    assert_png(tmp_path / "bars.png", page.chart.plot, 700)


def test_the_classify_top5_chart_exports_like_the_pyqtgraph_ones(qtbot, tmp_path, monkeypatch):
    """A QPainter chart: the PNG is drawn again at the chosen width, the SVG holds its labels."""
    from gui.app import make_app
    from gui.chart_export import attach_exports
    from gui.pages.classify_page import ClassifyPage

    make_app()
    page = ClassifyPage()
    qtbot.addWidget(page)
    page.resize(1200, 700)
    page.show()
    page.start()
    qtbot.waitUntil(lambda: page.ready() and page.outcome is not None, timeout=READY_TIMEOUT_MS)
    attach_exports(page, page.report_export, "classify")
    chart = page.chart
    top = page.outcome.result.top
    answer_dialogs(monkeypatch, tmp_path / "top5.png", 1260)
    next(a for a in chart.actions() if a.text() == "Export chart as PNG…").trigger()
    assert_png(tmp_path / "top5.png", chart, 1260)
    assert_png(export_png(chart, tmp_path / "small.png", 200), chart, 200)
    texts = svg_texts(export_svg(chart, tmp_path / "top5.svg"))
    assert all(p.label in texts or p.label[:12] in texts for p in top)  # long labels are elided
    assert f"{top[0].probability * 100:.1f}" in texts


def test_the_tradeoffs_plots_export_from_the_pages_own_actions(qtbot, tmp_path, monkeypatch):
    """The File menu / toolbar's "Export latency plot…" and "Export MAdds plot…": the MAdds plot
    holds the papers' points without any measurement, so both export on a fresh database."""
    from gui.app import make_app
    from gui.pages.tradeoffs_page import TradeoffsPage

    make_app()
    page = TradeoffsPage()
    qtbot.addWidget(page)
    page.resize(1280, 800)
    page.start()
    page.show()
    messages: list[str] = []
    page.status_message.connect(messages.append)
    try:
        assert page.export_plot_action in page.menu_actions()
        assert page.export_plot_action.menu().actions() == [page.export_latency_action, page.export_madds_action]
        answer_dialogs(monkeypatch, tmp_path / "madds.png", 900)
        page.export_madds_action.trigger()
        assert messages[-1] == f"Saved {tmp_path / 'madds.png'}"
        assert_png(tmp_path / "madds.png", page.madds_plot, 900)
        answer_dialogs(monkeypatch, tmp_path / "latency.svg", 0)
        page.export_latency_action.trigger()
        assert messages[-1] == f"Saved {tmp_path / 'latency.svg'}"
        svg_texts(tmp_path / "latency.svg")
    finally:
        page.shutdown()
