"""The Weights page: every weight set in the manifest with its cache status, fetched from the
package registry or a URL with a progress bar, imported from a file the user has, cancellable.

Work runs on the page's JobRunner. The engine reports progress through a callback (message, done,
total); the job's `report` forwards it to the UI thread and raises Cancelled once the user asked to
stop, so the engine unwinds through its atomic writes and leaves no partial file. After every
operation, successful or not, the table is listed again (off the UI thread: listing re-hashes the cache)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QSettings, Qt
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import (
    QAbstractItemView, QFileDialog, QFrame, QHBoxLayout, QHeaderView, QLabel, QProgressBar, QPushButton,
    QTableWidget, QTableWidgetItem, QVBoxLayout, QWidget,
)

from engine import api

from gui import formatting
from gui.pages import register_page
from gui.pages.base import Page
from gui.widgets.weights_info import metrics_tooltip, published_text, short_licence, status_colour
from gui.widgets.panel import inline_error, page_header
from gui.workers.jobs import Job, JobRunner
from gui.widgets.fit import ElidedLabel

__all__ = ["WeightsPage", "COLUMNS"]

COLUMNS = ("Name", "Model", "Source", "Status", "Size", "Licence", "Published")
NO_SELECTION = "Select a row to see its file and sha256; fetch or import into it."
Work = Callable[[Callable[..., None]], str]  # gets the progress callback, returns a summary line


def _source_text(row: dict) -> tuple[str, str]:
    """(short text, tooltip listing every source in the order they are tried). Every source
    but a plain URL names a registry requirement (a wheel, an npm tarball, a source archive)."""
    sources = row["sources"]
    first = sources[0]
    registry = {"registry-package": "registry", "npm-tarball": "npm", "sdist-member": "source archive"}
    short = (f"URL: {first['url'].split('/')[2]}" if first["kind"] == "url"
             else f"{registry.get(first['kind'], first['kind'])}: {first['requirement']}")
    tip = "\n".join(s["url"] if s["kind"] == "url" else f"{s['requirement']} ({s.get('member', '')})"
                    for s in sources)
    return short, f"Tried in this order:\n{tip}"


def _describe(result: api.FetchResult) -> str:
    said = {"cached": "already in the cache", "fetched": "fetched and verified",
            "imported": "imported and verified", "source-only": "source verified, waiting for its converter"}
    return f"{result.entry.name}: {said.get(result.status, result.status)}"


@register_page("weights", "Weights", order=80, tooltip="Fetch, import and check pretrained weights")
class WeightsPage(Page):
    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("page")
        self.rows: list[dict] = []
        self._started = False
        self._folder = str(Path.home())
        self._select_model: str | None = None
        self._pending_fetch: str | None = None  # a fetch another page asked for while busy
        self.jobs = JobRunner(self)
        self.jobs.progress.connect(self._on_progress)
        self.jobs.partial.connect(lambda _serial, rows: self.set_rows(rows))
        self.jobs.succeeded.connect(self._on_done)
        self.jobs.failed.connect(self._on_failed)
        self.jobs.cancelled.connect(self._on_cancelled)
        self.jobs.busy_changed.connect(self.report_busy)

        layout = self.page_layout()
        self.subtitle = ElidedLabel("Listing the cache…")
        self.subtitle.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addLayout(page_header("Weights", self.subtitle))
        self.progress_bar = QProgressBar()
        self.progress_bar.setTextVisible(True)
        self.progress_bar.setMinimumWidth(320)
        self.progress_bar.hide()
        self.progress_label = QLabel("")
        self.progress_label.setObjectName("cardNote")
        self.progress_label.setWordWrap(True)
        self.progress_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addLayout(self._build_buttons())
        layout.addWidget(self.progress_label)
        self.error_label = inline_error()
        layout.addWidget(self.error_label)
        panel = QFrame()
        panel.setObjectName("panel")
        panel_layout = QVBoxLayout(panel)
        panel_layout.setContentsMargins(14, 12, 14, 12)
        panel_layout.setSpacing(8)
        panel_layout.addWidget(self._build_table(), 1)
        self.description = QLabel(NO_SELECTION)
        self.description.setObjectName("cardNote")
        self.description.setWordWrap(True)
        self.description.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        panel_layout.addWidget(self.description)
        layout.addWidget(panel, 1)
        self._set_running(False)

    def _build_buttons(self) -> QHBoxLayout:
        self.fetch_button = QPushButton("Fetch selected")
        self.fetch_button.setToolTip("Download, verify (sha256) and convert the selected weights")
        self.fetch_button.clicked.connect(self.fetch_selected)
        self.shipped_button = QPushButton("Fetch shipped")
        self.shipped_button.setToolTip("Everything that comes from packages of the Python package registry "
                                       "(what 'mobilenet-studio weights fetch --shipped' gets)")
        self.shipped_button.clicked.connect(self.fetch_shipped)
        self.import_button = QPushButton("Import file…")
        self.import_button.setToolTip("Take a checkpoint you already downloaded into the cache (sha256-checked) "
                                      "for the selected row's model")
        self.import_button.clicked.connect(self.ask_import)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setToolTip("Stop the download or import; nothing partial is kept")
        self.cancel_button.clicked.connect(self.cancel)
        row = QHBoxLayout()
        row.setSpacing(8)
        for button in (self.fetch_button, self.shipped_button, self.import_button, self.cancel_button):
            row.addWidget(button)
        row.addSpacing(12)
        row.addWidget(self.progress_bar, 3)
        row.addStretch(1)
        return row

    def _build_table(self) -> QTableWidget:
        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setObjectName("weightsTable")
        self.table.setHorizontalHeaderLabels(COLUMNS)
        self.table.verticalHeader().setVisible(False)
        self.table.verticalHeader().setDefaultSectionSize(28)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.table.setShowGrid(False)
        self.table.setWordWrap(False)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(COLUMNS.index("Name"), QHeaderView.ResizeMode.Stretch)
        self.table.itemSelectionChanged.connect(self._on_selection)
        return self.table

    # operations -----------------------------------------------------------------------------
    def selected_names(self) -> list[str]:
        rows = sorted({index.row() for index in self.table.selectionModel().selectedRows()})
        return [self.rows[r]["name"] for r in rows if r < len(self.rows)]

    def select(self, name: str) -> None:
        for r, row in enumerate(self.rows):
            if row["name"] == name:
                self.table.selectRow(r)
                return

    def fetch_selected(self) -> None:
        names = self.selected_names()
        if not names:
            self.show_error("Select the weights to fetch in the table first.")
            return

        def work(progress) -> str:
            return "; ".join(_describe(api.fetch(name, progress)) for name in names)

        self.run(work, f"Fetching {', '.join(names)}…")

    def fetch_shipped(self) -> None:
        self.run(lambda progress: "; ".join(_describe(r) for r in api.fetch_shipped(progress)),
                 "Fetching the shipped weights…")

    def ask_import(self) -> None:
        names = self.selected_names()
        if not names:
            self.show_error("Select the row of the weights the file is for, then import.")
            return
        path, _ = QFileDialog.getOpenFileName(self, f"Import weights for {names[0]}", self._folder,
                                              "PyTorch checkpoints (*.pth *.pt);;All files (*)")
        if path:
            self._folder = str(Path(path).parent)
            self.import_path(names[0], path)

    def import_path(self, name: str, path: str) -> None:
        """Import `path` for the weights `name`, or for the model `name` (the entry is then
        chosen by the file's sha256, so any known file for that model is accepted)."""
        self.run(lambda progress: _describe(api.import_file(name, path, progress)),
                 f"Importing {Path(path).name}…")

    def run(self, work: Work, label: str) -> bool:
        """Start `work(progress)` off the UI thread; False when another operation is running."""
        if self.jobs.is_busy():
            self.status_message.emit("Another weights operation is running; cancel it first")
            return False
        self.error_label.hide()

        def listed(job: Job) -> str:
            try:
                return work(job.report)
            finally:  # the table tells the truth whatever happened
                job.emit(api.list_weights())

        self._set_running(True, label)
        self.jobs.submit(listed, label)
        return True

    def refresh(self) -> None:
        self.run(lambda _progress: "", "Listing the weights cache…")

    def cancel(self) -> None:
        """Ask the running operation to stop: it ends at the engine's next progress report
        (pip's own download cannot be interrupted; the stop comes when it hands the wheel over)."""
        if not self.jobs.is_busy():
            return
        self.jobs.cancel()
        self.cancel_button.setEnabled(False)
        self.progress_label.setText("Cancelling at the next progress report…")

    def is_running(self) -> bool:
        return self.jobs.is_busy()

    # results --------------------------------------------------------------------------------
    def _on_progress(self, done: object, total: object, message: str) -> None:
        if done is not None and total:
            self.progress_bar.setRange(0, 1000)
            self.progress_bar.setValue(int(1000 * min(int(done) / int(total), 1.0)))
            self.progress_bar.setFormat(f"{formatting.size_bytes(int(done))} of {formatting.size_bytes(int(total))}")
        else:
            self.progress_bar.setRange(0, 0)  # a status line: pip, conversion, hashing
        if not self.jobs.is_cancelling():
            self.progress_label.setText(message)

    def _fetch_pending(self) -> None:
        """The one-click fetch asked for by another page, once nothing else runs here."""
        name, self._pending_fetch = self._pending_fetch, None
        if name:
            self.select(name)
            self.run(lambda progress: _describe(api.fetch(name, progress)), f"Fetching {name}…")

    def _on_done(self, _serial: int, text: str) -> None:
        self._set_running(False)
        if self._pending_fetch:
            self._fetch_pending()
            return
        self.progress_label.setText(text)
        if text:
            self.status_message.emit(text)

    def _on_failed(self, _serial: int, message: str) -> None:
        self._set_running(False)
        self.show_error(message)

    def _on_cancelled(self, _serial: int) -> None:
        self._set_running(False)
        self.progress_label.setText("Cancelled; no partial file was kept.")
        self.status_message.emit("Weights operation cancelled")

    def _set_running(self, running: bool, label: str = "") -> None:
        for button in (self.fetch_button, self.shipped_button, self.import_button):
            button.setEnabled(not running)
        self.cancel_button.setEnabled(running)
        self.progress_bar.setVisible(running)
        if running:
            self.progress_bar.setRange(0, 0)
            self.progress_bar.setFormat("")
            self.progress_label.setText(label)

    def set_rows(self, rows: list[dict]) -> None:
        selected = set(self.selected_names())
        self.rows = list(rows)
        self.table.setRowCount(len(rows))
        for r, row in enumerate(rows):
            source, source_tip = _source_text(row)
            size_mb = row["metrics"].get("file_size_mb")
            size = (formatting.size_bytes(row["size"]) if row["size"] is not None
                    else f"{formatting.size_bytes(size_mb * 1e6)} to fetch" if size_mb else "—")
            cells = (row["name"], row["model"], source, row["status"], size, short_licence(row["licence"]),
                     published_text(row["metrics"]))
            tips = (row["description"], "", source_tip, row["path"], "", row["licence"],
                    metrics_tooltip(row["metrics"]))
            for c, (text, tip) in enumerate(zip(cells, tips)):
                item = QTableWidgetItem(text)
                item.setToolTip(tip)
                if COLUMNS[c] == "Status":
                    item.setForeground(status_colour(text))
                self.table.setItem(r, c, item)
        for name in selected:
            self.select(name)
        if self._select_model:
            match = [row["name"] for row in rows if row["model"] == self._select_model]
            if match:
                self.table.clearSelection()
                self.select(match[0])
            self._select_model = None
        cached = sum(1 for row in rows if row["cached"])
        folder = str(Path(rows[0]["path"]).parent) if rows else ""
        self.subtitle.setText(f"{len(rows)} weight sets, {cached} in the cache · {folder}")

    def _on_selection(self) -> None:
        names = self.selected_names()
        row = next((r for r in self.rows if r["name"] == names[0]), None) if names else None
        self.description.setText(f"{row['name']}: {row['description']} · file {row['file']} · sha256 "
                                 f"{row['sha256'] or row['sha256_prefix'] + '… (prefix)'}" if row else NO_SELECTION)

    # page hooks -----------------------------------------------------------------------------
    def receive(self, payload: object) -> None:
        """A model name (from the Classify page): select its weights. {"fetch": entry name}
        (the Live and Models pages' one-click fetch): fetch it here, with this page's progress
        and cancel; queued behind an operation already running."""
        if isinstance(payload, dict) and payload.get("fetch"):
            self._pending_fetch = str(payload["fetch"])
            self._started = True  # the fetch lists the cache when it ends
            self._select_model = payload.get("model")
            if not self.jobs.is_busy():
                self._fetch_pending()
            return
        if isinstance(payload, str):
            match = [row["name"] for row in self.rows if row["model"] == payload]
            if match:
                self.table.clearSelection()
                self.select(match[0])
            else:
                self._select_model = payload  # not listed yet: select it when the rows arrive

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if self._started and not self.jobs.is_busy():
            self.refresh()  # another page (or the CLI) may have changed the cache

    def ready(self) -> bool:
        return self._started and not self.jobs.is_busy()

    def start(self) -> None:
        self._started = True
        if not self.jobs.is_busy():  # a fetch asked for by another page lists the cache itself
            self.refresh()

    def shutdown(self) -> None:
        self.jobs.wait()

    def save_settings(self, settings: QSettings) -> None:
        settings.setValue("folder", self._folder)

    def restore_settings(self, settings: QSettings) -> None:
        folder = settings.value("folder")
        if folder and Path(str(folder)).is_dir():
            self._folder = str(folder)
