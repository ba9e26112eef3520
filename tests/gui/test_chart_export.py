"""Charts export as PNG (at the chosen width) and SVG through pyqtgraph's exporters, tables copy
as TSV; both reachable from every chart and table of the window."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import numpy as np
import pyqtgraph as pg
import pytest
from PySide6.QtCore import QItemSelectionModel, Qt
from PySide6.QtGui import QGuiApplication, QImage
from PySide6.QtWidgets import QFileDialog, QInputDialog, QTableView, QTableWidget, QTableWidgetItem

from gui.chart_export import attach_exports, chart_size, copy_table, export_png, export_svg

SVG = "{http://www.w3.org/2000/svg}"


@pytest.fixture
def plot(qtbot):
    from gui.app import make_app

    make_app()
    widget = pg.PlotWidget()
    widget.resize(400, 300)
    widget.setLabel("bottom", "MAdds (millions)")
    widget.plot(np.arange(10.0), np.arange(10.0) ** 2, name="squares")
    qtbot.addWidget(widget)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


def test_png_has_the_chosen_width_and_the_chart_aspect(plot, tmp_path):
    width, height = chart_size(plot)
    path = export_png(plot, tmp_path / "chart.png", width=1234)
    image = QImage(str(path))
    assert (image.width(), image.height()) == (1234, int(1234 * height / width))
    assert [p.name for p in tmp_path.iterdir()] == ["chart.png"]  # no temporary left behind


def test_svg_parses_and_holds_the_plot_items(plot, tmp_path):
    root = ET.parse(export_svg(plot, tmp_path / "chart.svg")).getroot()
    assert root.tag == f"{SVG}svg"
    texts = "".join("".join(t.itertext()) for t in root.iter(f"{SVG}text"))
    assert "MAdds (millions)" in texts
    assert len(list(root.iter(f"{SVG}path"))) >= 2  # the curve and the axes


def test_failed_png_leaves_nothing(plot, tmp_path):
    folder = tmp_path / "a_file"
    folder.write_text("not a folder")
    with pytest.raises(OSError):
        export_png(plot, folder / "chart.png", width=200)
    assert [p.name for p in tmp_path.iterdir()] == ["a_file"]


def _table(qtbot) -> QTableWidget:
    table = QTableWidget(3, 2)
    table.setHorizontalHeaderLabels(["Layer", "MAdds"])
    cells = [["conv\t1", "10"], ["block 2", "20"], ["fc", "3"]]
    for r, row in enumerate(cells):
        for c, text in enumerate(row):
            table.setItem(r, c, QTableWidgetItem(text))
    qtbot.addWidget(table)
    return table


def test_table_copies_as_tsv(qtbot):
    table = _table(qtbot)
    text = copy_table(table)
    assert QGuiApplication.clipboard().text() == text
    expected = [["Layer", "MAdds"]] + [[table.item(r, c).text().replace("\t", " ") for c in range(2)]
                                       for r in range(3)]
    assert [line.split("\t") for line in text.split("\n")] == expected


def test_ctrl_c_copies_the_selection(qtbot):
    table = _table(qtbot)
    attach_exports(table)
    table.show()
    qtbot.waitExposed(table)
    selection = table.selectionModel()
    for r in (1, 2):
        selection.select(table.model().index(r, 1), QItemSelectionModel.SelectionFlag.Select)
    table.setFocus()
    table.activateWindow()
    qtbot.waitUntil(table.isActiveWindow, timeout=5000)
    QGuiApplication.clipboard().clear()
    qtbot.keyClick(table, Qt.Key.Key_C, Qt.KeyboardModifier.ControlModifier)
    assert QGuiApplication.clipboard().text() == "20\n3"
    assert [a.text() for a in table.actions()] == ["Copy", "Copy table (TSV)"]


def test_every_chart_and_table_in_the_window_exports(open_window, preset, qtbot, tmp_path, monkeypatch):
    """Visit every page: each pyqtgraph view offers PNG and SVG, each table Copy; the Trade-offs
    plot goes through the context-menu action to a PNG of the width asked for."""
    preset()
    window = open_window()
    for spec in window.specs:
        window.show_page(spec.id)
        page = window.pages[spec.id]
        for view in page.findChildren(pg.GraphicsView):
            assert [a.text() for a in view.actions()][-2:] == ["Export chart as PNG…", "Export chart as SVG…"], \
                f"{spec.id}: {type(view).__name__}"
            assert view.contextMenuPolicy() == Qt.ContextMenuPolicy.ActionsContextMenu
        for table in page.findChildren(QTableView):
            assert "Copy table (TSV)" in [a.text() for a in table.actions()], f"{spec.id}: {type(table).__name__}"

    window.show_page("tradeoffs")
    plot = window.pages["tradeoffs"].findChildren(pg.PlotWidget)[0]
    target = tmp_path / "tradeoffs.png"
    monkeypatch.setattr(QInputDialog, "getInt", lambda *a, **k: (900, True))
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(target), "PNG images (*.png)"))
    next(a for a in plot.actions() if a.text() == "Export chart as PNG…").trigger()
    assert QImage(str(target)).width() == 900
    assert window.statusBar().currentMessage() == f"Saved {target}"

    window.show_page("models")
    table = window.pages["models"].findChildren(QTableView)[0]
    next(a for a in table.actions() if a.text() == "Copy table (TSV)").trigger()
    lines = QGuiApplication.clipboard().text().split("\n")
    model = table.model()
    visible = [c for c in range(model.columnCount()) if not table.isColumnHidden(c)]
    assert lines[1].split("\t") == [str(model.data(model.index(0, c)) or "") for c in visible]
    assert len(lines) == 1 + model.rowCount()


def test_toolbar_export_offers_png_at_a_width_and_svg(plot, tmp_path, monkeypatch):
    from gui.chart_export import ask_chart

    messages: list[str] = []
    answers = iter([(str(tmp_path / "picked"), "SVG images (*.svg)"), (str(tmp_path / "wide.png"), "PNG images (*.png)")])
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: next(answers))
    monkeypatch.setattr(QInputDialog, "getInt", lambda *a, **k: (640, True))
    assert ask_chart(plot, messages.append) == str(tmp_path / "picked.svg")
    assert ET.parse(tmp_path / "picked.svg").getroot().tag == f"{SVG}svg"
    assert ask_chart(plot, messages.append) == str(tmp_path / "wide.png")
    assert QImage(str(tmp_path / "wide.png")).width() == 640
    assert messages == [f"Saved {tmp_path / 'picked.svg'}", f"Saved {tmp_path / 'wide.png'}"]
