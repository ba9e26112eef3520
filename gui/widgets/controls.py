"""Small input widgets shared by pages: preset combos, the model picker and a model's option
check boxes (the Models page and the Profiler's controls)."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QCheckBox, QComboBox, QHBoxLayout, QLabel, QWidget

from engine.api import ModelInfo

__all__ = ["PresetCombo", "OptionChecks", "fill_model_combo", "parse_number"]


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


def fill_model_combo(combo: QComboBox, infos: Sequence[ModelInfo], separators: bool = False) -> None:
    """One item per model (data: its name, tooltip: its description); other tasks than
    classification named after the model, and a separator between tasks when asked."""
    task = None
    for info in infos:
        if separators and task is not None and info.task != task:
            combo.insertSeparator(combo.count())
        task = info.task
        combo.addItem(info.name if info.task == "classification" else f"{info.name}  · {info.task}", info.name)
        combo.setItemData(combo.count() - 1, info.description, Qt.ItemDataRole.ToolTipRole)


class OptionChecks(QWidget):
    """One check box per option of the current model (e.g. V3's minimalistic), or a note that it
    has none. `toggled` fires when the user switches one."""

    toggled = Signal()

    def __init__(self, none_text: str, parent: QWidget | None = None):
        super().__init__(parent)
        self.checks: dict[str, QCheckBox] = {}
        self.row = QHBoxLayout(self)
        self.row.setContentsMargins(0, 0, 0, 0)
        self.row.setSpacing(12)
        self.none = QLabel(none_text)
        self.none.setObjectName("cardNote")
        self.row.addWidget(self.none)
        self.row.addStretch(1)

    def set_options(self, names: Sequence[str], checked: Sequence[str] = ()) -> None:
        for box in self.checks.values():
            self.row.removeWidget(box)
            box.hide()  # gone now: deleteLater waits for the event loop (screenshots, tests run without one)
            box.deleteLater()
        self.checks.clear()
        for name in names:
            box = QCheckBox(name.replace("_", " "))
            box.setChecked(name in checked)
            box.toggled.connect(lambda _on: self.toggled.emit())
            self.row.insertWidget(self.row.count() - 1, box)  # before the stretch
            self.checks[name] = box
        self.none.setVisible(not names)

    def checked(self) -> tuple[str, ...]:
        return tuple(name for name, box in self.checks.items() if box.isChecked())
