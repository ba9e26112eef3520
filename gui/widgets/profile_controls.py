"""The Profiler's configuration panel: model, width, resolution, options, batch, threads, memory
format, device, inference path and repeats, read back as one `ProfileRequest`.

Values are passed on as typed (numbers parsed, nothing range-checked here), so the GUI rejects
exactly what `profile` on the CLI rejects, with the same message. The page hands in the model
catalog, the inference paths and the devices as plain data."""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass

from PySide6.QtCore import QSettings, Signal
from PySide6.QtWidgets import QComboBox, QGridLayout, QHBoxLayout, QLabel, QSpinBox, QWidget

from engine.api import ModelInfo, PathStatus
from gui.settings import to_list
from gui.widgets.fit import elide_combo
from gui.widgets.controls import OptionChecks, PresetCombo, fill_model_combo, parse_number
from gui.widgets.path_combo import fill_path_combo

__all__ = ["ProfileControls", "ProfileRequest"]

WIDTH_PRESETS = ("0.35", "0.5", "0.75", "1.0", "1.3", "1.4")
RESOLUTION_PRESETS = ("96", "128", "160", "192", "224", "256", "320")
MEMORY_FORMATS = ("contiguous", "channels_last")
DEFAULT_MODEL = "mobilenet_v3_large"
FIELDS_PER_ROW = 5


@dataclass(frozen=True)
class ProfileRequest:
    model: str
    width_text: str = "1.0"
    resolution_text: str = "224"
    options: tuple[str, ...] = ()
    batch: int = 1
    threads: int = 2
    memory_format: str = "contiguous"
    device: str = "cpu"
    path: str = "reference"
    repeats: int = 30

    @property
    def width(self) -> int | float | str:
        return parse_number(self.width_text)

    @property
    def resolution(self) -> int | float | str:
        return parse_number(self.resolution_text)

    def kwargs(self) -> dict:
        """Keyword arguments for api.profile_model."""
        return dict(width=self.width, resolution=self.resolution, batch=self.batch, threads=self.threads,
                    repeats=self.repeats, device=self.device, channels_last=self.memory_format == "channels_last",
                    path=self.path, **{name: True for name in self.options})

    def short(self) -> str:
        extra = f" · {', '.join(self.options)}" if self.options else ""
        return f"{self.model} {self.width_text} · {self.resolution_text} px{extra}"

    def describe(self) -> str:
        threads = "1 thread" if self.threads == 1 else f"{self.threads} threads"
        return (f"{self.short()} · batch {self.batch} · {threads} · {self.memory_format} · "
                f"{self.device} · {self.path}")


def _spin(lo: int, hi: int, value: int, tip: str) -> QSpinBox:
    box = QSpinBox()
    box.setRange(lo, hi)
    box.setValue(value)
    box.setToolTip(tip)
    box.setMinimumWidth(70)
    return box


class ProfileControls(QWidget):
    changed = Signal()

    def __init__(self, models: Sequence[ModelInfo], paths: Sequence[str] | Sequence[PathStatus],
                 devices: Sequence[str], parent: QWidget | None = None):
        """paths: the inference paths (names, or PathStatus: unavailable ones greyed out with
        their reason), the default (the fastest exact one) first; devices: what this machine has
        ("cpu", and "cuda" when torch sees a GPU)."""
        super().__init__(parent)
        infos = sorted(models, key=lambda m: m.task != "classification")  # stable: classifiers first
        self._infos = {m.name: m for m in infos}
        self.model_combo = QComboBox()
        fill_model_combo(self.model_combo, infos)
        elide_combo(self.model_combo, 24)
        self.model_combo.setCurrentIndex(max(0, self.model_combo.findData(DEFAULT_MODEL)))
        self.width_combo = PresetCombo(WIDTH_PRESETS, "1.0")
        self.resolution_combo = PresetCombo(RESOLUTION_PRESETS, "224")
        self.batch_spin = _spin(1, 256, 1, "images per forward pass; MAdds stay per image")
        cores = os.cpu_count() or 1
        self.threads_spin = _spin(1, 256, min(2, cores), f"torch.set_num_threads during the run ({cores} cores here)")
        self.format_combo = QComboBox()
        self.format_combo.addItems(MEMORY_FORMATS)
        self.format_combo.setToolTip("tensor memory layout of weights and input (channels_last = NHWC)")
        self.device_combo = QComboBox()
        self.device_combo.addItems(list(devices))
        self.device_combo.setToolTip("CUDA appears when torch sees a GPU; it is timed with CUDA events")
        self.path_combo = QComboBox()
        if paths and isinstance(paths[0], PathStatus):
            fill_path_combo(self.path_combo, paths, paths[0].name)
        else:
            self.path_combo.addItems(list(paths))
        self.path_combo.setToolTip("inference path: the default is the fastest exact (fp32) one on this machine; "
                                   "reference = the eager model as built; bf16 and int8 trade accuracy for speed")
        self.repeats_spin = _spin(3, 10000, 30, "timed runs for the whole model, and again with per-layer hooks")
        self.options = OptionChecks("none")

        grid = QGridLayout(self)
        grid.setContentsMargins(0, 0, 0, 0)
        grid.setHorizontalSpacing(10)
        grid.setVerticalSpacing(4)
        fields = (("Model", self.model_combo), ("Width", self.width_combo),
                  ("Resolution (px)", self.resolution_combo), ("Batch", self.batch_spin),
                  ("Threads", self.threads_spin), ("Memory format", self.format_combo),
                  ("Device", self.device_combo), ("Path", self.path_combo), ("Repeats", self.repeats_spin))
        for index, (caption, widget) in enumerate(fields):  # two rows of fields: fits 1280 px
            row, column = 2 * (index // FIELDS_PER_ROW), index % FIELDS_PER_ROW
            label = QLabel(caption)
            label.setObjectName("cardNote")
            grid.addWidget(label, row, column)
            grid.addWidget(widget, row + 1, column)
        options = QHBoxLayout()
        options.setSpacing(8)  # the grid's spacings differ, so it would inherit none: "Options:none"
        caption = QLabel("Options:")
        caption.setObjectName("cardNote")
        options.addWidget(caption)
        options.addWidget(self.options, 1)
        grid.addLayout(options, grid.rowCount(), 0, 1, FIELDS_PER_ROW)
        grid.setColumnMinimumWidth(0, 230)
        grid.setColumnStretch(FIELDS_PER_ROW, 1)
        self.model_combo.currentIndexChanged.connect(lambda _i: self._rebuild_options())
        self._rebuild_options()

    def _rebuild_options(self, checked: tuple[str, ...] | list[str] = ()) -> None:
        info = self._infos[self.model_combo.currentData()]
        self.options.set_options(info.options, checked)
        self.width_combo.setEnabled(info.has_width)

    def request(self) -> ProfileRequest:
        return ProfileRequest(
            model=self.model_combo.currentData(), width_text=self.width_combo.currentText().strip(),
            resolution_text=self.resolution_combo.currentText().strip(),
            options=self.options.checked(),
            batch=self.batch_spin.value(), threads=self.threads_spin.value(),
            memory_format=self.format_combo.currentText(), device=self.device_combo.currentText(),
            path=self.path_combo.currentText(), repeats=self.repeats_spin.value())

    def set_request(self, req: ProfileRequest) -> None:
        """Show `req` in the controls (settings, tests, the screenshot script)."""
        index = self.model_combo.findData(req.model)
        if index >= 0:
            self.model_combo.setCurrentIndex(index)
        self._rebuild_options(req.options)
        self.width_combo.setCurrentText(req.width_text)
        self.resolution_combo.setCurrentText(req.resolution_text)
        self.batch_spin.setValue(req.batch)
        self.threads_spin.setValue(req.threads)
        for combo, text in ((self.format_combo, req.memory_format), (self.device_combo, req.device),
                            (self.path_combo, req.path)):
            if combo.findText(text) >= 0:
                combo.setCurrentText(text)
        self.repeats_spin.setValue(req.repeats)

    def save(self, settings: QSettings) -> None:
        req = self.request()
        for key in ("model", "width_text", "resolution_text", "batch", "threads", "memory_format",
                    "device", "path", "repeats"):
            settings.setValue(key, getattr(req, key))
        settings.setValue("options", list(req.options))

    def restore(self, settings: QSettings) -> None:
        current = self.request()

        def number(key: str, default: int) -> int:
            try:
                return int(settings.value(key, default))
            except (TypeError, ValueError):
                return default

        self.set_request(ProfileRequest(
            model=str(settings.value("model", current.model)),
            width_text=str(settings.value("width_text", current.width_text)),
            resolution_text=str(settings.value("resolution_text", current.resolution_text)),
            options=tuple(to_list(settings.value("options"))),
            batch=number("batch", current.batch), threads=number("threads", current.threads),
            memory_format=str(settings.value("memory_format", current.memory_format)),
            device=str(settings.value("device", current.device)),
            path=str(settings.value("path", current.path)), repeats=number("repeats", current.repeats)))
