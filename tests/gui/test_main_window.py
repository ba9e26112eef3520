"""The main window: pages from the registry, shortcuts, settings that survive a restart, the
screenshots command and the launcher's argument handling."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QSettings, Qt
from PySide6.QtGui import QImage, QKeySequence

from engine import api
from gui import launcher
from gui.app import run_gui
from gui.pages import register_page, registered_pages
from tests.gui.conftest import READY_TIMEOUT_MS


def test_every_registered_page_is_in_the_navigation(open_window, preset):
    preset()
    window = open_window()
    ids = [spec.id for spec in registered_pages()]
    assert "models" in ids
    assert [window.nav.item(i).data(Qt.ItemDataRole.UserRole) for i in range(window.nav.count())] == ids
    assert window.stack.count() == len(ids)


def test_a_page_id_cannot_be_registered_twice():
    with pytest.raises(ValueError, match="models"):
        register_page("models", "Another", order=99)(lambda: None)


def test_shortcuts(open_window, preset, qtbot):
    preset()
    window = open_window()
    page = window.pages["models"]
    assert window.quit_action.shortcut() == QKeySequence("Ctrl+Q")
    assert [a.shortcut().toString() for a in window.page_actions] == [
        f"Ctrl+{n}" for n in range(1, min(9, len(window.specs)) + 1)]
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow, timeout=5000)

    qtbot.keyClick(window, Qt.Key.Key_F5)
    assert not page.ready()  # F5 started a recomputation of the same configuration
    qtbot.waitUntil(page.ready, timeout=READY_TIMEOUT_MS)

    qtbot.keyClick(window, Qt.Key.Key_1, Qt.KeyboardModifier.ControlModifier)
    assert window.current_page_id() == window.specs[0].id
    qtbot.keyClick(window, Qt.Key.Key_Q, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: not window.isVisible(), timeout=5000)


def test_ctrl_o_opens_in_the_page_on_show_or_in_classify(open_window, preset, qtbot, monkeypatch, tmp_path):
    """One window-wide Ctrl+O: the Detect page's own dialog while it shows, a video for the
    Live page, and Classify's for pages that open nothing (the Profiler)."""
    from PySide6.QtWidgets import QFileDialog

    from engine.api import ASSETS

    image = ASSETS / "demo" / "chelsea.jpg"
    asked: list[str] = []

    def fake_dialog(parent, caption, *args, **kwargs):  # Qt's modal dialog, answered at once
        asked.append(caption)
        return str(answer[0]), ""

    answer = [image]
    monkeypatch.setattr(QFileDialog, "getOpenFileName", fake_dialog)
    preset()
    window = open_window()
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow, timeout=5000)
    assert window.open_action.shortcut() == QKeySequence(QKeySequence.StandardKey.Open)

    window.show_page("detect")
    qtbot.keyClick(window, Qt.Key.Key_O, Qt.KeyboardModifier.ControlModifier)
    assert asked == ["Open image"] and window.current_page_id() == "detect"
    qtbot.waitUntil(lambda: window.pages["detect"]._path == str(image), timeout=READY_TIMEOUT_MS)  # it ran

    video = tmp_path / "clip.mp4"
    answer[0] = video
    window.show_page("live")
    qtbot.keyClick(window, Qt.Key.Key_O, Qt.KeyboardModifier.ControlModifier)
    live = window.pages["live"]
    assert asked[-1] == "Video file" and live.controls.source_kind() == "file"
    assert live.controls.source_spec().path == str(video)

    answer[0] = image
    window.show_page("profiler")
    qtbot.keyClick(window, Qt.Key.Key_O, Qt.KeyboardModifier.ControlModifier)
    assert asked[-1] == "Open image" and window.current_page_id() == "classify"
    qtbot.waitUntil(window.pages["classify"].ready, timeout=READY_TIMEOUT_MS)


def test_settings_are_restored_in_a_new_window(open_window, preset, settings_file, qtbot):
    preset()
    first = open_window()
    page = first.pages["models"]
    page.width_combo.setCurrentText("0.75")
    page.resolution_combo.setCurrentText("160")
    page.option_checks["minimalistic"].setChecked(True)  # also requests the new configuration
    page.chart.set_metric("params")
    first.resize(1000, 640)
    qtbot.waitUntil(page.ready, timeout=READY_TIMEOUT_MS)
    first.close()
    assert QSettings(str(settings_file), QSettings.Format.IniFormat).value("pages/models/width") == "0.75"

    second = open_window()
    restored = second.pages["models"]
    assert restored.model_combo.currentData() == "mobilenet_v3_small"
    assert (restored.width_combo.currentText(), restored.resolution_combo.currentText()) == ("0.75", "160")
    assert {n for n, box in restored.option_checks.items() if box.isChecked()} == {"minimalistic"}
    assert restored.chart.current_metric() == "params"
    # Qt clamps restored geometry to the screen (800 px wide offscreen), so only the height,
    # which fits, can be compared exactly; the default height would be 900
    assert second.height() == 640
    assert second.current_page_id() == first.current_page_id()
    stats = restored.stats
    assert (stats.model, stats.width, stats.resolution, stats.options) == (
        "mobilenet_v3_small", 0.75, 160, {"minimalistic": True})
    assert stats.madds == api.model_stats("mobilenet_v3_small", width=0.75, resolution=160,
                                          minimalistic=True).madds


def _pixels(image: QImage) -> np.ndarray:
    image = image.convertToFormat(QImage.Format.Format_RGB32)
    rows = np.frombuffer(image.constBits(), np.uint8).reshape(image.height(), image.bytesPerLine())
    return rows[:, : image.width() * 4].reshape(image.height(), image.width(), 4)[..., :3]


def test_screenshots_command_writes_one_png_per_page(tmp_path, settings_file, qapp):
    out = tmp_path / "shots"
    assert launcher.main(["screenshots", str(out)]) == 0
    for spec in registered_pages():
        image = QImage(str(out / f"{spec.id}.png"))
        assert not image.isNull(), spec.id
        assert (image.width(), image.height()) == (1600, 1000)
        pixels = _pixels(image).astype(float)
        assert pixels.std() > 20, f"{spec.id}.png looks blank"
        # several distinct colours: text, accent bars, sidebar; a blank or one-colour grab fails
        assert len(np.unique(pixels.reshape(-1, 3)[::7], axis=0)) > 50
    assert sorted(p.name for p in out.iterdir()) == sorted(f"{s.id}.png" for s in registered_pages())
    assert not settings_file.exists()  # screenshots never touch the user's settings


@pytest.mark.parametrize("argv, fragment", [
    (["bogus"], "unknown argument 'bogus'"),
    (["screenshots"], "screenshots takes exactly one argument"),
    (["screenshots", "a", "b"], "screenshots takes exactly one argument"),
    (["screenshots", "a", "--size", "big"], "--size takes the window size as WIDTHxHEIGHT"),
    (["screenshots", "a", "--size", "100x80"], "got '100x80'"),
    (["screenshots", "a", "--size"], "got ''"),
    (["screenshots", "--size", "1280x800"], "screenshots takes exactly one argument"),
])
def test_bad_gui_arguments_exit_2_with_one_line(argv, fragment, capsys):
    assert run_gui(argv) == 2
    err = capsys.readouterr().err
    assert fragment in err and err.count("\n") == 1


def test_screenshots_size_is_parsed_wherever_it_stands():
    from gui.app import _parse

    assert _parse(["screenshots", "out", "--size", "1280x800"]) == ("screenshots", "out", (1280, 800))
    assert _parse(["screenshots", "--size", "1920X1080", "out"]) == ("screenshots", "out", (1920, 1080))
    assert _parse(["screenshots", "out"]) == ("screenshots", "out", None)
