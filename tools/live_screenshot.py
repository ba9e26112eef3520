"""Screenshot of the Live page running its default pair, as a user sees it on a real X server.

    xvfb-run -a -s "-screen 0 1280x800x24" python tools/live_screenshot.py docs/live-1280x800.png [SECONDS]

Opens the main window at the screen's size, shows the Live page, starts it (what Space does:
the person SSDLite against the COCO SSD on the demo video when both are cached) and after
SECONDS (default 45: the HUD's and agreement's figures settle) captures the whole screen with
ImageMagick's `import`, so anything the window cannot fit is cut off in the picture as it is
on the screen. Run it with a fresh settings file (MOBILENET_STUDIO_SETTINGS) to get the defaults.
"""

from __future__ import annotations

import subprocess
import sys

from PySide6.QtCore import QTimer

from gui.app import make_app
from gui.main_window import MainWindow

START_MS = 8000  # the window's first computations settle before the live view starts


def main(out: str, seconds: int = 45) -> int:
    app = make_app()
    window = MainWindow()
    screen = app.primaryScreen().size()
    window.resize(screen.width(), screen.height())
    window.move(0, 0)
    window.show()
    page = window.pages["live"]

    def start() -> None:
        window.show_page("live")
        page.toggle()

    def shoot() -> None:
        subprocess.run(["import", "-window", "root", out], check=True)
        print(f"{out}: window {window.width()}×{window.height()} on a {screen.width()}×{screen.height()} screen; "
              f"{page.agreement.text()}")
        page.shutdown()
        app.quit()

    QTimer.singleShot(START_MS, start)
    QTimer.singleShot(START_MS + seconds * 1000, shoot)
    return app.exec()


if __name__ == "__main__":
    if len(sys.argv) < 2:
        print("usage: live_screenshot.py OUT.png [SECONDS]", file=sys.stderr)
        sys.exit(2)
    sys.exit(main(sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 45))
