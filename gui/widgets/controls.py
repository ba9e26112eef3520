"""Small input widgets shared by pages."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QComboBox, QWidget

__all__ = ["PresetCombo", "parse_number"]


def parse_number(text: str) -> int | float | str:
    """The user's text as the number it spells, or the text itself when it spells none.

    No range or type rules here on purpose: the api validates and words the error, so the
    GUI and the CLI reject exactly the same inputs with the same message."""
    stripped = text.strip()
    for convert in (int, float):
        try:
            return convert(stripped)
        except ValueError:
            pass
    return stripped


class PresetCombo(QComboBox):
    """An editable combo: pick a preset or type any value. `committed` fires when the user
    picks a preset, presses Enter or leaves the field."""

    committed = Signal(str)

    def __init__(self, presets: Sequence[str], default: str, parent: QWidget | None = None):
        super().__init__(parent)
        self.setEditable(True)
        self.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        self.addItems(list(presets))
        self.setCurrentText(default)
        self.setMinimumContentsLength(6)
        self.activated.connect(lambda _i: self.committed.emit(self.currentText()))
        self.lineEdit().editingFinished.connect(lambda: self.committed.emit(self.currentText()))
