"""The Qt bindings we depend on must not corrupt the interpreter. PySide6 6.12.0 on Python 3.11
dropped a reference to None on every QPainter call: the suite (and the app, after painting for a
while) died with "Fatal Python error: none_dealloc". pyproject.toml excludes it; this test says
why if a future version does the same."""

from __future__ import annotations

import sys

from PySide6.QtCore import QRect, Qt
from PySide6.QtGui import QColor, QImage, QPainter


def test_painting_from_python_keeps_none_alive(qapp):
    image = QImage(64, 32, QImage.Format.Format_ARGB32)
    painter = QPainter(image)
    try:
        before = sys.getrefcount(None)
        for _ in range(200):
            painter.save()
            painter.setPen(QColor("red"))
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.drawRoundedRect(QRect(0, 0, 10, 10), 3, 3)
            painter.drawText(QRect(0, 0, 60, 20), Qt.AlignmentFlag.AlignRight, "x")
            painter.restore()
        after = sys.getrefcount(None)
    finally:
        painter.end()
    if sys.version_info < (3, 12):  # from 3.12 None is immortal and its count means nothing
        assert after >= before, f"{before - after} references to None lost in 200 rounds of painting"
