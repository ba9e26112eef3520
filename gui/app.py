"""Starting the GUI: the QApplication, the theme, and the two modes the launcher hands us
(open the window, or render every page to PNG files)."""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence

USAGE = "usage: mobilenet-studio [screenshots DIR [--size WIDTHxHEIGHT]]"


def _size(text: str) -> tuple[int, int] | None:
    """'1280x800' as (1280, 800); None unless both are whole numbers from 320 to 7680."""
    width, _, height = text.lower().partition("x")
    if not (width.isdigit() and height.isdigit()):
        return None
    size = (int(width), int(height))
    return size if all(320 <= n <= 7680 for n in size) else None


def _parse(argv: Sequence[str]) -> tuple[str, str | None, tuple[int, int] | None] | str:
    """('window', None, None) | ('screenshots', DIR, size or None), or a one-line error message."""
    args = [a for a in argv if a != "--debug"]
    if not args:
        return ("window", None, None)
    if args[0] == "screenshots":
        rest, size = args[1:], None
        if "--size" in rest:
            at = rest.index("--size")
            given = rest[at + 1] if at + 1 < len(rest) else ""
            size = _size(given)
            if size is None:
                return (f"--size takes the window size as WIDTHxHEIGHT in pixels (320 to 7680 each), "
                        f"e.g. 1280x800; got {given!r}. {USAGE}")
            rest = rest[:at] + rest[at + 2:]
        if len(rest) == 1:
            return ("screenshots", rest[0], size)
        return f"screenshots takes exactly one argument, the output folder; got {len(rest)}. {USAGE}"
    return f"unknown argument {args[0]!r}; valid: no arguments (open the window) or screenshots DIR. {USAGE}"


def make_app():
    """The QApplication (reused if one exists, e.g. under pytest-qt), themed once."""
    import pyqtgraph as pg
    from PySide6.QtWidgets import QApplication

    from gui.theme import apply_theme

    app = QApplication.instance()
    if app is None:
        app = QApplication([sys.argv[0] if sys.argv else "mobilenet-studio"])
        app.setApplicationName("MobileNet Studio")
        app.setOrganizationName("MobileNetStudio")
    if not app.property("mobilenet_studio_themed"):
        pg.setConfigOptions(antialias=True, imageAxisOrder="row-major")
        apply_theme(app)
        app.setProperty("mobilenet_studio_themed", True)
    return app


def run_gui(argv: list[str]) -> int:
    parsed = _parse(argv)
    if isinstance(parsed, str):
        print(f"mobilenet-studio: {parsed}", file=sys.stderr)
        return 2
    mode, folder, size = parsed
    if mode == "screenshots":
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    # Checked before Qt starts: Qt's own failure to open a window aborts with a screenful of text.
    from gui.platform_check import platform_problem

    problem = platform_problem()
    if problem:
        print(f"mobilenet-studio: {problem}", file=sys.stderr)
        return 1
    from engine.api import InvalidInput, StudioError, user_folders

    try:
        user_folders()  # a MOBILENET_STUDIO_HOME that is a file or cannot be created: one line
        if mode == "screenshots":
            from gui.screenshots import take_screenshots

            make_app()
            return take_screenshots(folder, size=size) if size else take_screenshots(folder)
        from gui.main_window import MainWindow
        from gui.settings import settings_problem

        warning = settings_problem()
        if warning:
            print(f"mobilenet-studio: {warning}", file=sys.stderr)
        app = make_app()
        window = MainWindow()
    except StudioError as exc:  # also a broken installation's missing data file: one line, as in the CLI
        if "--debug" in argv:
            raise
        print(f"mobilenet-studio: {exc}", file=sys.stderr)
        return 2 if isinstance(exc, InvalidInput) else 1
    window.show()
    return app.exec()
