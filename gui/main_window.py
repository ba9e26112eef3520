"""The main window only wires pages together: navigation list, page stack, status bar, menus,
shortcuts and settings. Pages own their behaviour (see gui/pages/)."""

from __future__ import annotations

from PySide6.QtCore import QSettings, Qt
from PySide6.QtGui import QAction, QCloseEvent, QDragEnterEvent, QDropEvent, QGuiApplication, QKeySequence
from PySide6.QtWidgets import (
    QHBoxLayout, QLabel, QListWidget, QListWidgetItem, QMainWindow, QProgressBar, QStackedWidget,
    QVBoxLayout, QWidget,
)

from gui.chart_export import attach_exports
from gui.first_run import FirstRunHint
from gui.glossary import explain
from gui.help_dialogs import AboutDialog, ShortcutSheet, registered_shortcuts
from gui.pages import PageSpec, registered_pages
from gui.pages.base import Page
from gui.settings import open_settings
from gui.widgets.fit import ElidedLabel, PageScroll

__all__ = ["MainWindow"]

DEFAULT_SIZE = (1440, 900)
NAV_WIDTH = 200
BUSY_LABEL_WIDTH = 360


class MainWindow(QMainWindow):
    def __init__(self, settings: QSettings | None = None, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle("MobileNet Studio")
        self._settings = settings or open_settings()
        self.specs: list[PageSpec] = registered_pages()
        self.pages: dict[str, Page] = {}
        self._busy: dict[str, str] = {}

        self.nav = QListWidget()
        self.nav.setObjectName("navigation")
        self.nav.setFixedWidth(NAV_WIDTH)
        self.stack = QStackedWidget()
        for number, spec in enumerate(self.specs, start=1):
            page = spec.factory()
            self.pages[spec.id] = page
            self.stack.addWidget(PageScroll(page))
            item = QListWidgetItem(spec.title)
            shortcut = f"Ctrl+{number}" if number <= 9 else ""
            item.setToolTip(" — ".join(t for t in (spec.tooltip, shortcut) if t))
            item.setData(Qt.ItemDataRole.UserRole, spec.id)
            self.nav.addItem(item)
            page.busy_changed.connect(lambda busy, label, pid=spec.id: self._on_busy(pid, busy, label))
            page.status_message.connect(lambda text: self.statusBar().showMessage(text))
            page.navigate.connect(self._navigate)
        self.nav.currentRowChanged.connect(self.stack.setCurrentIndex)
        self.stack.currentChanged.connect(self._on_page_changed)

        brand = QLabel("MobileNet Studio")
        brand.setObjectName("brand")
        brand.ensurePolished()  # the theme's font and padding count in its width
        sidebar = QWidget()
        sidebar.setFixedWidth(max(NAV_WIDTH, brand.sizeHint().width()))  # the brand left a notch beside the list
        self.nav.setFixedWidth(sidebar.width())
        sidebar_layout = QVBoxLayout(sidebar)
        sidebar_layout.setContentsMargins(0, 0, 0, 0)
        sidebar_layout.setSpacing(0)
        sidebar_layout.addWidget(brand)
        sidebar_layout.addWidget(self.nav, 1)
        central = QWidget()
        layout = QHBoxLayout(central)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(sidebar)
        self.hint = FirstRunHint(self._settings)
        column = QVBoxLayout()
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(0)
        column.addWidget(self.hint)
        column.addWidget(self.stack, 1)
        layout.addLayout(column, 1)
        self.setCentralWidget(central)

        self.busy_bar = QProgressBar()
        self.busy_bar.setRange(0, 0)  # indeterminate: the engine calls report no progress
        self.busy_bar.setFixedWidth(140)
        self.busy_bar.setMaximumHeight(14)
        self.busy_bar.setTextVisible(False)
        self.busy_label = ElidedLabel("")
        self.busy_label.setMaximumWidth(BUSY_LABEL_WIDTH)  # a long job label never widens the window
        self.statusBar().addPermanentWidget(self.busy_label)
        self.statusBar().addPermanentWidget(self.busy_bar)
        self.busy_bar.hide()
        self._build_menus()

        self.setAcceptDrops(True)
        self.resize(*DEFAULT_SIZE)
        self._fit_screen()
        self._restore_settings()
        for page in self.pages.values():
            page.start()
        self._on_page_changed()

    def _on_page_changed(self, _index: int = -1) -> None:
        """The File menu lists the page's own file actions; the first-run hint shows on the
        landing page only; charts and tables the page built since get export and copy."""
        page = self.current_page()
        self._fill_file_menu()
        self.hint.set_on_landing(self.stack.currentIndex() == 0)
        self._help_page(page)

    def _help_page(self, page: Page) -> None:
        page_id = next((pid for pid, p in self.pages.items() if p is page), "chart")
        attach_exports(page, page.report_export, name=page_id)
        explain(page)

    def _fit_screen(self) -> None:
        """On a screen smaller than the default size (a 1280×800 laptop), open at the screen's
        free area instead of hanging off its edges."""
        screen = self.screen()
        if screen is not None and QGuiApplication.platformName() != "offscreen":  # its 800×600 is no screen
            room = screen.availableGeometry().size()
            self.resize(min(self.width(), room.width()), min(self.height(), room.height()))

    # pages ----------------------------------------------------------------------------------
    def current_page_id(self) -> str:
        return self.specs[self.stack.currentIndex()].id

    def show_page(self, page_id: str) -> None:
        ids = [spec.id for spec in self.specs]
        if page_id in ids:
            self.nav.setCurrentRow(ids.index(page_id))

    def current_page(self) -> Page:
        return self.pages[self.current_page_id()]

    def _navigate(self, page_id: str, payload: object) -> None:
        target = self.pages.get(page_id)
        if target is None:
            self.statusBar().showMessage(f"no page named {page_id!r}")
            return
        target.receive(payload)
        self.show_page(page_id)

    # drag and drop: files go to the page on show, if it opens files --------------------------
    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if event.mimeData().hasUrls() and self.current_page().can_open_files():
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:
        paths = [url.toLocalFile() for url in event.mimeData().urls() if url.isLocalFile()]
        if paths:
            self.current_page().open_files(paths)
            event.acceptProposedAction()

    def open_in_current_page(self) -> None:
        if not self.current_page().ask_open():
            self.pages["classify"].ask_open()

    def _on_busy(self, page_id: str, busy: bool, label: str) -> None:
        if busy:
            self._busy[page_id] = label
        else:
            self._busy.pop(page_id, None)
        self.busy_label.setText(next(iter(self._busy.values()), ""))
        self.busy_bar.setVisible(bool(self._busy))

    def is_busy(self) -> bool:
        return bool(self._busy)

    # menus and shortcuts --------------------------------------------------------------------
    def _build_menus(self) -> None:
        """File: file actions only (Open, the page on show's exports and imports, Quit); the
        pages' other actions (Run, Recompute, ...) live on their own toolbars. Help: shortcuts
        and About."""
        self.file_menu = self.menuBar().addMenu("&File")
        open_action = QAction("&Open…", self)
        open_action.setShortcut(QKeySequence(QKeySequence.StandardKey.Open))
        open_action.setToolTip("Open a file in the page on show (images for Classify, Detect and "
                               "Segment, videos for Live, results for Trade-offs); else in Classify")
        open_action.triggered.connect(self.open_in_current_page)
        self.open_action = open_action
        quit_action = QAction("&Quit", self)
        quit_action.setShortcut(QKeySequence(QKeySequence.StandardKey.Quit))
        quit_action.setShortcutContext(Qt.ShortcutContext.ApplicationShortcut)
        if quit_action.shortcut().isEmpty():  # some platforms define no standard Quit key
            quit_action.setShortcut(QKeySequence("Ctrl+Q"))
        quit_action.triggered.connect(self.close)
        self.quit_action = quit_action
        self._fill_file_menu()

        view_menu = self.menuBar().addMenu("&View")
        self.page_actions: list[QAction] = []
        for number, spec in enumerate(self.specs[:9], start=1):
            action = QAction(spec.title, self)
            action.setShortcut(QKeySequence(f"Ctrl+{number}"))
            action.triggered.connect(lambda _checked=False, pid=spec.id: self.show_page(pid))
            view_menu.addAction(action)
            self.page_actions.append(action)

        help_menu = self.menuBar().addMenu("&Help")
        self.shortcuts_action = QAction("&Keyboard shortcuts", self)
        self.shortcuts_action.setShortcut(QKeySequence(QKeySequence.StandardKey.HelpContents))
        if self.shortcuts_action.shortcut().isEmpty():
            self.shortcuts_action.setShortcut(QKeySequence(Qt.Key.Key_F1))
        self.shortcuts_action.setShortcutContext(Qt.ShortcutContext.ApplicationShortcut)
        self.shortcuts_action.triggered.connect(self.show_shortcuts)
        self.first_run_action = QAction("Show the &welcome hint", self)
        self.first_run_action.triggered.connect(lambda: (self.hint.reset(), self.show_page(self.specs[0].id)))
        self.about_action = QAction("&About MobileNet Studio", self)
        self.about_action.setMenuRole(QAction.MenuRole.AboutRole)
        self.about_action.triggered.connect(self.show_about)
        help_menu.addActions([self.shortcuts_action, self.first_run_action])
        help_menu.addSeparator()
        help_menu.addAction(self.about_action)

    def _fill_file_menu(self) -> None:
        menu = self.file_menu
        menu.clear()
        menu.addAction(self.open_action)
        page_actions = self.current_page().menu_actions() if self.specs else []
        if page_actions:
            menu.addSeparator()
            menu.addActions(page_actions)
        menu.addSeparator()
        menu.addAction(self.quit_action)

    def show_shortcuts(self) -> ShortcutSheet:
        scopes = {self.pages[spec.id]: f"{spec.title} page" for spec in self.specs}
        sheet = ShortcutSheet(registered_shortcuts(self, scopes), self)
        self.shortcut_sheet = sheet
        sheet.show()
        return sheet

    def show_about(self) -> AboutDialog:
        about = AboutDialog(self)
        attach_exports(about)  # its tables copy like every other
        self.about_dialog = about
        about.show()
        return about

    # settings -------------------------------------------------------------------------------
    def _restore_settings(self) -> None:
        s = self._settings
        geometry = s.value("window/geometry")
        if geometry is not None:
            self.restoreGeometry(geometry)
        for spec in self.specs:
            s.beginGroup(f"pages/{spec.id}")
            self.pages[spec.id].restore_settings(s)
            s.endGroup()
        ids = [spec.id for spec in self.specs]
        current = s.value("window/page", ids[0] if ids else "")
        self.nav.setCurrentRow(ids.index(current) if current in ids else 0)

    def save_settings(self) -> None:
        s = self._settings
        s.setValue("window/geometry", self.saveGeometry())
        if self.specs:
            s.setValue("window/page", self.current_page_id())
        for spec in self.specs:
            s.beginGroup(f"pages/{spec.id}")
            self.pages[spec.id].save_settings(s)
            s.endGroup()
        s.sync()

    def closeEvent(self, event: QCloseEvent) -> None:
        self.save_settings()
        for page in self.pages.values():
            page.shutdown()
        super().closeEvent(event)
