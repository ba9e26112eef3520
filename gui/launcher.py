"""The `mobilenet-studio` entry point: no command opens the GUI, `screenshots` renders it
offscreen, anything else is an engine CLI command. Qt is imported only when a window is needed,
so CLI commands stay fast and work on machines without a display."""

from __future__ import annotations

import sys
from collections.abc import Sequence

GUI_COMMANDS = ("screenshots",)


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or argv[0] in GUI_COMMANDS or argv == ["--debug"]:
        from gui.app import run_gui

        return run_gui(argv)
    from engine.cli import main as cli_main

    return cli_main(argv)


if __name__ == "__main__":
    sys.exit(main())
