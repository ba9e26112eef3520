"""The Kernels page on tiny sizes: each experiment runs off the UI thread and shows its numbers,
pictures and badges; Cancel stops a run and leaves the page usable; bad sizes show the engine's
own one-line message."""

from __future__ import annotations

import csv
import json

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QImage

from engine import api
from engine.errors import StudioError
from gui import theme
from tests.gui.conftest import READY_TIMEOUT_MS


@pytest.fixture
def page(open_window, preset, qtbot):
    preset()  # a cheap Models page, so the window is ready quickly
    window = open_window()
    window.show_page("kernels")
    page = window.pages["kernels"]
    page.window_ = window
    return page


def choose(page, kind: str) -> None:
    page.experiment.setCurrentIndex(page.experiment.findData(kind))


def set_symconv(page, ny=24, nx=20, op=5, velocity="random", repeats=1) -> None:
    choose(page, "symconv")
    form = page.forms["symconv"]
    form.ny.setValue(ny)
    form.nx.setValue(nx)
    form.op_size.setValue(op)
    form.velocity.setCurrentText(velocity)
    form.repeats.setValue(repeats)


def run_and_wait(page, qtbot) -> None:
    page.run_action.trigger()
    qtbot.waitUntil(page.ready, timeout=READY_TIMEOUT_MS)


def coloured_pixels(widget, colour: str) -> int:
    image = widget.grab().toImage().convertToFormat(QImage.Format.Format_RGB32)
    target = QColor(colour)
    arr = np.frombuffer(image.constBits(), np.uint8).reshape(image.height(), image.bytesPerLine())
    pixels = arr[:, : image.width() * 4].reshape(image.height(), image.width(), 4)
    b, g, r = (pixels[..., i].astype(int) for i in range(3))
    return int(((abs(r - target.red()) < 8) & (abs(g - target.green()) < 8) & (abs(b - target.blue()) < 8)).sum())


def engine_error(**kwargs) -> str:
    try:
        api.run_symconv(**kwargs)
    except StudioError as exc:
        return str(exc)
    raise AssertionError(f"the engine accepted {kwargs}")


def test_symconv_run_shows_chart_pictures_and_green_badges(page, qtbot):
    set_symconv(page)
    run_and_wait(page, qtbot)

    assert not page.error_label.isVisible()
    time_view = page.chart.view("time")
    assert list(time_view.categories) == list(api.SYMCONV_METHODS)
    assert all(v > 0 for v in time_view.series[0].values)
    assert page.chart.view("speedup").series[0].values[0] == pytest.approx(1.0)  # simple vs itself
    assert coloured_pixels(page.chart.plot, theme.ACCENT) > 500  # the bars were drawn
    # a badge per method, all within the stated tolerance
    assert set(page.badges) == set(api.SYMCONV_METHODS)
    assert all(b.property("correct") is True and b.text().startswith("✓") for b in page.badges.values())
    # pictures: the grid and the operator at their sizes, the output = equation (1) at the centre point
    fields = page.fields
    assert page.fields_frame.isVisible()
    assert fields.images["velocity"].image.shape == (24, 20)
    assert fields.images["amplitude"].image.shape == (5, 5)
    w = page.result.fields.operator
    data = page.result.fields.data
    y, x = 12, 10
    expected = np.sum(data[y - 2:y + 3, x - 2:x + 3] * w)  # w is stored as applied (conjugated)
    assert page.result.fields.output[y, x] == pytest.approx(expected, rel=1e-4)
    assert np.ptp(fields.array("output")) > 0
    assert fields.view.grab().toImage().pixelColor(10, 10).isValid()


def test_separable_run_reports_the_exact_madds_ratio(page, qtbot):
    choose(page, "separable")
    form = page.forms["separable"]
    form.model.setCurrentIndex(form.model.findData("mobilenet_v1"))
    form.width.setCurrentText("0.25")
    form.resolution.setCurrentText("96")
    form.repeats.setValue(1)
    run_and_wait(page, qtbot)

    layers = api.separable_layers("mobilenet_v1", width=0.25, resolution=96)
    ratios = page.chart.view("ratios")
    assert list(ratios.categories) == [layer.name for layer in layers]
    # MobileNetV1 §3.1: standard / separable = 1 / (1/N + 1/D_K²)
    expected = [1 / (1 / layer.n + 1 / layer.kernel ** 2) for layer in layers]
    assert list(ratios.series[0].values) == pytest.approx(expected)
    assert all(v > 0 for s in page.chart.view("time").series for v in s.values)
    assert not page.fields_frame.isVisible() and not page.badges
    page.chart.set_view("time")
    assert coloured_pixels(page.chart.plot, theme.MADDS_COLOUR) > 100


def test_activations_run_shows_every_site(page, qtbot):
    choose(page, "activations")
    form = page.forms["activations"]
    form.model.setCurrentIndex(form.model.findData("mobilenet_v3_small"))
    form.resolution.setCurrentText("96")
    form.repeats.setValue(1)
    run_and_wait(page, qtbot)

    layers = api.model_stats("mobilenet_v3_small", width=1.0, resolution=96).layers
    sites = [l for l in layers if l.kind == "activation" and len(l.output_shape) == 4]
    assert len(page.chart.view("sites").categories) == len(sites)
    sizes = sorted({l.output_shape[-1] for l in sites}, reverse=True)
    assert list(page.chart.view("resolution").categories) == [f"{s}×{s}" for s in sizes]
    assert "hard-swish" in page.chart.view("totals").categories
    hover = page.chart
    hover.set_view("sites")
    hover.show_hover(0)
    assert sites[0].name in hover._label.textItem.toPlainText()


def test_cancel_stops_the_run_and_the_page_stays_usable(page, qtbot):
    set_symconv(page, ny=256, nx=256, op=25, velocity="constant", repeats=50)
    page.run_action.trigger()
    qtbot.waitUntil(lambda: page.progress.maximum() > 1 and page.progress.value() >= 1, timeout=READY_TIMEOUT_MS)
    assert not page.run_action.isEnabled() and page.cancel_action.isEnabled()
    page.cancel_action.trigger()
    qtbot.waitUntil(page.ready, timeout=READY_TIMEOUT_MS)
    assert page.result is None and not page.error_label.isVisible()
    assert "Cancelled" in page.window_.statusBar().currentMessage()
    assert page.run_action.isEnabled()

    set_symconv(page)
    run_and_wait(page, qtbot)
    assert page.result is not None and len(page.badges) == len(api.SYMCONV_METHODS)


@pytest.mark.parametrize("ny, nx, op", [(24, 20, 6), (24, 20, 25)])
def test_bad_operator_shows_the_engine_message(page, qtbot, ny, nx, op):
    set_symconv(page, ny=ny, nx=nx, op=op)
    run_and_wait(page, qtbot)
    assert page.error_label.isVisible()
    assert page.error_label.text() == engine_error(ny=ny, nx=nx, op_size=op, velocity="random", repeats=1)
    set_symconv(page, ny=ny, nx=nx, op=5)
    run_and_wait(page, qtbot)
    assert not page.error_label.isVisible() and page.result is not None


def test_shortcut_exports_and_settings(page, qtbot, tmp_path, settings_file):
    set_symconv(page)
    page.window_.activateWindow()
    qtbot.keyClick(page.forms["symconv"].ny, Qt.Key.Key_R, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: page.ready() and page.result is not None, timeout=READY_TIMEOUT_MS)

    page.export_csv(str(tmp_path / "r.csv"))
    page.export_json(str(tmp_path / "r.json"))
    page.export_chart(str(tmp_path / "r.png"))
    rows = list(csv.DictReader((tmp_path / "r.csv").open()))
    assert [r["method"] for r in rows] == list(api.SYMCONV_METHODS)
    assert json.loads((tmp_path / "r.json").read_text())["op_size"] == 5
    assert not QImage(str(tmp_path / "r.png")).isNull()

    page.window_.save_settings()
    from gui.main_window import MainWindow

    again = MainWindow()
    qtbot.addWidget(again)
    form = again.pages["kernels"].forms["symconv"]
    assert (form.ny.value(), form.nx.value(), form.op_size.value(), form.velocity.currentText()) == (24, 20, 5, "random")
    assert again.pages["kernels"].current_kind() == "symconv"
