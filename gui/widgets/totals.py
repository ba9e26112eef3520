"""The totals row (MAdds, parameters, two peak-activation figures) and the table of published
numbers for the same configuration, so our count and the papers' sit side by side."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView, QFrame, QHBoxLayout, QHeaderView, QLabel, QStackedLayout, QTableWidget,
    QTableWidgetItem, QVBoxLayout, QWidget,
)

from engine.api import ModelStats, PublishedRow
from gui import formatting

__all__ = ["StatCard", "TotalsRow", "PublishedTable"]


class StatCard(QFrame):
    def __init__(self, caption: str, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("card")
        self.caption = QLabel(caption)
        self.caption.setObjectName("cardCaption")
        self.caption.setWordWrap(True)  # four long captions side by side were wider than a laptop
        self.value = QLabel("—")
        self.value.setObjectName("cardValue")
        self.value.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.note = QLabel("")
        self.note.setObjectName("cardNote")
        self.note.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(16, 12, 16, 12)
        layout.setSpacing(2)
        for label in (self.caption, self.value, self.note):
            layout.addWidget(label)
        layout.addStretch(1)

    def show_value(self, text: str, note: str, exact: str) -> None:
        self.value.setText(text)
        self.note.setText(note)
        self.setToolTip(exact)


def _reference(published: Sequence[PublishedRow]) -> PublishedRow | None:
    """The row to compare against on the cards: the paper's own if there is one."""
    papers = [r for r in published if r.source_kind == "paper"]
    return (papers or list(published) or [None])[0]


class TotalsRow(QWidget):
    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.madds = StatCard("MAdds")
        self.params = StatCard("Parameters")
        self.eager = StatCard("Peak activations · eager fp32")
        self.table3 = StatCard("Peak activations · Table 3")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(12)
        for card in (self.madds, self.params, self.eager, self.table3):
            layout.addWidget(card, 1)

    def set_stats(self, stats: ModelStats) -> None:
        ref = _reference(stats.published)

        def compared(ours: float, theirs: float | None, decimals: int) -> str:
            if ref is None or theirs is None:
                return "no published figure for this configuration"
            return (f"published {theirs:.{decimals}f} M ({formatting.signed_percent(ours / 1e6, theirs)})"
                    f" · {ref.source}, {ref.table}")

        self.madds.show_value(formatting.millions(stats.madds, 1),
                              compared(stats.madds, ref and ref.madds_millions, 0),
                              f"{stats.madds:,} multiply-accumulates")
        self.params.show_value(formatting.millions(stats.params, 2),
                               compared(stats.params, ref and ref.params_millions, 2),
                               f"{stats.params:,} trainable parameters")
        self.eager.show_value(formatting.size_bytes(stats.peak_activation_bytes),
                              "tensors alive at once in one forward pass, batch 1",
                              f"{stats.peak_activation_bytes:,} bytes: the largest set of activations alive at once "
                              "while eager PyTorch runs the model (weights never counted)")
        t3 = stats.table3
        self.table3.show_value(formatting.size_bytes(t3.bytes),
                               f"largest tensor, {t3.elements:,} values at 16 bits (V2 paper)",
                               f"{t3.bytes:,} bytes: the largest materialised tensor at 16 bits per value, the "
                               "convention of the MobileNetV2 paper's Table 3")


class PublishedTable(QWidget):
    HEADER = ("Source", "MAdds", "Params", "Top-1 %")

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.table = QTableWidget(0, len(self.HEADER))
        self.table.setHorizontalHeaderLabels(self.HEADER)
        self.table.verticalHeader().setVisible(False)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.table.setShowGrid(False)
        self.table.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.table.verticalHeader().setDefaultSectionSize(24)
        self.table.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.table.setWordWrap(False)
        self.empty = QLabel("The papers publish no figures for this configuration.")
        self.empty.setObjectName("cardNote")
        self.empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty.setWordWrap(True)
        self._stack = QStackedLayout(self)
        self._stack.addWidget(self.table)
        self._stack.addWidget(self.empty)

    def set_rows(self, rows: Sequence[PublishedRow]) -> None:
        self.table.setRowCount(len(rows))
        for r, row in enumerate(rows):
            cells = (
                f"{row.source.replace(';', ', ')} · {row.table}",
                "—" if row.madds_millions is None else f"{row.madds_millions:g} M",
                "—" if row.params_millions is None else f"{row.params_millions:g} M",
                "—" if row.top1 is None else f"{row.top1:g}",
            )
            for c, text in enumerate(cells):
                item = QTableWidgetItem(text)
                item.setToolTip(f"{row.source} · {row.table}\n{row.notes}".strip())
                if c >= 1:
                    item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                self.table.setItem(r, c, item)
        self._stack.setCurrentWidget(self.table if rows else self.empty)
