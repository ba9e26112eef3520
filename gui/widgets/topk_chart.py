"""Top-K class probabilities as horizontal bars, best at the top, each with its label and
percentage written out. Drawn with QPainter: labels of any length stay readable (elided with
the full text in the tooltip) and the widget needs no plot axes."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from PySide6.QtCore import QRectF, QSize, Qt
from PySide6.QtGui import QColor, QFontMetrics, QHelpEvent, QPainter, QPaintEvent
from PySide6.QtWidgets import QSizePolicy, QToolTip, QWidget

from gui import theme

__all__ = ["Bar", "TopKChart"]

ROW_HEIGHT = 34
BAR_THICKNESS = 12
PAD = 12
VALUE_WIDTH = 64


@dataclass(frozen=True)
class Bar:
    label: str
    probability: float  # 0..1


class TopKChart(QWidget):
    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self._bars: tuple[Bar, ...] = ()
        self._placeholder = "No prediction yet"
        self._muted = False
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        self.setMouseTracking(True)

    def set_bars(self, bars: Sequence[Bar], muted: bool = False) -> None:
        """muted: draw in grey (random weights: the ranking means nothing)."""
        self._bars, self._muted = tuple(bars), muted
        self.updateGeometry()
        self.update()

    def clear(self, placeholder: str = "No prediction yet") -> None:
        self._placeholder = placeholder
        self.set_bars(())

    def bars(self) -> tuple[Bar, ...]:
        return self._bars

    def sizeHint(self) -> QSize:
        return QSize(420, PAD * 2 + ROW_HEIGHT * max(5, len(self._bars)))

    def minimumSizeHint(self) -> QSize:
        return QSize(240, PAD * 2 + ROW_HEIGHT * max(1, len(self._bars)))

    def _row_rect(self, row: int) -> QRectF:
        return QRectF(PAD, PAD + row * ROW_HEIGHT, self.width() - 2 * PAD, ROW_HEIGHT)

    def paintEvent(self, _event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        if not self._bars:
            painter.setPen(QColor(theme.MUTED))
            painter.drawText(self.rect(), Qt.AlignmentFlag.AlignCenter, self._placeholder)
            return
        metrics = QFontMetrics(self.font())
        colour = QColor(theme.MUTED if self._muted else theme.ACCENT)
        track = QColor("#eef0f4")
        for row, bar in enumerate(self._bars):
            rect = self._row_rect(row)
            text_height = metrics.height()
            label_rect = QRectF(rect.left(), rect.top(), rect.width() - VALUE_WIDTH, text_height)
            value_rect = QRectF(rect.right() - VALUE_WIDTH, rect.top(), VALUE_WIDTH, text_height)
            painter.setPen(QColor(theme.TEXT))
            label = metrics.elidedText(f"{row + 1}. {bar.label}", Qt.TextElideMode.ElideRight,
                                       int(label_rect.width()))
            painter.drawText(label_rect, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, label)
            painter.drawText(value_rect, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter,
                             f"{bar.probability * 100:.1f} %")
            bar_top = rect.top() + text_height + 3
            full = QRectF(rect.left(), bar_top, rect.width(), BAR_THICKNESS)
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(track)
            painter.drawRoundedRect(full, 3, 3)
            share = min(max(bar.probability, 0.0), 1.0)
            if share > 0:
                painter.setBrush(colour)
                painter.drawRoundedRect(QRectF(full.left(), bar_top, max(full.width() * share, 3.0),
                                               BAR_THICKNESS), 3, 3)

    def event(self, event) -> bool:
        if event.type() == event.Type.ToolTip and isinstance(event, QHelpEvent):
            row = int((event.pos().y() - PAD) // ROW_HEIGHT)
            if 0 <= row < len(self._bars):
                bar = self._bars[row]
                QToolTip.showText(event.globalPos(), f"{bar.label}: {bar.probability * 100:.2f} %", self)
            else:
                QToolTip.hideText()
            return True
        return super().event(event)
