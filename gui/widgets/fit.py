"""Layout pieces that keep pages inside a 1280×800 laptop screen and stop the window from
resizing itself: a label that elides its text (full text in the tooltip) instead of widening
the window, combo boxes that shrink below their longest item, and the scroll area each page
sits in.

Why a label subclass: a QLabel's minimum width is its whole text, so one long model name or
status line pushed the window's minimum width past the screen. Qt has no eliding label; its
documented mechanism is QFontMetrics.elidedText, which is what this uses."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, QSize, Qt
from PySide6.QtGui import QPainter, QResizeEvent
from PySide6.QtWidgets import QComboBox, QFrame, QLabel, QScrollArea, QSizePolicy, QWidget

__all__ = ["ElidedLabel", "PageScroll", "elide_combo", "MIN_ELIDED_CHARS"]

MIN_ELIDED_CHARS = 8  # an elided label never gets narrower than this many average characters


class ElidedLabel(QLabel):
    """A one-line label that shows as much of its text as fits, ending in "…", and the full
    text in its tooltip whenever it is cut. Its minimum width no longer depends on the text,
    so setting a long text never widens the window."""

    def __init__(self, text: str = "", parent: QWidget | None = None,
                 mode: Qt.TextElideMode = Qt.TextElideMode.ElideRight):
        super().__init__(text, parent)
        self._mode = mode
        self._own_tooltip = ""
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Fixed)

    def setToolTip(self, text: str) -> None:  # noqa: N802 (Qt's name)
        """The page's own tooltip; when the text is cut, the full text comes first."""
        self._own_tooltip = text
        self._sync_tooltip()

    def minimumSizeHint(self) -> QSize:  # noqa: N802
        hint = super().minimumSizeHint()
        return QSize(min(hint.width(), self.fontMetrics().averageCharWidth() * MIN_ELIDED_CHARS),
                     hint.height())

    def elided(self) -> bool:
        """True when the label shows less than its whole text."""
        width = self.contentsRect().width()
        return any(self.fontMetrics().horizontalAdvance(line) > width for line in self.text().split("\n"))

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802
        super().resizeEvent(event)
        self._sync_tooltip()

    def setText(self, text: str) -> None:  # noqa: N802
        super().setText(text)
        self._sync_tooltip()

    def _sync_tooltip(self) -> None:
        parts = [self.text()] if self.elided() else []
        if self._own_tooltip:
            parts.append(self._own_tooltip)
        QLabel.setToolTip(self, "\n".join(parts))

    def paintEvent(self, _event) -> None:  # noqa: N802
        """Each line elided on its own (the Live HUD has two)."""
        painter = QPainter(self)
        rect = self.contentsRect()
        metrics = self.fontMetrics()
        text = "\n".join(metrics.elidedText(line, self._mode, rect.width()) for line in self.text().split("\n"))
        painter.setPen(self.palette().color(self.foregroundRole()))
        painter.drawText(rect, int(self.alignment()) | int(Qt.AlignmentFlag.AlignVCenter), text)


def elide_combo(combo: QComboBox, chars: int = 20) -> None:
    """Let a combo box shrink to about `chars` characters instead of its longest item: the
    style elides the shown text, the popup still lists items in full, and items that have no
    tooltip get their own text as one."""
    combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
    combo.setMinimumContentsLength(chars)
    for i in range(combo.count()):
        if not combo.itemData(i, Qt.ItemDataRole.ToolTipRole):
            combo.setItemData(i, combo.itemText(i), Qt.ItemDataRole.ToolTipRole)


class PageScroll(QScrollArea):
    """Holds one page: the page fills the viewport and never gets less than its minimum size;
    below that the area scrolls, so no page can make the window grow.

    Not QScrollArea's widgetResizable: for a page with any word-wrapped label it sizes the page
    by height-for-width, which adds up the *preferred* heights of tables and charts, so every
    such page scrolled vertically even when it fitted."""

    def __init__(self, page: QWidget, parent: QWidget | None = None):
        super().__init__(parent)
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setWidgetResizable(False)
        self.setWidget(page)
        page.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802
        if watched is self.widget() and event.type() == QEvent.Type.LayoutRequest:
            self._fit()
        return super().eventFilter(watched, event)

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802
        super().resizeEvent(event)
        self._fit()

    def _fit(self) -> None:
        page = self.widget()
        if page is None:
            return
        least = page.minimumSizeHint().expandedTo(page.minimumSize())
        room = self.maximumViewportSize()  # the viewport's size without scroll bars
        width = max(room.width(), least.width())
        height = max(room.height(), least.height())
        bar = self.verticalScrollBar().sizeHint().width()
        if height > room.height() and width == room.width():  # a vertical bar takes its width
            width = max(room.width() - bar, least.width())
        if width > room.width() and height == room.height():
            height = max(room.height() - self.horizontalScrollBar().sizeHint().height(), least.height())
        page.resize(width, height)
