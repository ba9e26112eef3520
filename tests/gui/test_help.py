"""Help where it's needed: the Help menu's About (versions read at run time, every weight's
source and licence), the F1 shortcut sheet built from the registered actions, a File menu of
file actions only, the first-run hint remembered once dismissed, and glossary tooltips."""

from __future__ import annotations

import importlib.metadata as metadata
import re

import pytest
import torch
from PySide6.QtCore import QSettings, Qt, qVersion
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QLabel, QTableWidget, QVBoxLayout, QWidget

from engine import api
from gui.first_run import DISMISSED_KEY, FirstRunHint
from gui.glossary import TERMS, explain, explanations_for
from gui.help_dialogs import AboutDialog, registered_shortcuts

FILE_ACTION = re.compile(r"^&?(Open|Save|Export|Import|Quit)\b")


def _cells(table: QTableWidget) -> list[list[str]]:
    return [[table.item(r, c).text() for c in range(table.columnCount())] for r in range(table.rowCount())]


def test_about_lists_the_installed_versions_and_every_weights_licence(qtbot):
    from gui.app import make_app

    make_app()
    about = AboutDialog()
    qtbot.addWidget(about)
    versions = dict(_cells(about.versions))
    assert versions["PyTorch"] == metadata.version("torch") and torch.__version__.startswith(versions["PyTorch"][:4])
    assert versions["ONNX Runtime"] == metadata.version("onnxruntime")
    try:
        assert versions["OpenVINO"] == metadata.version("openvino")
    except metadata.PackageNotFoundError:
        assert versions["OpenVINO"] == "not installed"
    assert versions["Qt"] == qVersion()
    assert versions["MobileNet Studio"] == metadata.version("mobilenet-studio")
    rows = _cells(about.weights)
    entries = api.weight_entries()
    assert [row[0] for row in rows] == [e.name for e in entries]
    assert [row[2] for row in rows] == [e.licence for e in entries]
    for row, entry in zip(rows, entries):
        assert all(source.describe() in row[1] for source in entry.sources)


def test_first_run_hint_is_remembered_once_dismissed(qtbot, settings_file):
    holders = []

    def shown(hint: FirstRunHint) -> FirstRunHint:  # inside a window, as the main window has it
        holder = QWidget()
        holders.append(holder)
        QVBoxLayout(holder).addWidget(hint)
        qtbot.addWidget(holder)
        holder.show()
        return hint

    hint = shown(FirstRunHint(QSettings(str(settings_file), QSettings.Format.IniFormat)))
    assert hint.isVisible()
    hint.set_on_landing(False)
    assert not hint.isVisible()  # only on the landing page
    hint.set_on_landing(True)
    qtbot.mouseClick(hint.dismiss_button, Qt.MouseButton.LeftButton)
    assert not hint.isVisible()
    again = shown(FirstRunHint(QSettings(str(settings_file), QSettings.Format.IniFormat)))  # a later session
    assert not again.isVisible()
    assert QSettings(str(settings_file), QSettings.Format.IniFormat).value(DISMISSED_KEY) in (True, "true")


def test_glossary_explains_each_term_once():
    assert len(explanations_for("Peak activations · Table 3")) == 1
    assert explanations_for("MAdds (millions)")[0].startswith("MAdds:")
    assert explanations_for("Pareto frontier")[0].startswith("Pareto frontier:")
    assert explanations_for("nothing to explain here") == []
    assert len(TERMS) >= 5


def test_window_help(open_window, preset, qtbot):
    """F1 opens the sheet of every registered shortcut; each page's File menu holds file actions
    only; the hint shows on the landing page; the glossary reached the pages' labels."""
    preset()
    window = open_window()
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow, timeout=5000)

    # F1: the sheet lists what the window registered, read independently here
    qtbot.keyClick(window, Qt.Key.Key_F1)
    sheet = window.shortcut_sheet
    qtbot.waitUntil(sheet.isVisible, timeout=5000)
    listed = {(row[0], row[1]) for row in _cells(sheet.table)}
    registered = {a.shortcut().toString(QKeySequence.SequenceFormat.NativeText)
                  for a in window.findChildren(QAction) if not a.shortcut().isEmpty()}
    assert {keys for keys, _ in listed} >= registered
    assert ("Ctrl+Q", "Quit") in listed and ("F1", "Keyboard shortcuts") in listed
    assert ("F5", "Recompute") in listed and ("Ctrl+R", "Run") in listed
    assert sorted(map(tuple, _cells(sheet.table))) == sorted(registered_shortcuts(window, {
        window.pages[s.id]: f"{s.title} page" for s in window.specs}))
    sheet.close()

    # File menu: file actions only, on every page; page actions stay on the page's toolbar
    assert [a.text() for a in window.menuBar().actions()] == ["&File", "&View", "&Help"]
    for spec in window.specs:
        window.show_page(spec.id)
        texts = [a.text() for a in window.file_menu.actions() if not a.isSeparator()]
        assert texts[0] == "&Open…" and texts[-1] == "&Quit"
        assert all(FILE_ACTION.match(t) for t in texts), f"{spec.id}: {texts}"
        assert window.hint.isVisible() == (spec.id == window.specs[0].id)
    assert "Recompute" not in [a.text() for a in window.file_menu.actions()]

    # About from the Help menu
    about = window.show_about()
    assert dict(_cells(about.versions))["Qt"] == qVersion()
    about.close()

    # glossary: the Models page's Table 3 card and the Trade-offs reward control
    window.show_page("models")
    explain(window.pages["models"])
    card = window.pages["models"].totals.table3
    titles = [w for w in card.findChildren(QLabel) if "Table 3" in w.text()]
    assert titles and all(TERMS[r"Table 3|peak activ"] in w.toolTip() for w in titles)
    window.show_page("tradeoffs")
    w_combo = window.pages["tradeoffs"].targets.w_combo
    assert "ACC × (LAT/TAR)^w" in w_combo.toolTip() and "Reward (MnasNet" in w_combo.toolTip()


@pytest.mark.parametrize("text", ["MAdds", "Inference path"])
def test_explain_keeps_the_pages_own_tooltip(qtbot, text):
    label = QLabel(text)
    qtbot.addWidget(label)
    label.setToolTip("the page's own words")
    explain(label)
    explain(label)  # idempotent
    assert label.toolTip().startswith("the page's own words")
    assert label.toolTip().count(explanations_for(text)[0]) == 1


def test_a_model_backed_table_header_explains_its_terms(qtbot):
    from PySide6.QtCore import QPoint
    from PySide6.QtGui import QHelpEvent, QStandardItemModel
    from PySide6.QtWidgets import QApplication, QTableView, QToolTip

    model = QStandardItemModel(2, 2)
    model.setHorizontalHeaderLabels(["Layer", "MAdds"])
    view = QTableView()
    view.setModel(model)
    qtbot.addWidget(view)
    view.show()
    qtbot.waitExposed(view)
    explain(view)
    header = view.horizontalHeader()
    middle = QPoint(header.sectionViewportPosition(1) + header.sectionSize(1) // 2, header.height() // 2)
    QApplication.sendEvent(header.viewport(), QHelpEvent(QHelpEvent.Type.ToolTip, middle,
                                                         header.viewport().mapToGlobal(middle)))
    assert QToolTip.text() == explanations_for("MAdds")[0]
    from gui.glossary import _HeaderTips

    tips = header.findChild(_HeaderTips)
    assert tips.tip_at(header.sectionViewportPosition(0) + 5, 5) is None  # "Layer" has nothing to explain
