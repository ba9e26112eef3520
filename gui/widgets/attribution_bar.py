"""The whole-model median split into what the layers account for and the remainder no layer
accounts for (Python glue, non-module ops, the hooks, or on runtime paths the nodes that map to
no layer), drawn as its own bar so a poor attribution is seen, not hidden in a sum. When the
layers add up to more than the whole (per-layer timing's own overhead, or a busier machine
during the per-layer pass), the excess is drawn too, in its own colour, never clamped away."""

from __future__ import annotations

from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QColor, QPainter
from PySide6.QtWidgets import QSizePolicy, QWidget

from gui import theme

__all__ = ["AttributionBar", "UNATTRIBUTED_COLOUR"]

UNATTRIBUTED_COLOUR = "#c62828"
EXCESS_COLOUR = "#f59e0b"  # amber: the layers' sum past the whole model
LAYERS_COLOUR = theme.ACCENT


class AttributionBar(QWidget):
    """Plain data in (`set_times`), `segments` out: [(label, ms), ...] as drawn."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.segments: list[tuple[str, float]] = []
        self._path = ""
        self.setMinimumHeight(22)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)

    def set_times(self, total_ms: float | None, layer_sum_ms: float | None, path: str = "") -> None:
        if total_ms is None or layer_sum_ms is None or total_ms <= 0:
            self.segments = []
            self.setToolTip("")
        elif layer_sum_ms <= total_ms:
            rest = total_ms - layer_sum_ms
            self.segments = [("layers", layer_sum_ms), ("unattributed", rest)]
            self.setToolTip(f"Whole model {total_ms:.2f} ms on {path}: the layers account for {layer_sum_ms:.2f} ms; "
                            f"{rest:.2f} ms ({rest / total_ms:.0%}) is attributed to no layer")
        else:
            excess = layer_sum_ms - total_ms
            self.segments = [("layers", total_ms), ("over the whole", excess)]
            self.setToolTip(f"Whole model {total_ms:.2f} ms on {path}, but the layers add up to {layer_sum_ms:.2f} ms, "
                            f"{excess:.2f} ms ({excess / total_ms:.0%}) more: per-layer timing adds its own "
                            f"overhead, or the machine was busier while the layers were timed")
        self._path = path
        self.update()

    def paintEvent(self, _event) -> None:
        if not self.segments:
            return
        painter = QPainter(self)
        total = sum(ms for _label, ms in self.segments) or 1.0
        x, height = 0.0, float(self.height())
        for label, ms in self.segments:
            width = self.width() * ms / total
            rect = QRectF(x, 0, width, height)
            colour = {"layers": LAYERS_COLOUR, "unattributed": UNATTRIBUTED_COLOUR}.get(label, EXCESS_COLOUR)
            painter.fillRect(rect, QColor(colour))
            text = f"{label} {ms:.2f} ms ({ms / total:.0%})"
            if painter.fontMetrics().horizontalAdvance(text) + 8 < width:
                painter.setPen(QColor("white"))
                painter.drawText(rect, Qt.AlignmentFlag.AlignCenter, text)
            x += width
        painter.end()
