"""Per-stage timing of one task run (preprocess / inference / postprocess) as a stacked bar
with the milliseconds beside each stage, so where the time goes is visible at a glance."""

from __future__ import annotations

from PySide6.QtCore import QRectF, QSize
from PySide6.QtGui import QColor, QPainter, QPaintEvent
from PySide6.QtWidgets import QGridLayout, QLabel, QWidget

from gui import theme

__all__ = ["StageTimesView", "STAGES"]

STAGES = (("preprocess", "#0f9d8a"), ("inference", theme.ACCENT), ("postprocess", "#ef6c00"))


class _StackedBar(QWidget):
    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.values: tuple[float, ...] = ()
        self.setMinimumHeight(12)

    def sizeHint(self) -> QSize:
        return QSize(200, 12)

    def paintEvent(self, _event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.fillRect(self.rect(), QColor(theme.BORDER))
        total = sum(self.values)
        if total <= 0:
            return
        x = 0.0
        for value, (_, colour) in zip(self.values, STAGES):
            width = self.width() * value / total
            painter.fillRect(QRectF(x, 0, width, self.height()), QColor(colour))
            x += width


class StageTimesView(QWidget):
    """Shows a StageTimes-like object (preprocess_ms, inference_ms, postprocess_ms, total_ms)."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        grid = QGridLayout(self)
        grid.setContentsMargins(0, 0, 0, 0)
        grid.setHorizontalSpacing(10)
        grid.setVerticalSpacing(3)
        self.bar = _StackedBar()
        grid.addWidget(self.bar, 0, 0, 1, 3)
        self.value_labels: dict[str, QLabel] = {}
        for row, (name, colour) in enumerate((*STAGES, ("total", theme.TEXT)), start=1):
            swatch = QLabel()
            swatch.setFixedSize(10, 10)
            swatch.setStyleSheet(f"background: {colour}; border-radius: 2px;")
            caption = QLabel(name)
            value = QLabel("—")
            value.setMinimumWidth(70)
            if name == "total":
                caption.setStyleSheet("font-weight: 600;")
                value.setStyleSheet("font-weight: 600;")
            grid.addWidget(swatch, row, 0)
            grid.addWidget(caption, row, 1)
            grid.addWidget(value, row, 2)
            self.value_labels[name] = value
        grid.setColumnStretch(1, 1)

    def set_times(self, times) -> None:
        values = (times.preprocess_ms, times.inference_ms, times.postprocess_ms)
        for (name, _), value in zip(STAGES, values):
            self.value_labels[name].setText(f"{value:.1f} ms")
        self.value_labels["total"].setText(f"{times.total_ms:.1f} ms")
        self.bar.values = values
        self.bar.update()
