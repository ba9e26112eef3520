"""The GUI starts whatever state the results database is in (issue 18): the Trade-offs page
shows why it could not read it, inline, and still draws the papers' points."""

from __future__ import annotations

import random
import sqlite3

import pytest

from engine.results import default_path
from engine.results.schema import SCHEMA_VERSION
from tests.engine.test_results_faults import damage_pages, filled


def newer(path):
    filled(path, runs=1)
    sqlite3.connect(path).execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")


@pytest.mark.parametrize("spoil,shown", [
    (lambda p: (filled(p), damage_pages(p, "garbage pages")), "was unusable"),
    (lambda p: p.write_bytes(random.Random(5).randbytes(4096)), "not an SQLite file"),
    (lambda p: sqlite3.connect(p).executescript("CREATE TABLE runs(x);"), "not a MobileNet Studio results database"),
    (newer, "newer than this app"),
])
def test_the_tradeoffs_page_opens_and_says_why(qtbot, spoil, shown):
    """(It was this page's first read that stopped the main window from opening.)"""
    from gui.app import make_app
    from gui.pages.tradeoffs_page import TradeoffsPage

    default_path().parent.mkdir(parents=True, exist_ok=True)
    spoil(default_path())
    make_app()
    page = TradeoffsPage()
    qtbot.addWidget(page)
    page.start()
    qtbot.waitUntil(lambda: shown in page.error_label.text(), timeout=30_000)
    assert not page.error_label.isHidden()
    assert page.madds_plot.drawn  # the papers' MAdds points need no database
    page.shutdown()
