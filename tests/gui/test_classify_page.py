"""The Classify page against independent engine calls: real weights on the shipped photo, the
untrained badge without weights, inline errors for bad files, settings."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QSettings
from PySide6.QtGui import QColor, QFontMetrics

from engine import api
from engine.errors import InvalidInput
from gui import theme
from gui.pages.classify_page import DEFAULT_IMAGE, ClassifyPage
from gui.widgets import topk_chart
from gui.widgets.topk_chart import TopKChart
from tests.conftest import sample_image
from tests.gui.conftest import READY_TIMEOUT_MS

CATS = {"tabby", "tiger cat", "Egyptian cat"}  # issue 3: chelsea must get one of these at top-1


@pytest.fixture
def page(qtbot):
    def open_() -> ClassifyPage:
        page = ClassifyPage()
        qtbot.addWidget(page)
        page.resize(1200, 700)
        page.show()
        page.start()
        qtbot.waitUntil(lambda: page.ready() and page.outcome is not None, timeout=READY_TIMEOUT_MS)
        return page

    return open_


def test_shipped_default_image_is_scikit_images_chelsea():
    assert np.array_equal(api.read_image(DEFAULT_IMAGE), sample_image("chelsea"))


def test_chelsea_with_real_weights_shows_a_cat_on_top(real_weights, page):
    page = page()
    bars = page.chart.bars()
    assert len(bars) == 5
    assert bars[0].label in CATS
    expected = api.load_classifier("mobilenet_v2").predict([sample_image("chelsea")], topk=5)[0]
    assert [b.label for b in bars] == [p.label for p in expected]
    assert [b.probability for b in bars] == pytest.approx([p.probability for p in expected], abs=1e-5)
    assert not page.badge.isVisibleTo(page)
    assert "mobilenet_v2.imagenet1k_v1" in page.weights_label.text()
    assert page.latency_label.text().endswith(" ms")

    drawn = page.chart.grab().toImage()
    empty = TopKChart()
    empty.resize(page.chart.size())
    blank = empty.grab().toImage()
    assert drawn.size() == blank.size() and drawn != blank
    # the top-1 bar is drawn in the accent colour across its probability's share of the track
    y = topk_chart.PAD + QFontMetrics(page.chart.font()).height() + 3 + topk_chart.BAR_THICKNESS // 2
    accent = QColor(theme.ACCENT)
    filled = sum(1 for x in range(drawn.width()) if _close(drawn.pixelColor(x, y), accent))
    track = drawn.width() - 2 * topk_chart.PAD
    assert filled == pytest.approx(bars[0].probability * track, abs=4)
    assert not any(_close(blank.pixelColor(x, y), accent) for x in range(blank.width()))


def _close(a: QColor, b: QColor, tolerance: int = 12) -> bool:
    return max(abs(a.red() - b.red()), abs(a.green() - b.green()), abs(a.blue() - b.blue())) <= tolerance


def test_untrained_badge_and_a_way_to_the_weights_page(page, qtbot):
    page = page()  # the autouse fixture gives an empty cache: random weights
    assert page.badge.isVisibleTo(page) and page.badge.text() == api.UNTRAINED
    assert page.outcome.weights is None and len(page.chart.bars()) == 5
    assert "random" in page.weights_label.text()
    with qtbot.waitSignal(page.navigate) as signal:
        page.weights_button.click()
    assert signal.args == ["weights", "mobilenet_v2"]


def test_a_bad_file_is_reported_inline_and_the_last_result_stays(page, qtbot, tmp_path):
    page = page()
    shown = page.chart.bars()
    bad = tmp_path / "notes.png"
    bad.write_text("not an image")
    with pytest.raises(InvalidInput) as engine:
        api.read_image(bad)
    page.open_files([str(bad)])
    qtbot.waitUntil(page.ready, timeout=READY_TIMEOUT_MS)
    assert page.error_label.isVisibleTo(page) and page.error_label.text() == str(engine.value)
    assert page.chart.bars() == shown

    page.model_combo.setCurrentIndex(page.model_combo.findData("mobilenet_v3_small"))
    qtbot.waitUntil(lambda: page.ready() and page.outcome.model == "mobilenet_v3_small", timeout=READY_TIMEOUT_MS)
    assert page.outcome.path == str(DEFAULT_IMAGE)  # the failed file did not become current
    assert not page.error_label.isVisibleTo(page)


def test_model_and_folder_survive_a_restart(qtbot, tmp_path, settings_file):
    first = ClassifyPage()
    qtbot.addWidget(first)
    first.model_combo.blockSignals(True)  # no model load: only the settings are under test
    first.model_combo.setCurrentIndex(first.model_combo.findData("mobilenet_v3_large"))
    first._folder = str(tmp_path)
    settings = QSettings(str(settings_file), QSettings.Format.IniFormat)
    first.save_settings(settings)
    first.shutdown()
    second = ClassifyPage()
    qtbot.addWidget(second)
    second.restore_settings(settings)
    assert second.model_combo.currentData() == "mobilenet_v3_large"
    assert second._folder == str(tmp_path)
