"""The look: Fusion with a light palette, one accent colour, and colours per layer kind.

Kept in one place so every page (and the charts) agree on colours and spacing."""

from __future__ import annotations

from PySide6.QtGui import QColor, QFont, QPalette
from PySide6.QtWidgets import QApplication

ACCENT = "#2f6fdf"
ERROR = "#c62828"
MUTED = "#6b7280"
WINDOW = "#f5f6f8"
SURFACE = "#ffffff"
BORDER = "#dfe3ea"
TEXT = "#1f2933"
SIDEBAR = "#1f2937"

# Layer kinds from engine.analysis (LayerRow.kind); unknown kinds fall back to grey.
KIND_COLOURS = {
    "conv": "#2f6fdf",
    "depthwise": "#0f9d8a",
    "pointwise": "#7c4dff",
    "squeeze-excite": "#ef6c00",
    "fully connected": "#d81b60",
    "batch-norm": "#8d99ae",
    "activation": "#43a047",
    "add": "#8d6e63",
    "pool": "#546e7a",
    "other": "#9e9e9e",
}
MADDS_COLOUR = "#2f6fdf"
PARAMS_COLOUR = "#ef6c00"
ACTIVATION_COLOUR = "#0f9d8a"


def kind_colour(kind: str) -> QColor:
    return QColor(KIND_COLOURS.get(kind, KIND_COLOURS["other"]))


STYLESHEET = f"""
QMainWindow, QWidget#page {{ background: {WINDOW}; }}
QListWidget#navigation {{
    background: {SIDEBAR}; color: #d1d5db; border: none; padding-top: 12px;
    font-size: 11pt; outline: 0;
}}
QListWidget#navigation::item {{ padding: 10px 18px; border-left: 3px solid transparent; }}
QListWidget#navigation::item:hover {{ background: #273244; color: white; }}
QListWidget#navigation::item:selected {{
    background: #2b3a52; color: white; border-left: 3px solid {ACCENT};
}}
QLabel#brand {{
    background: {SIDEBAR}; color: white; font-size: 13pt; font-weight: 600; padding: 16px 18px 4px 18px;
}}
QLabel#pageTitle {{ font-size: 16pt; font-weight: 600; color: {TEXT}; }}
QLabel#pageSubtitle {{ color: {MUTED}; }}
QLabel#inlineError {{
    color: {ERROR}; background: #fdecea; border: 1px solid #f5c2c0; border-radius: 4px; padding: 6px 10px;
}}
QFrame#card, QFrame#panel {{
    background: {SURFACE}; border: 1px solid {BORDER}; border-radius: 8px;
}}
QLabel#cardValue {{ font-size: 18pt; font-weight: 600; color: {TEXT}; }}
QLabel#cardCaption {{ color: {MUTED}; font-size: 9pt; }}
QLabel#cardNote {{ color: {MUTED}; }}
QLabel#panelTitle {{ font-weight: 600; color: {TEXT}; }}
QTableView {{
    background: {SURFACE}; border: none; gridline-color: #eef0f4;
    selection-background-color: #dce8fb; selection-color: {TEXT};
}}
QHeaderView::section {{
    background: #f0f2f6; color: #374151; border: none; border-bottom: 1px solid {BORDER};
    padding: 5px 6px; font-weight: 600;
}}
QStatusBar {{ background: {SURFACE}; border-top: 1px solid {BORDER}; }}
QToolBar {{ border: none; spacing: 6px; background: transparent; }}
QToolBar QToolButton {{
    border: 1px solid {BORDER}; border-radius: 5px; padding: 5px 12px; background: {SURFACE};
}}
QToolBar QToolButton:hover {{ border-color: {ACCENT}; }}
QToolButton#segment {{
    border: 1px solid {BORDER}; padding: 3px 10px; background: {SURFACE};
}}
QToolButton#segment:checked {{ background: {ACCENT}; color: white; border-color: {ACCENT}; }}
"""


def apply_theme(app: QApplication) -> None:
    app.setStyle("Fusion")
    palette = QPalette()
    palette.setColor(QPalette.ColorRole.Window, QColor(WINDOW))
    palette.setColor(QPalette.ColorRole.Base, QColor(SURFACE))
    palette.setColor(QPalette.ColorRole.AlternateBase, QColor("#f8f9fb"))
    palette.setColor(QPalette.ColorRole.Text, QColor(TEXT))
    palette.setColor(QPalette.ColorRole.WindowText, QColor(TEXT))
    palette.setColor(QPalette.ColorRole.ButtonText, QColor(TEXT))
    palette.setColor(QPalette.ColorRole.Button, QColor("#eef0f4"))
    palette.setColor(QPalette.ColorRole.Highlight, QColor(ACCENT))
    palette.setColor(QPalette.ColorRole.HighlightedText, QColor("white"))
    palette.setColor(QPalette.ColorRole.ToolTipBase, QColor(SURFACE))
    palette.setColor(QPalette.ColorRole.ToolTipText, QColor(TEXT))
    app.setPalette(palette)
    font = QFont(app.font())
    if font.pointSizeF() < 10:
        font.setPointSizeF(10)
    app.setFont(font)
    app.setStyleSheet(STYLESHEET)
