"""Issue 17, "fits a laptop": at 1200×760 every page is usable without scrolling (its minimum
size fits the room the window gives it, after a representative run), the window's own minimum
stays within 1200×760, and the window never resizes itself when lanes, badges or long texts
appear. Elided labels keep their full text readable in the tooltip."""

from __future__ import annotations

import math

import pytest
from PySide6.QtCore import QSize
from PySide6.QtWidgets import QApplication, QLabel, QScrollArea

from gui.widgets.fit import MIN_ELIDED_CHARS, ElidedLabel

LAPTOP = QSize(1200, 760)  # the bound: a 1280×800 screen less the desktop's panels
PAGE_TIMEOUT_MS = 180_000  # a representative run per page (a profile, a sweep-free Trade-offs...)
LONG = "features.1.conv.0.0 · " * 40  # a layer name repeated far past any screen's width


def fits(size: QSize, bound: QSize) -> bool:
    return size.width() <= bound.width() and size.height() <= bound.height()


def page_room(window, page) -> QSize:
    """The size the window gives `page`: its scroll area's viewport."""
    area = page.parentWidget()
    while area is not None and not isinstance(area, QScrollArea):
        area = area.parentWidget()
    assert area is not None, "every page sits in a scroll area, so no page can widen the window"
    return area.viewport().size()


def test_an_elided_label_does_not_grow_with_its_text_and_keeps_it_in_the_tooltip(qtbot):
    label = ElidedLabel("short")
    qtbot.addWidget(label)
    label.resize(200, 20)
    label.show()
    assert not label.elided() and label.toolTip() == ""
    label.setText(LONG)
    cap = label.fontMetrics().averageCharWidth() * MIN_ELIDED_CHARS
    assert label.minimumSizeHint().width() <= cap  # the text no longer sets the minimum
    assert QLabel(LONG).minimumSizeHint().width() > 10 * cap  # (a plain QLabel's would)
    assert label.elided() and label.toolTip() == LONG and label.text() == LONG
    label.setToolTip("inference path: fast")  # a page's own tooltip stays, after the full text
    assert label.toolTip() == f"{LONG}\ninference path: fast"
    label.resize(label.fontMetrics().horizontalAdvance(LONG) + 20, 20)
    assert not label.elided() and label.toolTip() == "inference path: fast"


@pytest.mark.slow  # opens the main window and runs every page's screenshot demo
def test_every_page_fits_1200x760_after_a_representative_run(open_window, preset, qtbot):
    preset()
    window = open_window()
    window.resize(LAPTOP)
    for spec in window.specs:
        window.show_page(spec.id)
        page = window.pages[spec.id]
        page.prepare_screenshot()  # the same demo run the screenshots command shows
        qtbot.waitUntil(page.ready, timeout=PAGE_TIMEOUT_MS)
        QApplication.processEvents()
        assert fits(window.minimumSizeHint(), LAPTOP), (spec.id, window.minimumSizeHint())
        assert fits(window.minimumSize(), LAPTOP), (spec.id, window.minimumSize())
        assert window.size() == LAPTOP, (spec.id, window.size())
        room = page_room(window, page)
        assert fits(page.minimumSizeHint(), room), (spec.id, page.minimumSizeHint(), room)


@pytest.mark.slow  # opens the main window and runs two Live lanes
def test_the_window_never_resizes_itself_for_lanes_badges_or_long_texts(open_window, preset, qtbot):
    preset()
    window = open_window()
    window.resize(1280, 800)
    QApplication.processEvents()
    size = window.size()
    live = window.pages["live"]
    live.demo_size = (160, 120)
    live.controls.configure("demo", "detect", "ssdlite_mobilenet_v2_person", "ssdlite320_mobilenet_v3_large")
    live._sync_models()
    window.show_page("live")
    live.start_run()  # isolated cache: random weights, so both lanes show the untrained badge
    qtbot.waitUntil(lambda: live.pipeline is not None
                    and all(live.pipeline.latest(i) is not None for i in range(2)), timeout=PAGE_TIMEOUT_MS)
    qtbot.waitUntil(lambda: all(lane.badge.isVisibleTo(live) for lane in live.lanes), timeout=PAGE_TIMEOUT_MS)
    QApplication.processEvents()
    assert window.size() == size and fits(window.minimumSize(), LAPTOP)
    live.shutdown()

    for spec in window.specs:  # every elided label on every page, and the status bar's busy label
        window.show_page(spec.id)
        for label in window.findChildren(ElidedLabel):
            label.setText(LONG)
        window.statusBar().showMessage(LONG)
        QApplication.processEvents()
        assert window.size() == size, (spec.id, window.size())
        assert fits(window.minimumSize(), LAPTOP), (spec.id, window.minimumSize())
        assert fits(window.pages[spec.id].minimumSizeHint(), page_room(window, window.pages[spec.id])), spec.id


def test_a_plot_hover_label_stays_whole_inside_a_small_plot(qtbot):
    """The Profiler's and Trade-offs' hover labels were cut at the plot's edge at 1280×800."""
    import pyqtgraph as pg

    from gui.widgets.plot_hover import HoverTip

    plot = pg.PlotWidget()
    qtbot.addWidget(plot)
    plot.resize(320, 200)
    plot.setXRange(0, 10, padding=0)
    plot.setYRange(0, 10, padding=0)
    plot.show()
    qtbot.waitExposed(plot)
    tip = HoverTip(plot, lambda _point: None)
    room = tip.view.sceneBoundingRect()
    wide = "features.1.conv.0.0 · depthwise · " * 4  # wider than the plot: it wraps
    for text, x, y in ((wide, 9.9, 9.9), ("features.16.conv.2 · 1.23 ms\nmore", 0.1, 0.1),
                       ("features.3 · pointwise", 9.9, 0.1), (wide, 0.1, 5.0)):
        tip.show_at(text, x, y)
        plot.grab()  # a TextItem sets its transform when it paints
        shown = tip.label.textItem.mapRectToScene(tip.label.textItem.boundingRect())
        assert room.contains(shown), (text[:20], x, y, shown, room)
        assert tip.is_shown() and tip.text == text


def test_block_chart_labels_do_not_overlap_when_the_chart_is_short(qtbot):
    """At 1280×800 the Models page's block chart is short: it labels every n-th block."""
    from engine import api
    from gui.widgets.block_chart import BlockChart

    blocks = api.model_stats("mobilenet_v2", width=0.35, resolution=96).blocks
    chart = BlockChart()
    qtbot.addWidget(chart)
    chart.set_blocks(blocks)
    chart.show()
    for height, many in ((900, False), (220, True)):
        chart.resize(300, height)
        QApplication.processEvents()
        labelled = [i for i, text in chart.plot.getAxis("left")._tickLevels[0] if text]
        gap = chart.plot.getViewBox().height() / len(blocks) * (labelled[1] - labelled[0])
        assert gap >= chart.fontMetrics().height(), (height, gap)  # no two labels overlap
        assert (chart.label_step() > 1) == many and labelled[0] == 0
        assert len(labelled) == math.ceil(len(blocks) / chart.label_step())


def test_the_layer_column_keeps_its_width_when_narrow_and_takes_the_spare_room_when_wide(qtbot):
    """Qt's Stretch mode cut layer names to "features.1.c…" and worse at 1280×800."""
    from engine import api
    from gui.widgets.layer_table import COLUMNS, LayerTableModel, LayerTableView

    model = LayerTableModel()
    model.set_rows(api.model_stats("mobilenet_v2", width=0.35, resolution=96).layers)
    view = LayerTableView(model)
    qtbot.addWidget(view)
    view.show()
    view.resize(420, 300)
    QApplication.processEvents()
    narrow = view.columnWidth(1)
    assert narrow >= view.fontMetrics().horizontalAdvance("features.1.conv.0.0")  # the name fits
    assert view.horizontalScrollBar().maximum() > 0  # the table scrolls instead
    view.resize(1600, 300)
    QApplication.processEvents()
    total = sum(view.columnWidth(c) for c in range(len(COLUMNS)))
    assert view.columnWidth(1) > narrow and total == view.viewport().width()  # no empty strip
