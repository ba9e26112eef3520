"""The Detect page against independent runner calls: the shipped person detector's box on the
astronaut as a Qt item, a threshold that filters without re-running, hover details, the
untrained badge without weights, and inline errors for bad files."""

from __future__ import annotations

import cv2
import pytest
from PySide6.QtCore import QPointF

from engine import api
from gui.pages._task_page import DEMO_IMAGE
from gui.pages.detect_page import DetectPage, describe
from tests.gui.conftest import READY_TIMEOUT_MS

MODEL = "ssdlite_mobilenet_v2_person"


@pytest.fixture
def page(qtbot):
    def open_() -> DetectPage:
        page = DetectPage()
        qtbot.addWidget(page)
        page.resize(1200, 760)
        page.show()  # the first show runs the default model on the demo photo
        qtbot.waitUntil(lambda: page.ready() and page.outcome is not None, timeout=READY_TIMEOUT_MS)
        return page

    return open_


def _expected() -> api.DetectResult:
    runner = api.make_runner("detect", MODEL)
    return runner.run(cv2.imread(str(DEMO_IMAGE)))


def test_astronaut_gets_the_runners_person_box(real_weights, page):
    page = page()
    expected = _expected().above(0.5).detections
    assert len(expected) == 1 and expected[0].name == "person"  # issue 4: one person box > 0.5
    items = page.view.box_items()
    assert len(items) == 1
    rect = items[0].rect()
    x1, y1, x2, y2 = expected[0].box
    assert (rect.left(), rect.top(), rect.right(), rect.bottom()) == pytest.approx((x1, y1, x2, y2), abs=1e-3)
    assert page.table.rowCount() == 1 and page.table.item(0, 0).text() == "person"
    assert not page.badge.isVisibleTo(page)
    assert "ssdlite_mobilenet_v2_person.tf_od_api" in page.weights_label.text()
    timings = page.outcome.result.timings
    assert page.stage_times.value_labels["inference"].text() == f"{timings.inference_ms:.1f} ms"


def test_threshold_filters_the_stored_result_without_a_new_run(real_weights, page, qtbot):
    page = page()
    best = page.outcome.result.detections[0]
    runs, serial = page.runners.runs, page.jobs.latest_serial()
    page.set_score(min(1.0, best.score + 0.02))
    assert page.view.box_items() == [] and page.table.rowCount() == 0
    page.set_score(0.05)  # down to the floor: every stored box, still the same result
    assert len(page.view.box_items()) == len(page.outcome.result.detections) > 1
    page.set_score(0.5)
    assert len(page.view.box_items()) == 1
    assert (page.runners.runs, page.jobs.latest_serial()) == (runs, serial)
    assert not page.jobs.is_busy()


def test_hovering_the_box_shows_its_details(real_weights, page, qtbot):
    page = page()
    detection = page.outcome.result.above(0.5).detections[0]
    x1, y1, x2, y2 = detection.box
    centre = page.view.mapFromScene(QPointF((x1 + x2) / 2, (y1 + y2) / 2))
    qtbot.mouseMove(page.view.viewport(), centre)
    qtbot.waitUntil(lambda: page.hover_label.text() == describe(detection), timeout=2000)
    assert "person" in page.hover_label.text() and f"{detection.score:.3f}" in page.hover_label.text()
    assert page.view.box_items()[0].brush().color().alpha() > 0  # highlighted
    corner = page.view.mapFromScene(QPointF(x2 + (512 - x2) / 2, 5))  # right of the box: no box there
    qtbot.mouseMove(page.view.viewport(), corner)
    qtbot.waitUntil(lambda: "person ·" not in page.hover_label.text(), timeout=2000)


def test_untrained_badge_and_a_way_to_the_weights_page(page, qtbot):
    page = page()  # the isolated home has no weights: random weights
    assert page.outcome.result.untrained
    assert page.badge.isVisibleTo(page) and page.badge.text() == api.UNTRAINED
    assert "random" in page.weights_label.text()
    with qtbot.waitSignal(page.navigate) as signal:
        page.weights_button.click()
    assert signal.args == ["weights", MODEL]


@pytest.mark.parametrize("content", [b"", b"not an image at all"])
def test_a_bad_file_shows_one_line_inline_and_the_page_keeps_working(page, qtbot, tmp_path, content):
    page = page()
    shown = page.outcome
    bad = tmp_path / "broken.png"
    bad.write_bytes(content)
    page.open_files([str(bad)])
    qtbot.waitUntil(lambda: page.ready() and page.error_label.isVisibleTo(page), timeout=READY_TIMEOUT_MS)
    message = page.error_label.text()
    assert "broken.png" in message and "\n" not in message
    assert page.outcome is shown  # the last good result stays on screen
    page.open_files([str(DEMO_IMAGE)])
    qtbot.waitUntil(lambda: page.ready() and page.outcome is not shown, timeout=READY_TIMEOUT_MS)
    assert not page.error_label.isVisibleTo(page)
