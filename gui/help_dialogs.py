"""The Help menu's two windows. About: the app's version, the versions of the libraries it runs
on (read at run time from the installed packages, so they are the ones actually in use), and
where every weight set comes from and under which licence (the weights manifest, through
engine.api). Keyboard shortcuts: generated from the actions and shortcuts registered in the
window when it opens, so the sheet cannot drift from what the keys do."""

from __future__ import annotations

import importlib.metadata as metadata
import re
from collections.abc import Sequence

from PySide6 import __version__ as pyside_version
from PySide6.QtCore import Qt, qVersion
from PySide6.QtGui import QAction, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView, QDialog, QDialogButtonBox, QHBoxLayout, QHeaderView, QLabel, QTableWidget, QTableWidgetItem,
    QVBoxLayout, QWidget,
)

from engine import api

__all__ = ["AboutDialog", "ShortcutSheet", "APP_PACKAGE", "LIBRARIES", "library_versions",
           "registered_shortcuts"]

APP_PACKAGE = "mobilenet-studio"
# (shown name, distribution name); optional runtimes show "not installed"
LIBRARIES = (("PyTorch", "torch"), ("ONNX Runtime", "onnxruntime"),
             ("OpenVINO", "openvino"), ("OpenCV", "opencv-python-headless"), ("NumPy", "numpy"),
             ("pyqtgraph", "pyqtgraph"))
NOT_INSTALLED = "not installed"


def installed_version(distribution: str) -> str:
    try:
        return metadata.version(distribution)
    except metadata.PackageNotFoundError:
        return NOT_INSTALLED


def library_versions() -> list[tuple[str, str]]:
    """(name, version) for the app, its libraries and Qt, read now."""
    rows = [("MobileNet Studio", installed_version(APP_PACKAGE))]
    rows += [(name, installed_version(dist)) for name, dist in LIBRARIES]
    rows += [("PySide6", pyside_version), ("Qt", qVersion())]
    return rows


def _table(header: Sequence[str], rows: Sequence[Sequence[str]], name: str) -> QTableWidget:
    table = QTableWidget(len(rows), len(header))
    table.setObjectName(name)
    table.setHorizontalHeaderLabels(list(header))
    table.verticalHeader().hide()
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.setWordWrap(True)
    for r, row in enumerate(rows):
        for c, text in enumerate(row):
            item = QTableWidgetItem(text)
            item.setToolTip(text)
            table.setItem(r, c, item)
    table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    table.horizontalHeader().setStretchLastSection(True)
    return table


def _buttons(dialog: QDialog) -> QDialogButtonBox:
    box = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
    box.rejected.connect(dialog.reject)
    return box


class AboutDialog(QDialog):
    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle("About MobileNet Studio")
        self.resize(900, 640)
        versions = library_versions()
        intro = QLabel(f"<b>MobileNet Studio {versions[0][1]}</b><br>Explore, measure and run the MobileNet "
                       "family: layer tables that reproduce the papers, latency on this machine, live "
                       "classification, detection and segmentation with real pretrained weights.")
        intro.setWordWrap(True)
        self.versions = _table(("Component", "Version"), versions, "aboutVersions")
        self.versions.resizeRowsToContents()
        self.versions.setFixedHeight(self.versions.horizontalHeader().sizeHint().height()
                                     + self.versions.verticalHeader().length() + 2 * self.versions.frameWidth())
        weights = [(e.name, "\n".join(s.describe() for s in e.sources), e.licence) for e in api.weight_entries()]
        self.weights = _table(("Weights", "Source", "Licence"), weights, "aboutWeights")
        header = self.weights.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Interactive)
        header.resizeSection(0, 250)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.Interactive)
        header.resizeSection(2, 240)
        self.weights.resizeRowsToContents()
        self.versions.setFixedWidth(320)
        layout = QVBoxLayout(self)
        top = QHBoxLayout()
        top.addWidget(self.versions)
        text = QVBoxLayout()
        text.addWidget(intro)
        text.addWidget(QLabel("Versions on the left are read from the installed packages now. Right-click "
                              "a table (or Ctrl+C) to copy it for a bug report."))
        text.addStretch(1)
        for label in (intro, text.itemAt(1).widget()):
            label.setWordWrap(True)
        top.addLayout(text, 1)
        layout.addLayout(top)
        layout.addWidget(QLabel("Weights: where each file comes from, and its licence"))
        layout.addWidget(self.weights, 1)
        layout.addWidget(_buttons(self))


def _plain(text: str) -> str:
    return re.sub(r"&(?!&)", "", text).replace("…", "").strip()


def registered_shortcuts(window: QWidget, scopes: dict[QWidget, str]) -> list[tuple[str, str, str]]:
    """(keys, what, where) for every action and QShortcut under `window` that has a key.
    `scopes` names the widgets whose shortcuts only work while they show (the pages)."""
    rows: list[tuple[str, str, str]] = []
    seen: set[tuple[str, str]] = set()

    def where(obj) -> str:
        if obj.property("shortcut_scope"):
            return str(obj.property("shortcut_scope"))
        parent = obj.parent()
        while parent is not None:
            if parent in scopes:
                return scopes[parent]
            parent = parent.parent()
        return "Everywhere"

    for obj in [*window.findChildren(QAction), *window.findChildren(QShortcut)]:
        keys = obj.shortcuts() if isinstance(obj, QAction) else [obj.key()]
        keys = [k for k in keys if not k.isEmpty()]
        if not keys:
            continue
        what = _plain(obj.text()) if isinstance(obj, QAction) else _plain(obj.whatsThis() or obj.objectName())
        text = ", ".join(k.toString(QKeySequence.SequenceFormat.NativeText) for k in keys)
        key = (text, what)
        if key not in seen:
            seen.add(key)
            rows.append((text, what or "(unnamed)", where(obj)))
    return sorted(rows, key=lambda row: (row[2] != "Everywhere", row[2], row[0]))


class ShortcutSheet(QDialog):
    def __init__(self, rows: Sequence[tuple[str, str, str]], parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle("Keyboard shortcuts")
        self.resize(560, 520)
        self.rows = list(rows)
        self.table = _table(("Keys", "Action", "Where"), self.rows, "shortcutSheet")
        self.table.setSortingEnabled(False)
        note = QLabel("Every key the window has registered right now. Page keys work while that page shows. "
                      "Right-click a chart to export it as PNG or SVG; Ctrl+C in a table copies it.")
        note.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.addWidget(note)
        layout.addWidget(self.table, 1)
        layout.addWidget(_buttons(self))
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
