"""The Models page's configuration row: architecture, width multiplier, resolution and the
model's options, with the model's one-line description under it. It knows each model's native
input (a detector opens at 320, LR-ASPP at 520) and which knobs apply; the page only hears
`changed` and asks for the `Request`."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from PySide6.QtCore import QSettings, Signal
from PySide6.QtWidgets import QComboBox, QGridLayout, QLabel, QVBoxLayout, QWidget

from engine import api
from gui.settings import to_list
from gui.widgets.controls import OptionChecks, PresetCombo, fill_model_combo
from gui.widgets.fit import ElidedLabel, elide_combo

__all__ = ["DEFAULT_MODEL", "ModelControls", "Request", "RESOLUTION_PRESETS", "WIDTH_PRESETS"]

WIDTH_PRESETS = ("0.35", "0.5", "0.75", "1.0", "1.3", "1.4")
RESOLUTION_PRESETS = ("96", "128", "160", "192", "224", "256", "320")
DEFAULT_MODEL = "mobilenet_v2"


@dataclass(frozen=True)
class Request:
    model: str
    width_text: str
    resolution_text: str
    options: tuple[str, ...]  # the options switched on

    def describe(self) -> str:
        extra = f" · {', '.join(self.options)}" if self.options else ""
        return f"{self.model} · width {self.width_text} · {self.resolution_text} px{extra}"


class ModelControls(QWidget):
    changed = Signal()  # the user changed the configuration (not `show_configuration`)

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        # Every task: detectors and segmenters open at their native input size (ModelInfo.input).
        self._models = {m.name: m for m in api.list_models()}
        self.model_combo = QComboBox()
        self.model_combo.setMaxVisibleItems(30)
        fill_model_combo(self.model_combo, list(self._models.values()), separators=True)
        elide_combo(self.model_combo, 24)  # its longest item alone pushed the page past 1280 px
        self._native = self._models[DEFAULT_MODEL].input.size
        self.model_combo.setCurrentIndex(max(0, self.model_combo.findData(DEFAULT_MODEL)))
        self.width_combo = PresetCombo(WIDTH_PRESETS, "1.0")
        self.resolution_combo = PresetCombo(RESOLUTION_PRESETS, "224")
        self.options = OptionChecks("none for this model")
        self.description = ElidedLabel("")
        self.description.setObjectName("cardNote")

        grid = QGridLayout()
        grid.setHorizontalSpacing(10)
        grid.setVerticalSpacing(4)
        fields = (("Architecture", self.model_combo), ("Width multiplier", self.width_combo),
                  ("Resolution (px)", self.resolution_combo), ("Options", self.options))
        for column, (caption, widget) in enumerate(fields):
            label = QLabel(caption)
            label.setObjectName("cardNote")
            grid.addWidget(label, 0, column)
            grid.addWidget(widget, 1, column)
        for column, width in enumerate((220, 130, 130)):
            grid.setColumnMinimumWidth(column, width)
        grid.setColumnStretch(len(fields), 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(grid)
        layout.addWidget(self.description)

        self.model_combo.currentIndexChanged.connect(self._on_model_changed)
        self.width_combo.committed.connect(lambda _t: self.changed.emit())
        self.resolution_combo.committed.connect(lambda _t: self.changed.emit())
        self.options.toggled.connect(lambda *_a: self.changed.emit())
        self._rebuild_options()

    def has(self, model: object) -> bool:
        return self.model_combo.findData(model) >= 0

    def request(self) -> Request:
        return Request(self.model_combo.currentData(), self.width_combo.currentText().strip(),
                       self.resolution_combo.currentText().strip(), self.options.checked())

    def show_configuration(self, model: str, width: str | None = None, resolution: str | None = None,
                           options: Sequence[str] = ()) -> None:
        """Show a configuration without `changed` (another page's, or the saved one); None keeps
        a field as it is. An unknown model keeps the current one."""
        index = self.model_combo.findData(model)
        self.model_combo.blockSignals(True)
        if index >= 0:
            self.model_combo.setCurrentIndex(index)
        self.model_combo.blockSignals(False)
        self._native = self._models[self.model_combo.currentData()].input.size
        if width is not None:
            self.width_combo.setCurrentText(width)
        if resolution is not None:
            self.resolution_combo.setCurrentText(resolution)
        self._rebuild_options(list(options))

    def _on_model_changed(self) -> None:
        native = self._models[self.model_combo.currentData()].input.size
        if native != self._native:  # e.g. classifier 224 -> SSDLite 320 -> LR-ASPP 520
            self.resolution_combo.setCurrentText(str(native))
        self._native = native
        self._rebuild_options()
        self.changed.emit()

    def _rebuild_options(self, checked: Sequence[str] = ()) -> None:
        info = self._models[self.model_combo.currentData()]
        self.options.set_options(info.options, checked)
        self.width_combo.setEnabled(info.has_width)
        self.description.setText(info.description)

    def save(self, settings: QSettings) -> None:
        req = self.request()
        settings.setValue("model", req.model)
        settings.setValue("width", req.width_text)
        settings.setValue("resolution", req.resolution_text)
        settings.setValue("options", list(req.options))

    def restore(self, settings: QSettings) -> None:
        self.show_configuration(str(settings.value("model", DEFAULT_MODEL)), str(settings.value("width", "1.0")),
                                str(settings.value("resolution", "224")), to_list(settings.value("options")))
