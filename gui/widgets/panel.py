"""Building blocks every page shares: the white rounded card it lays controls and results out
in, and the hidden one-line error label (styled by object name in gui/theme.py)."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFrame, QLabel, QVBoxLayout

__all__ = ["panel", "inline_error"]


def panel(title: str | None = None) -> tuple[QFrame, QVBoxLayout]:
    frame = QFrame()
    frame.setObjectName("panel")
    layout = QVBoxLayout(frame)
    layout.setContentsMargins(14, 12, 14, 12)
    layout.setSpacing(8)
    if title:
        label = QLabel(title)
        label.setObjectName("panelTitle")
        layout.addWidget(label)
    return frame, layout


def inline_error() -> QLabel:
    """Where a page shows the api's one-line message for bad input; hidden until then, and
    selectable so the user can copy it."""
    label = QLabel("")
    label.setObjectName("inlineError")
    label.setWordWrap(True)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    label.hide()
    return label
