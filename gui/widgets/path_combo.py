"""A combo box of inference paths: every path this build knows, the unavailable ones greyed out
(not selectable) with the reason in their tooltip, so the user sees what exists and why not."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import Qt
from PySide6.QtGui import QStandardItem, QStandardItemModel
from PySide6.QtWidgets import QComboBox

from engine.api import PathStatus

__all__ = ["fill_path_combo", "path_tooltip"]


def path_tooltip(status: PathStatus) -> str:
    exact = "exact (fp32)" if status.exact else "not exact: trades accuracy for speed"
    if status.available:
        return f"{status.name}: {status.summary} · {exact}"
    return f"{status.name} is unavailable here: {status.reason}"


def fill_path_combo(combo: QComboBox, statuses: Sequence[PathStatus], first: str | None = None) -> None:
    """`first` (the default: the fastest exact path) on top, then the list's order."""
    ordered = sorted(statuses, key=lambda s: s.name != first)
    model = QStandardItemModel(combo)
    for status in ordered:
        item = QStandardItem(status.name if status.available else f"{status.name}")
        item.setData(status.name, Qt.ItemDataRole.UserRole)
        item.setToolTip(path_tooltip(status))
        if not status.available:
            item.setFlags(item.flags() & ~Qt.ItemFlag.ItemIsEnabled & ~Qt.ItemFlag.ItemIsSelectable)
        model.appendRow(item)
    combo.setModel(model)
    combo.setCurrentIndex(next((i for i, s in enumerate(ordered) if s.available), -1))
