"""Building blocks every page shares: its header (title, subtitle, toolbar), the white rounded
card it lays controls and results out in, and the hidden one-line error label (styled by object
name in gui/theme.py)."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QToolBar, QVBoxLayout, QWidget

__all__ = ["panel", "inline_error", "page_header"]


def page_header(title: str, subtitle: QLabel, actions: Sequence[QAction] = (),
                extras: Sequence[QWidget] = ()) -> QHBoxLayout:
    """The title over `subtitle` (what the page shows now) on the left; `extras`, then a
    text-only toolbar of `actions`, along the bottom on the right."""
    heading = QLabel(title)
    heading.setObjectName("pageTitle")
    subtitle.setObjectName("pageSubtitle")
    text = QVBoxLayout()
    text.setSpacing(2)
    text.addWidget(heading)
    text.addWidget(subtitle)
    header = QHBoxLayout()
    header.addLayout(text, 1)
    for widget in extras:
        header.addWidget(widget, 0, Qt.AlignmentFlag.AlignBottom)
    if actions:
        toolbar = QToolBar()
        toolbar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        toolbar.addActions(list(actions))
        header.addWidget(toolbar, 0, Qt.AlignmentFlag.AlignBottom)
    return header


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
