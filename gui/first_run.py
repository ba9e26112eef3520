"""The first-run hint: a strip above the landing page that says where to start, shown until
the user dismisses it (remembered in the settings, so it never comes back by itself; Help >
Show the welcome hint brings it back)."""

from __future__ import annotations

from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QWidget

from gui.settings import to_bool

__all__ = ["FirstRunHint", "DISMISSED_KEY"]

DISMISSED_KEY = "help/first_run_hint_dismissed"
TEXT = ("<b>New here?</b> Pick a network, width and resolution here to see each layer's MAdds and memory; "
        "<b>Profiler</b> times it on this machine, <b>Trade-offs</b> sets it against the papers. "
        "Hover a term for its meaning, F1 lists the keys, right-click a chart to export it.")


class FirstRunHint(QFrame):
    def __init__(self, settings: QSettings, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("firstRunHint")
        self.setStyleSheet("QFrame#firstRunHint { background: #eef4ff; border-bottom: 1px solid #c9dafc; }")
        self._settings = settings
        self._on_landing = True
        self.label = QLabel(TEXT)
        self.label.setWordWrap(True)
        self.dismiss_button = QPushButton("Got it")
        self.dismiss_button.setToolTip("Hide this hint for good (Help › Show the welcome hint brings it back)")
        self.dismiss_button.clicked.connect(self.dismiss)
        row = QHBoxLayout(self)
        row.setContentsMargins(24, 8, 24, 8)
        row.addWidget(self.label, 1)
        row.addWidget(self.dismiss_button)
        self._update()

    def dismissed(self) -> bool:
        return to_bool(self._settings.value(DISMISSED_KEY), False)

    def dismiss(self) -> None:
        self._settings.setValue(DISMISSED_KEY, True)
        self._settings.sync()
        self._update()

    def reset(self) -> None:
        self._settings.setValue(DISMISSED_KEY, False)
        self._update()

    def set_on_landing(self, on_landing: bool) -> None:
        self._on_landing = on_landing
        self._update()

    def _update(self) -> None:
        self.setVisible(self._on_landing and not self.dismissed())
