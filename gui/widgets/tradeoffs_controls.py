"""The Trade-offs page's inputs: a log-scale target-latency slider, the reward exponent w, and
the sweep's options (families, threads, repeats)."""

from __future__ import annotations

import math
import os

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QCheckBox, QComboBox, QHBoxLayout, QLabel, QSlider, QSpinBox, QWidget

from gui.widgets.tradeoffs_points import FAMILIES

__all__ = ["SweepOptions", "TargetControls", "W_CHOICES"]

STEPS = 1000
# the reward exponent: MnasNet's soft constraint, and the V3 paper's choice for small models
W_CHOICES = ((-0.07, "w = −0.07 (MnasNet)"), (-0.15, "w = −0.15 (V3, small models)"))


class TargetControls(QWidget):
    """Target latency on a log scale spanning the measured range, and w. `changed` fires on either."""

    changed = Signal()

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.lo, self.hi = 1.0, 100.0
        self._spanned = False
        self.slider = QSlider(Qt.Orientation.Horizontal)
        self.slider.setRange(0, STEPS)
        self.slider.setValue(STEPS // 2)
        self.slider.setMinimumWidth(260)
        self.slider.setToolTip("Latency budget TAR (log scale over the measured range)")
        self.value_label = QLabel("")
        self.value_label.setMinimumWidth(90)
        self.w_combo = QComboBox()
        for w, text in W_CHOICES:
            self.w_combo.addItem(text, w)
        self.w_combo.setToolTip("Reward ACC × (LAT/TAR)^w: how much accuracy an extra millisecond must buy")
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(QLabel("Target latency"))
        row.addWidget(self.slider, 1)
        row.addWidget(self.value_label)
        row.addWidget(self.w_combo)
        self.slider.valueChanged.connect(self._on_change)
        self.w_combo.currentIndexChanged.connect(lambda _i: self.changed.emit())
        self._on_change()

    def set_span(self, lo_ms: float, hi_ms: float) -> None:
        """Keep the chosen target (clamped) while the span follows the data."""
        target = self.target_ms() if self._spanned else (lo_ms * hi_ms) ** 0.5  # first data: mid-range
        self._spanned = True
        self.lo, self.hi = max(lo_ms, 1e-3), max(hi_ms, lo_ms * 1.01, 1e-3 * 1.01)
        self.set_target_ms(min(max(target, self.lo), self.hi))

    def target_ms(self) -> float:
        frac = self.slider.value() / STEPS
        return math.exp(math.log(self.lo) + frac * (math.log(self.hi) - math.log(self.lo)))

    def set_target_ms(self, ms: float) -> None:
        ms = min(max(ms, self.lo), self.hi)
        frac = (math.log(ms) - math.log(self.lo)) / (math.log(self.hi) - math.log(self.lo))
        value = round(frac * STEPS)
        if value == self.slider.value():
            self._on_change()
        else:
            self.slider.setValue(value)

    def w(self) -> float:
        return float(self.w_combo.currentData())

    def set_w(self, w: float) -> None:
        for i in range(self.w_combo.count()):
            if abs(self.w_combo.itemData(i) - w) < 1e-9:
                self.w_combo.setCurrentIndex(i)

    def _on_change(self) -> None:
        self.value_label.setText(f"<b>{self.target_ms():.3g} ms</b>")
        self.changed.emit()


class SweepOptions(QWidget):
    """Which backbones to sweep, on how many threads, with how many timed runs each."""

    changed = Signal()

    def __init__(self, default_repeats: int, parent: QWidget | None = None):
        super().__init__(parent)
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        self.family_boxes: dict[str, QCheckBox] = {}
        for _family, model, label in FAMILIES:
            box = QCheckBox(label.replace("MobileNet", ""))
            box.setChecked(True)
            box.setToolTip(f"Sweep {model} at the widths and resolutions the papers publish a top-1 for")
            box.toggled.connect(lambda _c: self.changed.emit())
            self.family_boxes[model] = box
            row.addWidget(box)
        self.threads = QSpinBox()
        self.threads.setRange(1, max(1, os.cpu_count() or 1))
        self.threads.setValue(min(2, self.threads.maximum()))
        self.threads.setToolTip("torch intra-op threads while timing (each thread count is its own series)")
        self.threads.valueChanged.connect(lambda _v: self.changed.emit())
        self.repeats = QSpinBox()
        self.repeats.setRange(3, 1000)
        self.repeats.setValue(default_repeats)
        self.repeats.setToolTip("Timed runs per configuration (the median is plotted; p10/p90 in the hover)")
        row.addSpacing(4)  # the sweep row fits 1280 px with the path picker beside it
        row.addWidget(QLabel("threads"))
        row.addWidget(self.threads)
        row.addWidget(QLabel("repeats"))
        row.addWidget(self.repeats)

    def models(self) -> list[str]:
        return [model for model, box in self.family_boxes.items() if box.isChecked()]

    def set_models(self, models: list[str]) -> None:
        for model, box in self.family_boxes.items():
            box.setChecked(model in models)
