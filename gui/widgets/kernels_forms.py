"""The Kernels page's size forms: model experiments (model, width, resolution, threads,
repeats) and the symmetric convolution (grid, odd operator, velocity model, methods). The page
hands in the choices (models, velocity models, methods); values go back unchecked, to be
validated where the error the page shows is worded."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QCheckBox, QComboBox, QGridLayout, QHBoxLayout, QLabel, QSpinBox, QWidget

from gui.settings import to_list
from gui.widgets.controls import PresetCombo, parse_number

__all__ = ["ModelForm", "SymconvForm", "DEFAULTS"]

WIDTHS = ("0.35", "0.5", "0.75", "1.0", "1.4")
RESOLUTIONS = ("96", "128", "160", "192", "224")
# Small on purpose: a first run takes a few seconds on a loaded two-core machine.
DEFAULT_MODEL = {"separable": "mobilenet_v1", "activations": "mobilenet_v3_large"}
DEFAULTS = {"resolution": "160", "width": "1.0", "threads": 1, "repeats": 3, "ny": 128, "nx": 128,
            "op_size": 19, "velocity": "layered"}


class ModelForm(QWidget):
    """Model, width, resolution, threads, repeats: the shared sizes of the torch experiments."""

    def __init__(self, kind: str, models: Sequence[str]):
        super().__init__()
        self.model = QComboBox()
        for name in models:
            self.model.addItem(name, name)
        self.model.setCurrentIndex(max(0, self.model.findData(DEFAULT_MODEL[kind])))
        self.width = PresetCombo(WIDTHS, DEFAULTS["width"])
        self.resolution = PresetCombo(RESOLUTIONS, DEFAULTS["resolution"])
        self.threads = _spin(1, 64, DEFAULTS["threads"])
        self.repeats = _spin(1, 100, DEFAULTS["repeats"])
        _grid(self, (("Model", self.model), ("Width", self.width), ("Resolution (px)", self.resolution),
                     ("Threads", self.threads), ("Repeats (median)", self.repeats)))

    def values(self) -> dict:
        return {"model": self.model.currentData(), "width": parse_number(self.width.currentText()),
                "resolution": parse_number(self.resolution.currentText()), "threads": self.threads.value(),
                "repeats": self.repeats.value()}

    def save(self, s: QSettings, prefix: str) -> None:
        for key, value in (("model", self.model.currentData()), ("width", self.width.currentText()),
                           ("resolution", self.resolution.currentText()), ("threads", self.threads.value()),
                           ("repeats", self.repeats.value())):
            s.setValue(f"{prefix}/{key}", value)

    def restore(self, s: QSettings, prefix: str) -> None:
        index = self.model.findData(s.value(f"{prefix}/model"))
        if index >= 0:
            self.model.setCurrentIndex(index)
        self.width.setCurrentText(str(s.value(f"{prefix}/width", DEFAULTS["width"])))
        self.resolution.setCurrentText(str(s.value(f"{prefix}/resolution", DEFAULTS["resolution"])))
        self.threads.setValue(int(s.value(f"{prefix}/threads", DEFAULTS["threads"])))
        self.repeats.setValue(int(s.value(f"{prefix}/repeats", DEFAULTS["repeats"])))


class SymconvForm(QWidget):
    def __init__(self, velocity_models: Sequence[str], methods: Sequence[str]):
        super().__init__()
        self._velocity_models = tuple(velocity_models)
        self.ny = _spin(1, 4096, DEFAULTS["ny"])
        self.nx = _spin(1, 4096, DEFAULTS["nx"])
        self.op_size = _spin(1, 101, DEFAULTS["op_size"])
        self.op_size.setToolTip("odd operator length (e.g. 19, 25)")
        self.velocity = QComboBox()
        self.velocity.addItems(list(velocity_models))
        self.velocity.setCurrentText(DEFAULTS["velocity"])
        self.repeats = _spin(1, 100, DEFAULTS["repeats"])
        method_row = QWidget()
        box = QHBoxLayout(method_row)
        box.setContentsMargins(0, 0, 0, 0)
        self.methods: dict[str, QCheckBox] = {}
        for method in methods:
            check = QCheckBox(method)
            check.setChecked(True)
            box.addWidget(check)
            self.methods[method] = check
        _grid(self, (("Grid ny", self.ny), ("Grid nx", self.nx), ("Operator (odd)", self.op_size),
                     ("Velocity model", self.velocity), ("Repeats (median)", self.repeats), ("Methods", method_row)))

    def values(self) -> dict:
        return {"ny": self.ny.value(), "nx": self.nx.value(), "op_size": self.op_size.value(),
                "velocity": self.velocity.currentText(), "repeats": self.repeats.value(),
                "methods": tuple(m for m, c in self.methods.items() if c.isChecked())}

    def save(self, s: QSettings, prefix: str) -> None:
        v = self.values()
        for key in ("ny", "nx", "op_size", "velocity", "repeats"):
            s.setValue(f"{prefix}/{key}", v[key])
        s.setValue(f"{prefix}/methods", list(v["methods"]))

    def restore(self, s: QSettings, prefix: str) -> None:
        for key in ("ny", "nx", "op_size", "repeats"):
            getattr(self, key).setValue(int(s.value(f"{prefix}/{key}", DEFAULTS[key])))
        velocity = str(s.value(f"{prefix}/velocity", DEFAULTS["velocity"]))
        if velocity in self._velocity_models:
            self.velocity.setCurrentText(velocity)
        chosen = s.value(f"{prefix}/methods")
        if chosen is not None:
            chosen = to_list(chosen)
            for method, check in self.methods.items():
                check.setChecked(method in chosen)


def _spin(lo: int, hi: int, value: int) -> QSpinBox:
    spin = QSpinBox()
    spin.setRange(lo, hi)
    spin.setValue(value)
    spin.setMinimumWidth(80)
    return spin


def _grid(parent: QWidget, fields) -> None:
    grid = QGridLayout(parent)
    grid.setContentsMargins(0, 0, 0, 0)
    grid.setHorizontalSpacing(10)
    grid.setVerticalSpacing(4)
    for column, (caption, widget) in enumerate(fields):
        label = QLabel(caption)
        label.setObjectName("cardNote")
        grid.addWidget(label, 0, column)
        grid.addWidget(widget, 1, column)
    grid.setColumnStretch(len(fields), 1)
