"""The Models page's comparison: a pinned configuration beside the one shown, block by block
(MAdds, parameters, activation memory) with the difference, like the Profiler's pinned overlay.
The rows are plain data (`compare_rows`), so the numbers are testable without the table."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QLabel, QTableWidget, QTableWidgetItem, QVBoxLayout, QWidget

from engine.api import BlockRow, ModelStats
from gui import formatting

__all__ = ["METRICS", "CompareRow", "compare_rows", "BlockCompare", "VALUE_ROLE"]

METRICS = (("madds", "MAdds"), ("params", "Params"), ("activation_bytes", "Memory"))
VALUE_ROLE = Qt.ItemDataRole.UserRole  # the exact integer behind each cell's text


@dataclass(frozen=True)
class CompareRow:
    name: str
    title: str
    pinned: dict[str, int | None]  # metric -> value (None: the block is not in that configuration)
    current: dict[str, int | None]

    def difference(self, metric: str) -> int | None:
        a, b = self.pinned[metric], self.current[metric]
        return None if a is None or b is None else b - a


def _values(block: BlockRow | None) -> dict[str, int | None]:
    return {key: (getattr(block, key) if block is not None else None) for key, _ in METRICS}


def compare_rows(pinned: Sequence[BlockRow], current: Sequence[BlockRow]) -> list[CompareRow]:
    """Blocks matched by name, in the current configuration's order, then the pinned one's extras."""
    by_name = {b.name: b for b in pinned}
    rows = [CompareRow(b.name, b.title, _values(by_name.get(b.name)), _values(b)) for b in current]
    seen = {b.name for b in current}
    rows += [CompareRow(b.name, b.title, _values(b), _values(None)) for b in pinned if b.name not in seen]
    return rows


def _text(metric: str, value: int | None, signed: bool = False) -> str:
    if value is None:
        return "—"
    sign = "+" if signed and value > 0 else ("−" if signed and value < 0 else "")
    magnitude = abs(value) if signed else value
    return sign + (formatting.size_bytes(magnitude) if metric == "activation_bytes" else formatting.compact(magnitude))


class BlockCompare(QWidget):
    """A caption naming both configurations and a table: per metric pinned, shown and Δ."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.caption = QLabel("")
        self.caption.setObjectName("cardNote")
        self.caption.setWordWrap(True)
        self.caption.setTextFormat(Qt.TextFormat.RichText)
        self.table = QTableWidget(0, 1 + 3 * len(METRICS))
        headers = ["Block"]
        for _key, title in METRICS:
            headers += [f"{title} pinned", f"{title} shown", f"Δ {title}"]
        self.table.setHorizontalHeaderLabels(headers)
        self.table.verticalHeader().setVisible(False)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.caption)
        layout.addWidget(self.table, 1)
        self.rows: list[CompareRow] = []

    def set_stats(self, pinned_label: str, pinned: ModelStats, shown_label: str, shown: ModelStats) -> None:
        self.rows = compare_rows(pinned.blocks, shown.blocks)
        total = CompareRow("total", "Total",
                           {"madds": pinned.madds, "params": pinned.params,
                            "activation_bytes": pinned.peak_activation_bytes},
                           {"madds": shown.madds, "params": shown.params,
                            "activation_bytes": shown.peak_activation_bytes})
        self.caption.setText(f"Pinned: <b>{pinned_label}</b> · shown: <b>{shown_label}</b> · Δ = shown − pinned "
                             f"(the Total row's memory is the eager peak)")
        self.table.setRowCount(len(self.rows) + 1)
        for r, row in enumerate([*self.rows, total]):
            self.table.setItem(r, 0, QTableWidgetItem(row.title))
            for m, (key, _title) in enumerate(METRICS):
                for c, (value, signed) in enumerate(((row.pinned[key], False), (row.current[key], False),
                                                     (row.difference(key), True))):
                    item = QTableWidgetItem(_text(key, value, signed))
                    item.setData(VALUE_ROLE, value)
                    item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                    self.table.setItem(r, 1 + 3 * m + c, item)
