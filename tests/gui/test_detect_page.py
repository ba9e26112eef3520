"""The Detect page against independent runner calls: the shipped person detector's box on the
astronaut as a Qt item, a threshold that filters without re-running, hover details, the
untrained badge without weights, and inline errors for bad files."""

from __future__ import annotations

import os

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
    assert f"{page.outcome.runner.path} path" in page.timing_note.text()  # every latency names its path
    # the model's default path, as in the live view: the measured fastest exact one (never the eager reference)
    assert page.outcome.runner.path == api.runner_path(MODEL) != "reference"


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


COCO_ENTRY = "ssd_mobilenet_v2_coco.coral_uint8"


@pytest.fixture
def coco_weights():
    """The converted COCO SSD copied from the user's cache into this test's home, verified by
    hash; skip, saying why, when `make run` has not fetched it."""
    import shutil

    from engine.weights import cache, fetch, manifest
    from tests.conftest import _USER_HOME

    home = os.environ["MOBILENET_STUDIO_HOME"]
    with pytest.MonkeyPatch.context() as mp:
        if _USER_HOME:
            mp.setenv("MOBILENET_STUDIO_HOME", _USER_HOME)
        else:
            mp.delenv("MOBILENET_STUDIO_HOME", raising=False)
        user_file = cache.converted_path(COCO_ENTRY)
    assert os.environ["MOBILENET_STUDIO_HOME"] == home
    mine = cache.converted_path(COCO_ENTRY)
    if user_file.is_file() and cache.sidecar(user_file).is_file():
        mine.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(user_file, mine)
        shutil.copyfile(cache.sidecar(user_file), cache.sidecar(mine))
    if not fetch.cached_state(manifest.get(COCO_ENTRY)).ok:
        pytest.skip(f"{COCO_ENTRY} is not in the cache; run 'mobilenet-studio weights fetch {COCO_ENTRY}'")


def test_legend_counts_each_class_in_its_colour_and_unticking_one_hides_its_boxes(coco_weights, page, qtbot):
    """The COCO SSD on the demo photo at a low threshold: boxes of several classes."""
    from collections import Counter

    from PySide6.QtCore import Qt

    from gui.pages.task_colours import box_colour

    page = page()
    runs = page.runners.runs
    page.model_combo.setCurrentIndex(page.model_combo.findData("ssd_mobilenet_v2_coco"))
    qtbot.waitUntil(lambda: page.ready() and page.runners.runs > runs, timeout=READY_TIMEOUT_MS)
    assert not page.badge.isVisibleTo(page)  # real weights
    floor = page.outcome.result.score_floor
    page.set_score(max(0.01, floor))
    above = page.outcome.result.above(page.score()).detections
    counts = Counter(d.name for d in above)
    assert len(counts) >= 2
    rows = {page.legend.item(i).data(Qt.ItemDataRole.UserRole): page.legend.item(i) for i in range(page.legend.count())}
    assert {name: item.text() for name, item in rows.items()} == {n: f"{n} · {c}" for n, c in counts.items()}
    label = {d.name: d.label for d in above}
    for name, item in rows.items():  # each row's swatch is its boxes' colour
        pixel = item.icon().pixmap(12, 12).toImage().pixelColor(6, 6)
        assert pixel.rgb() == box_colour(label[name]).rgb()

    hide = max(counts, key=counts.get)
    rows[hide].setCheckState(Qt.CheckState.Unchecked)  # what a click on its check box does
    assert len(page.view.box_items()) == len(above) - counts[hide]
    assert page.table.rowCount() == len(above) - counts[hide]
    assert hide not in {page.table.item(r, 0).text() for r in range(page.table.rowCount())}
    assert hide in page.hidden and f"{counts[hide]} of unticked classes hidden" in page.count_label.text()
