"""`mobilenet-studio screenshots DIR`: every registered page, offscreen, at a fixed size, one
PNG each. Each page gets to finish its initial work first (Page.ready), so the pictures show
real numbers, not spinners. Settings go to a throwaway file: the pictures do not depend on
(or change) what the user last looked at."""

from __future__ import annotations

import os
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QEventLoop, QTimer
from PySide6.QtWidgets import QApplication

from gui.export import atomic_write
from gui.settings import SETTINGS_ENV

SIZE = (1600, 1000)
PAGE_TIMEOUT_S = 120.0


def wait_until(predicate: Callable[[], bool], timeout_s: float) -> bool:
    """Run the event loop until `predicate()` holds or the time is up."""
    deadline = time.monotonic() + timeout_s
    loop = QEventLoop()
    timer = QTimer()
    timer.setInterval(25)
    timer.timeout.connect(lambda: loop.quit() if predicate() or time.monotonic() > deadline else None)
    timer.start()
    if not predicate():
        loop.exec()
    timer.stop()
    return predicate()


def take_screenshots(folder: str | os.PathLike, timeout_s: float = PAGE_TIMEOUT_S,
                     size: tuple[int, int] = SIZE) -> int:
    from gui.main_window import MainWindow

    out = Path(folder)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        print(f"mobilenet-studio: cannot create the folder {out}: {exc.strerror}", file=sys.stderr)
        return 2
    status = 0
    with tempfile.TemporaryDirectory(prefix="mobilenet-studio-shots-") as scratch:
        previous = os.environ.get(SETTINGS_ENV)
        os.environ[SETTINGS_ENV] = str(Path(scratch) / "settings.ini")
        try:
            window = MainWindow()
        finally:
            if previous is None:
                os.environ.pop(SETTINGS_ENV, None)
            else:
                os.environ[SETTINGS_ENV] = previous
        window.resize(*size)
        window.show()
        try:
            for spec in window.specs:
                window.show_page(spec.id)
                page = window.pages[spec.id]
                page.prepare_screenshot()
                if not wait_until(page.ready, timeout_s):
                    print(f"mobilenet-studio: page {spec.id!r} was still busy after {timeout_s:g} s; "
                          "its screenshot shows it unfinished", file=sys.stderr)
                    status = 1
                QApplication.processEvents()
                pixmap = window.grab()
                path = out / f"{spec.id}.png"

                def save(tmp: str, pixmap=pixmap) -> None:
                    if not pixmap.save(tmp, "PNG"):
                        raise OSError(f"could not write {path}")

                atomic_write(path, save)
                print(path)
        finally:
            window.close()
            window.deleteLater()
    return status
