"""Export and copy for every chart and table, attached in one place: each pyqtgraph view gets
"Export chart as PNG…" (at a chosen width; the height keeps the chart's aspect) and "Export chart
as SVG…", both through pyqtgraph's own exporters; each table gets "Copy" (Ctrl+C: the selection,
or the whole table when nothing is selected) and "Copy table" as tab-separated text, the form a
spreadsheet pastes. Files go through gui/export.py's atomic_write. `attach_exports(root)` walks
a widget tree and is idempotent, so the window can call it on every page change and catch views
a page builds late. A view whose page explains it beside the chart (which runs, which colours)
sets that text as its CAPTION property: the exports draw it as the chart's title, so the file
says what the screen said. A chart drawn with QPainter (the Classify top-5) has no pyqtgraph scene:
it sets the PAINTED property and exports by rendering itself (PNG at the chosen width, SVG
through QtSvg), with the same actions."""

from __future__ import annotations

import sys
from collections.abc import Callable
from contextlib import contextmanager
from pathlib import Path

import pyqtgraph as pg
import pyqtgraph.exporters  # noqa: F401  (pg.exporters is not imported by pyqtgraph itself)
from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QPoint, Qt
from PySide6.QtGui import QAction, QColor, QGuiApplication, QImage, QKeySequence, QPainter
from PySide6.QtSvg import QSvgGenerator
from PySide6.QtWidgets import QFileDialog, QInputDialog, QTableView, QWidget

from gui import theme
from gui.export import atomic_write

__all__ = ["attach_exports", "ask_chart", "export_png", "export_svg", "save_chart", "table_tsv", "copy_table",
           "CAPTION", "PAINTED", "MAX_PNG_WIDTH"]

MAX_PNG_WIDTH = 16384  # QImage's practical limit; a larger request is refused in the dialog
CAPTION = "studio_export_caption"  # a view's property: rich text drawn as its title in exports only
PAINTED = "studio_painted_chart"  # a QPainter chart's property: it exports by rendering itself
_ATTACHED = "studio_exports_attached"
Report = Callable[[str], None]


def _source(view: pg.GraphicsView):
    """What to export: the view's central item (a PlotWidget's PlotItem, a layout widget's
    GraphicsLayout), else its whole scene."""
    return getattr(view, "centralWidget", None) or view.scene()


def chart_size(view: QWidget) -> tuple[int, int]:
    """The chart's size on screen, in pixels (the PNG's default)."""
    if not isinstance(view, pg.GraphicsView):
        return view.width(), view.height()
    rect = pg.exporters.ImageExporter(_source(view)).getTargetRect()
    return int(rect.width()), int(rect.height())


def export_png(view: QWidget, path: str | Path, width: int | None = None) -> Path:
    """The chart as a PNG `width` pixels wide (default: as on screen), aspect kept."""
    if not isinstance(view, pg.GraphicsView):
        image = _rendered(view, width)
    else:
        with _captioned(view):
            exporter = pg.exporters.ImageExporter(_source(view))
            if width:
                exporter.parameters()["width"] = int(width)  # pyqtgraph derives the height from the aspect
            image = exporter.export(toBytes=True)

    def save(tmp: str) -> None:
        if not image.save(tmp, "PNG"):
            raise OSError(f"could not write a PNG to {path}")

    return atomic_write(path, save)


def export_svg(view: QWidget, path: str | Path) -> Path:
    """The chart as SVG: vector lines and text, for papers and slides."""
    if not isinstance(view, pg.GraphicsView):
        data = _rendered_svg(view)
    else:
        with _captioned(view), _closed_paths_tolerated():
            data = pg.exporters.SVGExporter(_source(view)).export(toBytes=True)
    return atomic_write(path, lambda tmp: Path(tmp).write_bytes(data))


def _rendered(widget: QWidget, width: int | None) -> QImage:
    """A painted chart drawn again at `width` pixels (text and bars stay sharp: the painter scales)."""
    w, h = widget.width(), widget.height()
    width = int(width or w)
    image = QImage(width, int(width * h / w), QImage.Format.Format_ARGB32)
    image.fill(QColor(theme.SURFACE))
    painter = QPainter(image)
    painter.scale(width / w, width / w)
    widget.render(painter, QPoint())
    painter.end()
    return image


def _rendered_svg(widget: QWidget) -> bytes:
    buffer = QBuffer()
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    generator = QSvgGenerator()
    generator.setOutputDevice(buffer)
    generator.setSize(widget.size())
    generator.setViewBox(widget.rect())
    generator.setTitle(widget.accessibleName() or widget.toolTip() or "chart")
    painter = QPainter(generator)
    widget.render(painter, QPoint())
    painter.end()
    return bytes(QByteArray(buffer.data()))


@contextmanager
def _captioned(view: pg.GraphicsView):
    """For one export: the view's CAPTION as its plot's title, as tall as its lines need, the
    view that much taller so the plot keeps its size on screen; all put back after."""
    caption = view.property(CAPTION)
    plot = view.getPlotItem() if isinstance(view, pg.PlotWidget) else None
    if not caption or plot is None:
        yield
        return
    label, size = plot.titleLabel, view.size()
    before = label.text if label.isVisible() else None
    plot.setTitle(caption, size="9pt")
    height = int(label.item.boundingRect().height()) + 4
    label.setMaximumHeight(height)
    plot.layout.setRowFixedHeight(0, height)
    view.resize(size.width(), size.height() + height)
    plot.layout.activate()
    try:
        yield
    finally:
        plot.setTitle(before)
        view.resize(size)
        plot.layout.activate()


@contextmanager
def _closed_paths_tolerated():
    """pyqtgraph 0.14.0's SVG exporter reads every path token as "x,y", but Qt >= 6.10 closes
    rectangles (a ViewBox's background) with a bare "Z" and the export fails (pyqtgraph issue
    #3495, fixed after 0.14.0). For the length of one export, hide the "Z" tokens from its
    coordinate pass and put them back after it; without a "Z" the wrapper changes nothing."""
    module = sys.modules["pyqtgraph.exporters.SVGExporter"]
    original = module.correctCoordinates

    def correct(node, defs, item, options):
        closed = []
        for element in node.getElementsByTagName("path"):
            tokens = element.getAttribute("d").split()
            if "Z" in tokens or "z" in tokens:
                closed.append(element)
                element.setAttribute("d", " ".join(t for t in tokens if t not in ("Z", "z")))
        result = original(node, defs, item, options)
        for element in closed:
            element.setAttribute("d", element.getAttribute("d").rstrip() + " Z")
        return result

    module.correctCoordinates = correct
    try:
        yield
    finally:
        module.correctCoordinates = original


def table_tsv(table: QTableView, selection_only: bool = False) -> str:
    """Visible cells as tab-separated lines. The whole table starts with its header row; a
    selection is its bounding rectangle, without header."""
    model = table.model()
    rows = [r for r in range(model.rowCount()) if not table.isRowHidden(r)]
    cols = [c for c in range(model.columnCount()) if not table.isColumnHidden(c)]
    lines: list[list[str]] = []
    if selection_only and table.selectionModel() and table.selectionModel().hasSelection():
        picked = table.selectionModel().selectedIndexes()
        rset, cset = {i.row() for i in picked}, {i.column() for i in picked}
        rows, cols = [r for r in rows if r in rset], [c for c in cols if c in cset]
    else:
        lines.append([_clean(model.headerData(c, Qt.Orientation.Horizontal)) for c in cols])
    for r in rows:
        lines.append([_clean(model.data(model.index(r, c))) for c in cols])
    return "\n".join("\t".join(cells) for cells in lines)


def _clean(value: object) -> str:
    """One cell: tabs and newlines would break the rows and columns apart."""
    text = "" if value is None else str(value)
    return text.replace("\t", " ").replace("\r", " ").replace("\n", " ")


def copy_table(table: QTableView, selection_only: bool = False) -> str:
    text = table_tsv(table, selection_only)
    QGuiApplication.clipboard().setText(text)
    return text


def attach_exports(root: QWidget, report: Report | None = None, name: str = "chart") -> int:
    """Give every pyqtgraph view and table under `root` (root included) its export or copy
    actions, once. `report` gets a one-line message (saved where, or why not). Returns how many
    widgets were new."""
    found = 0
    widgets = [root, *root.findChildren(QWidget)]
    for widget in widgets:
        if widget.property(_ATTACHED):
            continue
        if isinstance(widget, pg.GraphicsView) or widget.property(PAINTED):
            _attach_chart(widget, report or (lambda _m: None), name)
        elif isinstance(widget, QTableView):
            _attach_table(widget, report or (lambda _m: None))
        else:
            continue
        widget.setProperty(_ATTACHED, True)
        found += 1
    return found


def _attach_chart(view: QWidget, report: Report, name: str) -> None:
    png = QAction("Export chart as PNG…", view)
    png.setToolTip("Save this chart as a PNG image at a width you choose")
    png.triggered.connect(lambda: ask_png(view, report, name))
    svg = QAction("Export chart as SVG…", view)
    svg.setToolTip("Save this chart as an SVG vector image")
    svg.triggered.connect(lambda: ask_svg(view, report, name))
    view.addActions([png, svg])
    view.setContextMenuPolicy(Qt.ContextMenuPolicy.ActionsContextMenu)


def _attach_table(table: QTableView, report: Report) -> None:
    copy = QAction("Copy", table)
    copy.setShortcut(QKeySequence(QKeySequence.StandardKey.Copy))
    copy.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
    copy.setProperty("shortcut_scope", "Any table")  # the shortcut sheet lists it once, so
    copy.setToolTip("Copy the selected cells (or the whole table) as tab-separated text")
    copy.triggered.connect(lambda: report(_copied(copy_table(table, selection_only=True))))
    whole = QAction("Copy table (TSV)", table)
    whole.setToolTip("Copy every cell, with the header row, as tab-separated text")
    whole.triggered.connect(lambda: report(_copied(copy_table(table))))
    table.addActions([copy, whole])
    table.setContextMenuPolicy(Qt.ContextMenuPolicy.ActionsContextMenu)


def _copied(text: str) -> str:
    rows = text.count("\n") + 1 if text else 0
    return f"Copied {rows} row{'s' if rows != 1 else ''} as tab-separated text"


def save_chart(view: QWidget, path: str | Path, width: int | None = None) -> Path:
    """SVG when `path` ends in .svg, else PNG (`width` pixels wide; default as on screen)."""
    if str(path).lower().endswith(".svg"):
        return export_svg(view, path)
    return export_png(view, path, width)


def _ask_width(view: QWidget) -> int | None:
    width, height = chart_size(view)
    chosen, ok = QInputDialog.getInt(view, "Export chart as PNG",
                                     f"Width in pixels (on screen {width} × {height}; the height keeps the aspect):",
                                     max(width * 2, 16), 16, MAX_PNG_WIDTH, 100)
    return chosen if ok else None


def ask_png(view: QWidget, report: Report, name: str = "chart") -> str | None:
    chosen = _ask_width(view)
    if chosen is None:
        return None
    return _ask_path(view, report, f"{name}.png", "PNG images (*.png)", lambda p: export_png(view, p, chosen))


def ask_chart(view: QWidget, report: Report, name: str = "chart") -> str | None:
    """A page toolbar's "Export chart…": the file dialog offers PNG and SVG; a PNG then asks
    its width."""
    path, chosen = QFileDialog.getSaveFileName(view, "Export chart", f"{name}.png",
                                               "PNG images (*.png);;SVG images (*.svg)")
    if not path:
        return None
    if chosen.startswith("SVG") and not path.lower().endswith(".svg"):
        path += ".svg"
    width = None
    if not path.lower().endswith(".svg"):
        width = _ask_width(view)
        if width is None:
            return None
    return _export_reporting(report, path, lambda p: save_chart(view, p, width))


def ask_svg(view: QWidget, report: Report, name: str = "chart") -> str | None:
    return _ask_path(view, report, f"{name}.svg", "SVG images (*.svg)", lambda p: export_svg(view, p))


def _ask_path(parent: QWidget, report: Report, default: str, pattern: str, export) -> str | None:
    path, _ = QFileDialog.getSaveFileName(parent, "Export chart", default, pattern)
    if not path:
        return None
    return _export_reporting(report, path, export)


def _export_reporting(report: Report, path: str, export) -> str | None:
    try:
        export(path)
    except OSError as exc:
        report(f"could not export to {path}: {exc.strerror or exc}")
        return None
    report(f"Saved {path}")
    return path
