"""What every page offers the main window: a busy state for the status bar, a way to say it
is idle (screenshots and tests wait on it), its own settings group, and a clean shutdown."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QSettings, Qt, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QFileDialog, QLabel, QVBoxLayout, QWidget

__all__ = ["Page"]


class Page(QWidget):
    """Base class for pages. Subclasses override the hooks they need."""

    busy_changed = Signal(bool, str)  # busy?, what it is doing ("Computing mobilenet_v2 ...")
    status_message = Signal(str)  # a one-line summary for the status bar
    idle = Signal()  # emitted whenever the page finishes its pending work
    # Ask the window to show another page and hand it a payload (e.g. the Profiler asking the
    # Models page to select a layer): navigate.emit(target_page_id, payload) -> target.receive().
    navigate = Signal(str, object)
    error_label: QLabel | None = None  # the page's inline_error(), where show_error writes

    def page_layout(self, spacing: int = 12) -> QVBoxLayout:
        """The page's outer layout, with the margins every page uses."""
        layout = QVBoxLayout(self)
        layout.setContentsMargins(24, 18, 24, 12)
        layout.setSpacing(spacing)
        return layout

    def add_action(self, text: str, tip: str, slot: Callable[[], object], shortcut: QKeySequence | None = None,
                   short: str = "") -> QAction:
        """An action of this page: `short` is the toolbar's text (the File menu shows `text`); a
        shortcut works window-wide, but only while the page shows (Qt skips hidden widgets)."""
        action = QAction(text, self)
        if short:
            action.setIconText(short)
        action.setToolTip(tip)
        action.triggered.connect(slot)
        if shortcut is not None:
            action.setShortcut(shortcut)
            action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        self.addAction(action)
        return action

    def show_error(self, message: str) -> None:
        """One line in the page's error label and in the status bar; never a traceback."""
        if self.error_label is not None:
            self.error_label.setText(message)
            self.error_label.show()
        self.status_message.emit(message)

    def ask_save(self, title: str, default: str, pattern: str, export: Callable[[str], object]) -> str | None:
        """Ask where to save, then `export(path)`; an OSError shows as the page's error line.
        Returns the path written (None when the user cancelled or it failed)."""
        path, _ = QFileDialog.getSaveFileName(self, title, default, pattern)
        if not path:
            return None
        try:
            export(path)
        except OSError as exc:
            self.show_error(f"could not export to {path}: {exc.strerror or exc}")
            return None
        return path

    def report_export(self, message: str) -> None:
        """Where an export says how it went: "could not ..." as the page's error line, anything
        else ("Saved PATH", "Copied ...") in the status bar."""
        if message.startswith("could not"):
            self.show_error(message)
        else:
            self.status_message.emit(message)

    def receive(self, payload: object) -> None:
        """Take a payload another page sent with `navigate` (called just before showing)."""

    def can_open_files(self) -> bool:
        """True when files dropped on the window (or File > Open) should go to this page."""
        return False

    def open_files(self, paths: list[str]) -> None:
        """Open files the user dropped on the window while this page was showing."""

    def ask_open(self) -> bool:
        """Show this page's open dialog (the window's File > Open, Ctrl+O, while the page
        shows). False when the page opens nothing; the window then asks the Classify page."""
        return False

    def report_busy(self, busy: bool, label: str) -> None:
        """Tell the window this page's busy state; going idle also emits `idle` (tests and the
        screenshots command wait on it). Connect a job runner's busy_changed straight here."""
        self.busy_changed.emit(busy, label)
        if not busy:
            self.idle.emit()

    def ready(self) -> bool:
        """True when the page has no work in flight (its view shows the latest request)."""
        return True

    def menu_actions(self) -> list[QAction]:
        """File actions only (export, import, save) that the window's File menu lists while this
        page shows; other page actions (Run, Recompute) belong on the page's own toolbar."""
        return []

    def save_settings(self, settings: QSettings) -> None:
        """Write this page's state; the settings object is already inside the page's group."""

    def restore_settings(self, settings: QSettings) -> None:
        """Read this page's state back; called once, before the page is first shown."""

    def start(self) -> None:
        """Kick off the page's initial work (after settings are restored). Every page starts at
        launch, so this must be cheap: no model loads, no cameras; defer those to first use."""

    def prepare_screenshot(self) -> None:
        """Start whatever makes the page worth a screenshot (a demo run); `ready()` turns True
        when it is done. Only the `screenshots` command calls it."""

    def shutdown(self) -> None:
        """Stop or wait for background work; called when the window closes."""
