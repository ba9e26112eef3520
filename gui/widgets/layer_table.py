"""The per-layer table: a model over `ModelStats.layers`, numeric sorting through a proxy, and
in-cell bars so the expensive layers stand out without reading every number."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Callable

from PySide6.QtCore import (
    QAbstractTableModel, QModelIndex, QPersistentModelIndex, QRect, QSortFilterProxyModel, Qt,
)
from PySide6.QtGui import QColor, QPainter, QResizeEvent
from PySide6.QtWidgets import (
    QAbstractItemView, QHeaderView, QStyle, QStyledItemDelegate, QStyleOptionViewItem, QTableView,
    QWidget,
)

from engine.api import LayerRow
from gui import formatting, theme

__all__ = ["LayerTableModel", "LayerTableView", "SORT_ROLE", "BAR_ROLE", "COLUMNS"]

SORT_ROLE = Qt.ItemDataRole.UserRole + 1  # raw number (or text) the proxy sorts by
BAR_ROLE = Qt.ItemDataRole.UserRole + 2  # 0..1: this cell's share of the column's maximum


def _numel(dims: tuple[int, ...]) -> int:
    n = 1
    for d in dims:
        n *= d
    return n


@dataclass(frozen=True)
class Column:
    title: str
    value: Callable[[int, LayerRow], Any]  # raw value: what sorting and CSV use
    text: Callable[[Any], str] = str
    numeric: bool = False
    bar_colour: str | None = None
    tooltip: str = ""


COLUMNS: tuple[Column, ...] = (
    Column("#", lambda i, r: i + 1, numeric=True, tooltip="execution order"),
    Column("Layer", lambda i, r: r.name),
    Column("Kind", lambda i, r: r.kind),
    Column("Block", lambda i, r: r.block),
    Column("Output", lambda i, r: r.output_shape, formatting.shape, tooltip="output C×H×W (batch 1)"),
    Column("MAdds", lambda i, r: r.madds, formatting.compact, True, theme.MADDS_COLOUR,
           "multiply-accumulates (convolutions and fully connected layers)"),
    Column("Params", lambda i, r: r.params, formatting.compact, True, theme.PARAMS_COLOUR,
           "trainable parameters"),
    Column("Activation", lambda i, r: r.activation_bytes, formatting.size_bytes, True,
           theme.ACTIVATION_COLOUR, "output tensor, fp32, batch 1"),
)
MADDS_COLUMN = 5
CSV_HEADER = ("index", "name", "kind", "block", "input_shape", "output_shape", "madds", "params",
              "activation_bytes")


class LayerTableModel(QAbstractTableModel):
    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self._rows: tuple[LayerRow, ...] = ()
        self._block_titles: dict[str, str] = {}
        self._block_order: dict[str, int] = {}
        self._maxima: list[float] = [0.0] * len(COLUMNS)

    def set_rows(self, rows: Sequence[LayerRow], block_titles: dict[str, str] | None = None) -> None:
        self.beginResetModel()
        self._rows = tuple(rows)
        self._block_titles = dict(block_titles or {})
        self._block_order = {}
        for r in self._rows:
            self._block_order.setdefault(r.block, len(self._block_order))
        self._maxima = [
            max((float(c.value(i, r)) for i, r in enumerate(self._rows)), default=0.0)
            if c.bar_colour else 0.0
            for c in COLUMNS
        ]
        self.endResetModel()

    def rows(self) -> tuple[LayerRow, ...]:
        return self._rows

    def csv_rows(self) -> list[tuple]:
        """Raw numbers in execution order, shapes as 1x32x112x112 (batch included)."""
        return [
            (i + 1, r.name, r.kind, r.block, "x".join(map(str, r.input_shape)),
             "x".join(map(str, r.output_shape)), r.madds, r.params, r.activation_bytes)
            for i, r in enumerate(self._rows)
        ]

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation != Qt.Orientation.Horizontal:
            return None
        column = COLUMNS[section]
        if role == Qt.ItemDataRole.DisplayRole:
            return column.title
        if role == Qt.ItemDataRole.ToolTipRole:
            return column.tooltip or None
        if role == Qt.ItemDataRole.TextAlignmentRole and column.numeric:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        row, column = self._rows[index.row()], COLUMNS[index.column()]
        value = column.value(index.row(), row)
        if role == Qt.ItemDataRole.DisplayRole:
            if column.title == "Block":
                return self._block_titles.get(value, value)
            return column.text(value)
        if role == SORT_ROLE:
            if column.title == "Block":  # network order, not 'features.10' < 'features.2'
                return self._block_order.get(value, 0)
            return _numel(value) if isinstance(value, tuple) else value
        if role == BAR_ROLE and column.bar_colour:
            top = self._maxima[index.column()]
            return float(value) / top if top else 0.0
        if role == Qt.ItemDataRole.TextAlignmentRole:
            align = Qt.AlignmentFlag.AlignRight if column.numeric else Qt.AlignmentFlag.AlignLeft
            return int(align | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.ForegroundRole and column.title == "Kind":
            return theme.kind_colour(value).darker(130)
        if role == Qt.ItemDataRole.DecorationRole and column.title == "Kind":
            return theme.kind_colour(value)
        if role == Qt.ItemDataRole.ToolTipRole:
            if column.numeric:
                return f"{column.title}: {value:,}"
            if column.title == "Block":
                return value
            if column.title in ("Layer", "Kind"):  # the full text where the column cuts it
                return column.text(value)
            if column.title == "Output":
                return f"input {formatting.shape(row.input_shape)} → output {formatting.shape(value)}"
        return None


class BarDelegate(QStyledItemDelegate):
    """Paints a rounded bar behind the number, its length the cell's share of the column max."""

    def __init__(self, colour: str, parent: QWidget | None = None):
        super().__init__(parent)
        self._colour = QColor(colour)
        self._colour.setAlpha(70)

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: QModelIndex) -> None:
        opt = QStyleOptionViewItem(option)
        self.initStyleOption(opt, index)
        text, opt.text = opt.text, ""
        style = opt.widget.style() if opt.widget else None
        if style is not None:
            style.drawControl(QStyle.ControlElement.CE_ItemViewItem, opt, painter, opt.widget)
        share = index.data(BAR_ROLE) or 0.0
        inner = opt.rect.adjusted(4, 4, -4, -4)
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        if share > 0:
            bar = QRect(inner.left(), inner.top(), max(2, round(inner.width() * share)), inner.height())
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(self._colour)
            painter.drawRoundedRect(bar, 3, 3)
        painter.setPen(opt.palette.color(opt.palette.ColorRole.Text))
        painter.drawText(inner.adjusted(0, 0, -4, 0), Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter, text)
        painter.restore()


class LayerTableView(QTableView):
    """Sortable, filterable view over a LayerTableModel."""

    def __init__(self, model: LayerTableModel, parent: QWidget | None = None):
        super().__init__(parent)
        self.proxy = QSortFilterProxyModel(self)
        self.proxy.setSourceModel(model)
        self.proxy.setSortRole(SORT_ROLE)
        self.proxy.setFilterCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.proxy.setFilterKeyColumn(-1)
        self.setModel(self.proxy)
        self.setSortingEnabled(True)
        self.sortByColumn(0, Qt.SortOrder.AscendingOrder)
        self.setAlternatingRowColors(True)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setShowGrid(False)
        self.setWordWrap(False)
        self.verticalHeader().setVisible(False)
        self.verticalHeader().setDefaultSectionSize(26)
        header = self.horizontalHeader()
        header.setHighlightSections(False)
        header.setStretchLastSection(False)
        widths = (40, 180, 118, 76, 104, 104, 92, 96)
        for column, (spec, width) in enumerate(zip(COLUMNS, widths)):
            self.setColumnWidth(column, width)
            if spec.bar_colour:
                self.setItemDelegateForColumn(column, BarDelegate(spec.bar_colour, self))
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Interactive)  # Stretch cut names to "f…"
        self._layer_width = widths[1]

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802
        """The Layer column takes the spare width but never less than its own (Qt's Stretch
        shrank it to "f…" on a laptop); when even that does not fit, the table scrolls."""
        super().resizeEvent(event)
        others = sum(self.columnWidth(c) for c in range(len(COLUMNS)) if c != 1)
        self.setColumnWidth(1, max(self._layer_width, self.viewport().width() - others))

    def select_layer(self, name: str) -> bool:
        """Select and scroll to the row of the layer called `name` (False if it is not shown)."""
        source = self.proxy.sourceModel()
        for row, layer in enumerate(source.rows()):
            if layer.name == name:
                index = self.proxy.mapFromSource(source.index(row, 0))
                if not index.isValid():
                    return False  # filtered out
                self.selectRow(index.row())
                self.scrollTo(index, QAbstractItemView.ScrollHint.PositionAtCenter)
                return True
        return False

    def column_values(self, column: int) -> list[Any]:
        """The raw values of one column in the order the view shows them (tests and exports)."""
        return [self.proxy.index(r, column).data(SORT_ROLE) for r in range(self.proxy.rowCount())]
