"""The Segment page against independent runner calls: the mask layer composites like
runner.draw, opacity changes pixels inside the mask only, the legend's coverage, the class under
the cursor, the untrained badge without weights, and inline errors for bad files."""

from __future__ import annotations

import cv2
import numpy as np
import pytest
from PySide6.QtCore import QPointF
from PySide6.QtGui import QImage

from engine import api
from gui.pages._task_page import DEMO_IMAGE
from gui.pages.segment_page import SegmentPage
from tests.gui.conftest import READY_TIMEOUT_MS

FACE = (225, 125)  # the astronaut's nose in the 512×512 photo (eyes at y≈100, smile at y≈145)


@pytest.fixture
def page(qtbot):
    def open_() -> SegmentPage:
        page = SegmentPage()
        qtbot.addWidget(page)
        page.resize(1200, 760)
        page.show()  # the first show runs the default model on the demo photo
        qtbot.waitUntil(lambda: page.ready() and page.outcome is not None, timeout=READY_TIMEOUT_MS)
        return page

    return open_


def _rgb(image: QImage) -> np.ndarray:
    image = image.convertToFormat(QImage.Format.Format_RGB888)
    array = np.frombuffer(image.constBits(), np.uint8).reshape(image.height(), image.bytesPerLine())
    return array[:, : image.width() * 3].reshape(image.height(), image.width(), 3).copy()


def _independent(model: str = "selfie_segmentation", weights="default"):
    runner = api.make_runner("segment", model, weights=weights)
    frame = cv2.imread(str(DEMO_IMAGE))
    return runner, frame, runner.run(frame)


def test_opacity_changes_pixels_inside_the_mask_only(real_weights, page):
    page = page()
    _, _, result = _independent()
    foreground = result.foreground()
    inside, outside = foreground >= 250, foreground == 0
    assert inside.mean() > 0.3 and outside.mean() > 0.2  # the astronaut and the backdrop
    page.set_opacity(0.2)
    faint = _rgb(page.view.render_image()).astype(int)
    page.set_opacity(0.9)
    strong = _rgb(page.view.render_image()).astype(int)
    changed = np.abs(strong - faint).max(axis=2)
    assert (changed[inside] > 0).mean() > 0.95
    assert changed[outside].max() == 0


def test_overlay_mask_and_original_look_like_runner_draw(real_weights, page):
    page = page()
    runner, frame, result = _independent()
    for mode, opacity in (("overlay", 0.7), ("mask", 0.5), ("original", 0.5)):
        page.set_mode(mode)
        page.set_opacity(opacity)
        drawn = runner.draw(frame, result, opacity=opacity, mode=mode, legend=False)[..., ::-1].astype(int)
        shown = _rgb(page.view.render_image()).astype(int)
        difference = np.abs(shown - drawn)
        assert difference.mean() < 1.0 and np.percentile(difference, 99.9) <= 3, mode


def test_legend_lists_the_runners_coverage(real_weights, page):
    page = page()
    _, _, result = _independent()
    assert page.legend_rows() == pytest.approx({k: v for k, v in result.coverage.items() if v >= 0.001})
    assert page.legend_rows()["person"] > 0.4  # the astronaut fills about half the photo


def test_hovering_the_face_says_person(real_weights, page, qtbot):
    page = page()
    qtbot.mouseMove(page.view.viewport(), page.view.mapFromScene(QPointF(*FACE)))
    qtbot.waitUntil(lambda: page.hover_label.text().startswith("person"), timeout=2000)
    probability = float(page.hover_label.text().split("p(person) ")[1].split(" ")[0])
    assert probability > 0.9
    qtbot.mouseMove(page.view.viewport(), page.view.mapFromScene(QPointF(500, 300)))  # the dark backdrop
    qtbot.waitUntil(lambda: page.hover_label.text().startswith("background"), timeout=2000)


def test_untrained_badge_for_the_default_and_a_voc_model(page, qtbot):
    page = page()  # the isolated home has no weights: random weights
    assert page.outcome.result.untrained and page.badge.isVisibleTo(page)
    page.model_combo.setCurrentIndex(page.model_combo.findData("lraspp_mobilenet_v3_large"))
    qtbot.waitUntil(lambda: page.ready() and page.outcome.model == "lraspp_mobilenet_v3_large",
                    timeout=READY_TIMEOUT_MS)
    assert page.badge.isVisibleTo(page) and page.badge.text() == api.UNTRAINED
    voc = api.make_runner("segment", "lraspp_mobilenet_v3_large", weights=None).labels
    assert set(page.legend_rows()) <= set(voc)
    with qtbot.waitSignal(page.navigate) as signal:
        page.weights_button.click()
    assert signal.args == ["weights", "lraspp_mobilenet_v3_large"]


def test_a_directory_shows_one_line_inline_and_the_page_keeps_working(page, qtbot, tmp_path):
    page = page()
    shown = page.outcome
    page.open_files([str(tmp_path)])
    qtbot.waitUntil(lambda: page.ready() and page.error_label.isVisibleTo(page), timeout=READY_TIMEOUT_MS)
    assert "directory" in page.error_label.text() and "\n" not in page.error_label.text()
    assert page.outcome is shown
    page.open_files([str(DEMO_IMAGE)])
    qtbot.waitUntil(lambda: page.ready() and page.outcome is not shown, timeout=READY_TIMEOUT_MS)
    assert not page.error_label.isVisibleTo(page)


def test_images_over_the_display_limit_are_shown_downscaled_in_their_own_coordinates(
        real_weights, page, qtbot, monkeypatch):
    from gui.widgets import annotated_view

    monkeypatch.setattr(annotated_view, "DISPLAY_MAX", 200)  # the 512×512 photo is "huge" now
    page = page()
    assert page.view._image_item.pixmap().width() == 200
    shown = _rgb(page.view.render_image())
    assert shown.shape == (512, 512, 3)  # scene coordinates are still the photo's pixels
    _, frame, result = _independent()
    small = cv2.resize(cv2.resize(frame, (200, 200), interpolation=cv2.INTER_AREA), (512, 512))[..., ::-1]
    outside = result.foreground() == 0
    assert np.abs(shown.astype(int) - small.astype(int))[outside].mean() < 8  # the photo, untinted
    qtbot.mouseMove(page.view.viewport(), page.view.mapFromScene(QPointF(*FACE)))
    qtbot.waitUntil(lambda: page.hover_label.text().startswith("person"), timeout=2000)
    x, y = (int(v) for v in page.hover_label.text().split("pixel ")[1].split(", "))
    assert abs(x - FACE[0]) <= 1 and abs(y - FACE[1]) <= 1  # the view maps whole screen pixels
