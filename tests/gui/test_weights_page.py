"""The Weights page against the real engine: the manifest listed, wrong files and offline
fetches reported as the engine's one line, cancel stopping a fetch or an import midway with
nothing left in the cache, and the page usable afterwards. No network is used: the cancelled
fetch stops at its first progress report, before pip runs; "offline" is a closed local proxy."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from engine import api
from engine.errors import StudioError
from engine.weights import cache
from gui.pages.weights_page import COLUMNS, WeightsPage
from tests.gui.conftest import READY_TIMEOUT_MS

SHIPPED = "mobilenet_v2.imagenet1k_v1"
URL_ONLY = "mobilenet_v3_small.imagenet1k_v1"
STATUS = COLUMNS.index("Status")


@pytest.fixture
def page(qtbot):
    page = WeightsPage()
    qtbot.addWidget(page)
    page.resize(1300, 600)
    page.show()
    page.start()
    qtbot.waitUntil(page.ready, timeout=READY_TIMEOUT_MS)
    yield page
    page.shutdown()


def files_in_cache() -> list[str]:
    return sorted(str(p) for p in cache.root().rglob("*") if p.is_file()) if cache.root().exists() else []


def engine_error(call, *args) -> str:
    try:
        call(*args)
    except StudioError as exc:
        return str(exc)
    raise AssertionError(f"the engine accepted {args}")


def usable(page: WeightsPage) -> bool:
    return (page.fetch_button.isEnabled() and page.import_button.isEnabled() and page.shipped_button.isEnabled()
            and not page.cancel_button.isEnabled() and not page.progress_bar.isVisibleTo(page))


def cancel_at(page: WeightsPage, when) -> list[tuple]:
    """Press Cancel (set the flag) from the worker thread at the first report `when` accepts,
    so the engine's very next check sees it; returns every report seen."""
    seen = []

    def on_progress(_serial, done, total, message):
        seen.append((message, done, total))
        if when(message, done, total):
            page.jobs.cancel()

    page.jobs.relay.progress.connect(on_progress, Qt.ConnectionType.DirectConnection)
    return seen


def test_the_table_lists_the_manifest_with_cache_status(page):
    rows = api.list_weights()
    assert [page.table.item(r, 0).text() for r in range(page.table.rowCount())] == [r["name"] for r in rows]
    assert {page.table.item(r, STATUS).text() for r in range(page.table.rowCount())} == {"not cached"}
    assert usable(page)


def test_importing_a_wrong_file_shows_the_engines_one_line_error(page, qtbot, tmp_path):
    wrong = tmp_path / "mobilenet_v2-b0353104.pth"
    wrong.write_bytes(b"these are not the weights you are looking for" * 1000)
    expected = engine_error(api.import_file, "mobilenet_v2", wrong)

    page.select(SHIPPED)
    page.import_path("mobilenet_v2", str(wrong))
    qtbot.waitUntil(page.ready, timeout=READY_TIMEOUT_MS)
    assert page.error_label.isVisibleTo(page)
    assert page.error_label.text() == expected and "\n" not in expected
    assert usable(page) and files_in_cache() == []
    page.refresh()  # the page still works
    qtbot.waitUntil(page.ready, timeout=READY_TIMEOUT_MS)
    assert page.table.rowCount() == len(api.list_weights())


def test_cancel_stops_an_import_midway_and_keeps_nothing(real_weights, page, qtbot, tmp_path, monkeypatch):
    source = cache.converted_path(SHIPPED)  # torchvision's own file (its converter is a plain copy)
    monkeypatch.setenv("MOBILENET_STUDIO_HOME", str(tmp_path / "empty-home"))
    seen = cancel_at(page, lambda _m, done, total: done is not None and done < total)

    page.import_path(SHIPPED, str(source))
    qtbot.waitUntil(page.ready, timeout=READY_TIMEOUT_MS)
    copied = [done for _m, done, _t in seen if done is not None]
    assert copied and max(copied) < source.stat().st_size  # it stopped midway through the copy
    assert "Cancelled" in page.progress_label.text() and not page.error_label.isVisibleTo(page)
    assert files_in_cache() == []
    assert usable(page)
    assert page.table.item(page.rows.index(next(r for r in page.rows if r["name"] == SHIPPED)), STATUS).text() == "not cached"


def test_cancel_stops_a_fetch_before_any_download(page, qtbot):
    seen = cancel_at(page, lambda *_report: True)
    page.select(SHIPPED)
    page.fetch_selected()
    qtbot.waitUntil(page.ready, timeout=READY_TIMEOUT_MS)
    assert len(seen) == 1 and "pip" in seen[0][0]  # it stopped at the first report: pip never ran
    assert "Cancelled" in page.progress_label.text()
    assert files_in_cache() == [] and usable(page)


def test_offline_fetch_shows_the_engines_message(page, qtbot, monkeypatch):
    for var in ("https_proxy", "HTTPS_PROXY", "http_proxy", "HTTP_PROXY"):
        monkeypatch.setenv(var, "http://127.0.0.1:9")  # nothing listens there: offline in milliseconds
    monkeypatch.delenv("no_proxy", raising=False)
    monkeypatch.delenv("NO_PROXY", raising=False)
    expected = engine_error(api.fetch, URL_ONLY)

    page.select(URL_ONLY)
    page.fetch_selected()
    qtbot.waitUntil(page.ready, timeout=READY_TIMEOUT_MS)
    assert page.error_label.text() == expected
    assert "weights import" in expected  # the engine says what to do instead
    assert usable(page) and files_in_cache() == []


def test_a_model_name_from_another_page_selects_its_weights(page):
    page.receive("mobilenet_v3_large")
    assert page.selected_names() == ["mobilenet_v3_large.imagenet1k_v1"]
    assert "mobilenet_v3_large.imagenet1k_v1" in page.description.text()


def test_the_live_pages_one_click_fetch_runs_this_pages_job(page, qtbot):
    """The Live page sends {"fetch": entry, "model": model}: the fetch runs here, with this
    page's progress and cancel (cancelled at its first report, before pip runs), and the
    model's row is selected when the listing comes back."""
    seen = cancel_at(page, lambda *_report: True)
    page.receive({"fetch": SHIPPED, "model": "mobilenet_v2"})
    assert page.is_running() and not page.fetch_button.isEnabled()
    qtbot.waitUntil(page.ready, timeout=READY_TIMEOUT_MS)
    assert len(seen) == 1 and "pip" in seen[0][0]
    assert "Cancelled" in page.progress_label.text()
    assert page.selected_names() == [SHIPPED] and files_in_cache() == [] and usable(page)
