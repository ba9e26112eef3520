"""The engine's overlay colours as QColors for the Detect and Segment pages, so boxes and masks
in the GUI have the colours of the CLI's --out images (widgets get the QColors, not the engine)."""

from __future__ import annotations

from PySide6.QtGui import QColor

from engine.api import LEGEND_MIN, class_color

__all__ = ["LEGEND_MIN", "box_colour", "bgr_to_qcolor"]


def bgr_to_qcolor(bgr) -> QColor:
    b, g, r = (int(v) for v in bgr)
    return QColor(r, g, b)


def box_colour(label: int) -> QColor:
    """The colour `runner.draw` gives boxes of class `label`."""
    return bgr_to_qcolor(class_color(label))
