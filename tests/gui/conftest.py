"""GUI test fixtures: offscreen Qt (tests/conftest.py), a private settings file per test, and a
main window whose first computation has finished."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QSettings

from gui.settings import SETTINGS_ENV

READY_TIMEOUT_MS = 90_000  # the machine is shared; a computation normally takes a few seconds


@pytest.fixture(autouse=True)
def settings_file(tmp_path, monkeypatch):
    """Every test gets its own settings .ini, so no test reads or writes the user's settings."""
    path = tmp_path / "settings.ini"
    monkeypatch.setenv(SETTINGS_ENV, str(path))
    return path


@pytest.fixture
def preset(settings_file):
    """Write Models page settings before a window opens (a cheap configuration by default)."""

    def write(model: str = "mobilenet_v3_small", width: str = "1.0", resolution: str = "96",
              options: list[str] | None = None) -> None:
        s = QSettings(str(settings_file), QSettings.Format.IniFormat)
        s.beginGroup("pages/models")
        s.setValue("model", model)
        s.setValue("width", width)
        s.setValue("resolution", resolution)
        s.setValue("options", options or [])
        s.endGroup()
        s.sync()

    return write


@pytest.fixture
def open_window(qtbot):
    """Open a main window and wait until the Models page shows its first result."""
    from gui.app import make_app
    from gui.main_window import MainWindow

    def open_() -> MainWindow:
        make_app()
        window = MainWindow()
        qtbot.addWidget(window)
        window.show()
        qtbot.waitUntil(window.pages["models"].ready, timeout=READY_TIMEOUT_MS)
        return window

    return open_


@pytest.fixture(autouse=True)
def collect_on_the_main_thread():
    """Collect each test's garbage here, on the main thread. Left to chance, a cycle holding Qt
    objects can be collected on a worker thread, which aborts Qt: the suite died with SIGABRT
    at a test boundary, at a different test depending on which tests ran before."""
    import gc

    yield
    gc.collect()


@pytest.fixture(autouse=True)
def no_shared_image():
    """The image shared by the task pages lives as long as the process: each test starts without."""
    from gui.pages._task_page import SharedImage

    SharedImage.path = None
    yield
    SharedImage.path = None
