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


def _labelled_folder(root, per_class: int = 2):
    """FOLDER/<ImageNet index>/<photo>: the first photos of the cached sample set, written out."""
    import cv2

    photos = list(api.read_samples(api.sample_path("imagenet-sample-20")))[:6]
    for photo in photos:
        folder = root / str(photo.label)
        folder.mkdir(parents=True, exist_ok=True)
        cv2.imwrite(str(folder / photo.name.replace(".jpg", ".png")), cv2.cvtColor(photo.rgb, cv2.COLOR_RGB2BGR))
    return root


def test_folder_mode_accuracy_equals_the_engines_evaluate(real_weights, page, qtbot, tmp_path):
    """The page's folder evaluation against `evaluate_folder` run independently on the same
    folder with the same cached weights: the same top-1 and top-5, with the Wilson interval."""
    folder = _labelled_folder(tmp_path / "labelled")
    page = page()
    assert page.evaluate_folder(str(folder))
    qtbot.waitUntil(lambda: page.ready() and page.evaluation is not None, timeout=READY_TIMEOUT_MS)
    expected = api.evaluate_folder(api.load_classifier("mobilenet_v2"), folder)
    got = page.evaluation
    assert (got.images, got.top1, got.top5) == (expected.images, expected.top1, expected.top5)
    correct = round(expected.top1 * expected.images)
    low, high = api.wilson_interval(correct, expected.images)
    text = page.accuracy_label.text()
    assert f"({correct}/{expected.images})" in text and f"{low:.0%}–{high:.0%}" in text
    assert "interval wide" in text
    assert page.eval_progress.value() == page.eval_progress.maximum() == expected.images


def test_sample_set_mode_runs_the_cli_evaluation(real_weights, page, qtbot):
    page = page()
    assert page.evaluate_samples()
    qtbot.waitUntil(lambda: page.ready() and page.evaluation is not None, timeout=READY_TIMEOUT_MS)
    expected = api.evaluate_samples(api.load_classifier("mobilenet_v2"), "imagenet-sample-20")
    assert (page.evaluation.images, page.evaluation.top1_correct) == (expected.images, expected.top1_correct)
    assert f"({expected.top1_correct}/{expected.images})" in page.accuracy_label.text()


def test_an_evaluation_can_be_cancelled_and_the_page_keeps_working(real_weights, page, qtbot, tmp_path):
    folder = _labelled_folder(tmp_path / "labelled")
    page = page()
    assert page.evaluate_folder(str(folder))
    page.eval_cancel.click()
    qtbot.waitUntil(page.ready, timeout=READY_TIMEOUT_MS)
    assert page.evaluation is None or page.evaluation.images == 6  # it may have finished first
    assert page.folder_button.isEnabled() and page.model_combo.isEnabled()


def test_an_image_opened_on_detect_shows_on_classify_and_segment(real_weights, qtbot, tmp_path):
    """The open image is shared: Classify and Segment run on the photo opened on Detect."""
    import cv2

    from gui.pages.detect_page import DetectPage
    from gui.pages.segment_page import SegmentPage

    photo = tmp_path / "chelsea_copy.png"
    cv2.imwrite(str(photo), cv2.cvtColor(sample_image("chelsea"), cv2.COLOR_RGB2BGR))
    detect = DetectPage()
    qtbot.addWidget(detect)
    detect.open_files([str(photo)])
    qtbot.waitUntil(lambda: detect.ready() and detect.outcome is not None, timeout=READY_TIMEOUT_MS)
    assert detect.outcome.path == str(photo)
    for cls in (ClassifyPage, SegmentPage):
        other = cls()
        qtbot.addWidget(other)
        other.show()
        qtbot.waitUntil(lambda: other.ready() and other.outcome is not None, timeout=READY_TIMEOUT_MS)
        assert other.outcome.path == str(photo)
        assert np.array_equal(other.outcome.image, sample_image("chelsea"))
        other.shutdown()
    detect.shutdown()


def test_the_latency_names_the_path_that_ran(page):
    page = page()
    assert page.latency_caption.text().endswith(f"path {page.outcome.runner.path}")


def _wilson(k: int, n: int, z: float = 1.959963984540054) -> tuple[float, float]:
    """Wilson score interval, written out from its textbook formula."""
    p = k / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z / (1 + z * z / n) * (p * (1 - p) / n + z * z / (4 * n * n)) ** 0.5
    return centre - half, centre + half


def test_a_folder_evaluation_is_saved_and_its_top1_appears_on_tradeoffs(real_weights, page, qtbot, tmp_path):
    """Like the CLI's `evaluate`: the page stores the accuracy (read back independently), and once
    the configuration has a measured latency the Trade-offs point carries that top-1 with its
    Wilson interval."""
    from engine.results import ResultsDB
    from gui.pages.tradeoffs_page import TradeoffsPage

    folder = _labelled_folder(tmp_path / "labelled")
    page = page()
    assert page.evaluate_folder(str(folder))
    qtbot.waitUntil(lambda: page.ready() and page.evaluation is not None, timeout=READY_TIMEOUT_MS)
    got = page.evaluation
    with ResultsDB() as db:
        (stored,) = db.accuracies()
    assert (stored.model, stored.dataset, stored.n, stored.top1, stored.top5) == (
        "mobilenet_v2", "labelled", got.images, got.top1, got.top5)
    assert "saved to the results database" in page.accuracy_label.text()

    size = api.model_info("mobilenet_v2").input.size
    profile = api.profile_model("mobilenet_v2", resolution=size, repeats=3, threads=1, per_layer=False)
    with ResultsDB() as db:
        db.save_run(profile)
    tradeoffs = TradeoffsPage()
    qtbot.addWidget(tradeoffs)
    tradeoffs.receive({"model": "mobilenet_v2", "width": 1.0, "resolution": size})
    point = tradeoffs.focus
    assert point is not None and point.accuracy_measured
    assert point.accuracy == pytest.approx(100 * got.top1) and point.latency_ms == profile.total_ms.median
    correct = round(got.top1 * got.images)
    low, high = _wilson(correct, got.images)
    assert tradeoffs.latency_plot.accuracy_bars == [
        pytest.approx((profile.total_ms.median, 100 * low, 100 * got.top1, 100 * high))]
    tradeoffs.shutdown()


def test_an_untrained_evaluation_is_shown_but_not_saved(page, qtbot, tmp_path):
    import cv2

    from engine.results import ResultsDB
    from tests.conftest import sample_image

    (tmp_path / "281").mkdir()
    cv2.imwrite(str(tmp_path / "281" / "cat.png"), cv2.cvtColor(sample_image("chelsea"), cv2.COLOR_RGB2BGR))
    page = page()  # no weights in this test's home: the classifier runs untrained
    assert page.evaluate_folder(str(tmp_path))
    qtbot.waitUntil(lambda: page.ready() and page.evaluation is not None, timeout=READY_TIMEOUT_MS)
    assert page.evaluation.images == 1
    assert "not saved to the results database (random weights)" in page.accuracy_label.text()
    with ResultsDB() as db:
        assert db.accuracies() == []


def test_on_a_short_screen_the_side_panel_scrolls_and_shows_the_answer(page, qtbot, tmp_path):
    """1280×800 leaves the side panel less height than the top-5, the stage times and the
    accuracy section need: the top-5 keeps all its rows and the panel scrolls to the accuracy."""
    import cv2

    from tests.conftest import sample_image

    (tmp_path / "281").mkdir()
    cv2.imwrite(str(tmp_path / "281" / "cat.png"), cv2.cvtColor(sample_image("chelsea"), cv2.COLOR_RGB2BGR))
    page = page()
    page.resize(1200, 600)
    assert page.evaluate_folder(str(tmp_path))
    qtbot.waitUntil(lambda: page.ready() and page.evaluation is not None, timeout=READY_TIMEOUT_MS)
    assert page.chart.height() >= page.chart.minimumSizeHint().height()  # five rows, none cut
    viewport = page.side_scroll.viewport()
    label = page.accuracy_label
    assert page.side_scroll.verticalScrollBar().maximum() > 0
    top_left = label.mapTo(viewport, label.rect().topLeft())
    bottom = label.mapTo(viewport, label.rect().bottomLeft()).y()
    assert 0 <= top_left.y() and bottom < viewport.height(), (top_left.y(), bottom, viewport.height())
