"""The Profiler page against independent engine calls: a real (small) measurement draws bars
for every layer, series read the right column, cancel leaves the page usable, the overlay draws
the pinned run, a click asks the Models page for the layer, exports match the result."""

from __future__ import annotations

import csv
import json

import numpy as np
import pytest
from PySide6.QtCore import QPoint, QPointF, QSettings, Qt
from PySide6.QtGui import QColor

from engine import api
from gui import formatting, theme
from gui.widgets.profile_controls import ProfileRequest
from tests.gui.conftest import READY_TIMEOUT_MS

SMALL = ProfileRequest("mobilenet_v3_small", width_text="1.0", resolution_text="96", repeats=3, threads=1)


@pytest.fixture
def page(qtbot):
    from gui.app import make_app
    from gui.pages.profiler_page import ProfilerPage

    make_app()
    page = ProfilerPage()
    qtbot.addWidget(page)
    page.resize(1400, 900)
    page.show()
    yield page
    page.shutdown()  # no worker thread outlives the test


def measure(qtbot, page, req: ProfileRequest = SMALL):
    page.controls.set_request(req)
    assert page.run()
    qtbot.waitUntil(page.ready, timeout=READY_TIMEOUT_MS)
    assert page.error_label.isHidden(), page.error_label.text()
    return page.result


def stats_by_name(req: ProfileRequest) -> dict:
    stats = api.model_stats(req.model, width=float(req.width_text), resolution=int(req.resolution_text))
    return {row.name: row for row in stats.layers}


def count_colour(image, colour: str, tolerance: int = 12) -> int:
    """Pixels within `tolerance` of `colour` in every channel."""
    target = QColor(colour)
    ptr = image.convertToFormat(image.Format.Format_RGB32)
    arr = np.frombuffer(ptr.constBits(), dtype=np.uint8).reshape(ptr.height(), ptr.bytesPerLine())
    bgra = arr[:, : ptr.width() * 4].reshape(ptr.height(), ptr.width(), 4).astype(int)
    want = np.array([target.blue(), target.green(), target.red()])
    return int((np.abs(bgra[..., :3] - want) <= tolerance).all(axis=-1).sum())


def test_a_run_draws_one_bar_per_layer_in_kind_colours(qtbot, page):
    result = measure(qtbot, page)
    expected = stats_by_name(SMALL)

    assert result.model == "mobilenet_v3_small" and result.resolution == 96 and result.total_ms.runs == 3
    assert [layer.name for layer in result.layers] == list(expected)  # every analysed layer, in order
    heights = page.bars.bar_heights()
    assert np.allclose(heights, [layer.ms_median for layer in result.layers])
    assert (heights > 0).all()
    assert page.progress.value() == page.progress.maximum() == 5 + 2 * SMALL.repeats
    summary = page.summary.text()
    assert f"{result.total_ms.median:.2f} ms" in summary and f"{result.layer_sum_ms:.2f} ms" in summary
    assert f"overhead {result.overhead_ms:.2f} ms" in summary

    image = page.bars.plot.grab().toImage()
    for kind in ("depthwise", "pointwise", "squeeze-excite"):  # all present in V3-Small
        assert count_colour(image, theme.KIND_COLOURS[kind]) > 30, kind


def test_series_switch_plots_the_right_column(qtbot, page):
    result = measure(qtbot, page)
    expected = stats_by_name(SMALL)
    names = [layer.name for layer in result.layers]

    page.bars.set_series("madds")
    assert list(page.bars.values()) == [expected[n].madds for n in names]
    assert np.allclose(page.bars.bar_heights(), [expected[n].madds / 1e6 for n in names])
    page.bars.set_series("params")
    assert list(page.bars.values()) == [expected[n].params for n in names]

    # ns per MAdd, computed here from the layer list: BN/activation/add time goes to the MAdd layer before
    page.bars.set_series("ns_per_madd")
    charged: dict[str, float] = {}
    owner = None
    for layer in result.layers:
        if expected[layer.name].madds > 0:
            owner = layer.name
        if owner is not None:
            charged[owner] = charged.get(owner, 0.0) + layer.ms_median
    want = [charged[n] * 1e6 / expected[n].madds if expected[n].madds else np.nan for n in names]
    got = page.bars.values()
    assert np.allclose(got, want, equal_nan=True)
    # squeeze-excite does little arithmetic for its time: its worst layer beats every pointwise one
    kinds = np.array([expected[n].kind for n in names])
    assert np.nanmax(got[kinds == "squeeze-excite"]) > np.nanmax(got[kinds == "pointwise"])
    assert page.bars.current_series() == "ns_per_madd"


def test_cancel_mid_run_keeps_the_page_usable(qtbot, page):
    page.controls.set_request(ProfileRequest("mobilenet_v3_small", resolution_text="96", repeats=5000, threads=1))
    qtbot.keyClick(page.controls.model_combo, Qt.Key.Key_R, Qt.KeyboardModifier.ControlModifier)  # Ctrl+R
    assert page.job.is_busy()
    qtbot.waitUntil(lambda: page.progress.value() >= 3, timeout=READY_TIMEOUT_MS)
    assert not page.run_button.isEnabled() and page.cancel_button.isEnabled()
    qtbot.keyClick(page.progress, Qt.Key.Key_Escape)  # Esc
    qtbot.waitUntil(page.ready, timeout=READY_TIMEOUT_MS)

    assert page.progress.value() < 5 + 2 * 5000
    assert page.result is None and "cancelled" in page.progress_label.text()
    assert page.error_label.isHidden()
    assert page.run_button.isEnabled() and not page.cancel_button.isEnabled()
    assert page.controls.isEnabled()
    result = measure(qtbot, page)  # and the next run works
    assert len(page.bars.bar_heights()) == len(result.layers) > 0


def test_overlay_draws_the_pinned_run_mirrored(qtbot, page):
    small = measure(qtbot, page)
    page.pin_current()
    v2 = measure(qtbot, page, ProfileRequest("mobilenet_v2", resolution_text="96", repeats=3, threads=1))

    assert page.pinned[1] is small
    assert np.allclose(page.bars.bar_heights(0), [layer.ms_median for layer in v2.layers])
    assert np.allclose(page.bars.bar_heights(1), [-layer.ms_median for layer in small.layers])
    assert len(v2.layers) != len(small.layers)  # why the chart aligns by normalised depth
    for run, result in ((0, v2), (1, small)):
        xs, ys = page.bars._curves[run].getData()
        assert xs[0] == 0 and xs[-1] == 1 and ys[-1] == pytest.approx(result.layer_sum_ms)
    summary = page.summary.text()
    assert "Pinned mobilenet_v3_small" in summary and f"{small.total_ms.median:.2f} ms" in summary
    page.clear_pin()
    assert len(page.bars.bar_heights(1)) == 0


def test_clicking_a_bar_asks_the_models_page_for_that_layer(qtbot, page):
    result = measure(qtbot, page)
    index = int(np.argmax(page.bars.bar_heights()))
    x = float(page.bars.positions()[index])
    y = float(page.bars.bar_heights()[index]) / 2
    view = page.bars.plot.getPlotItem().vb
    pos = page.bars.plot.mapFromScene(view.mapViewToScene(QPointF(x, y)))
    with qtbot.waitSignal(page.navigate, timeout=2000) as signal:
        qtbot.mouseClick(page.bars.plot.viewport(), Qt.MouseButton.LeftButton, pos=QPoint(pos.x(), pos.y()))
    assert signal.args == ["models", {"model": "mobilenet_v3_small", "width": 1.0, "resolution": 96,
                                      "options": [], "layer": result.layers[index].name}]


def test_hover_names_the_layer_and_its_numbers(qtbot, page):
    result = measure(qtbot, page)
    index = 3
    layer = result.layers[index]
    text = page.bars.hover_text(0, index)
    assert layer.name in text and layer.kind in text and f"{layer.ms_median:.3f} ms" in text
    assert f"MAdds {formatting.compact(layer.madds)}" in text and f"params {formatting.compact(layer.params)}" in text

    view = page.bars.plot.getPlotItem().vb  # the mouse over that bar shows the same text
    point = QPointF(float(page.bars.positions()[index]), float(page.bars.bar_heights()[index]) / 2)
    pos = page.bars.plot.mapFromScene(view.mapViewToScene(point))
    qtbot.mouseMove(page.bars.plot.viewport(), QPoint(pos.x(), pos.y()))
    qtbot.waitUntil(page.bars.hover.is_shown, timeout=2000)
    assert page.bars.hover.text == text


def test_exports_match_the_result(qtbot, page, tmp_path):
    result = measure(qtbot, page)
    page.export_csv(str(tmp_path / "layers.csv"))
    with open(tmp_path / "layers.csv", newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert [r["name"] for r in rows] == [layer.name for layer in result.layers]
    assert [float(r["ms_median"]) for r in rows] == pytest.approx([layer.ms_median for layer in result.layers])
    assert [int(r["madds"]) for r in rows] == [layer.madds for layer in result.layers]
    assert [r["kind"] for r in rows] == [layer.kind for layer in result.layers]

    page.export_chart(str(tmp_path / "chart.png"))
    from PySide6.QtGui import QImage
    assert not QImage(str(tmp_path / "chart.png")).isNull()

    assert page.export_trace(str(tmp_path / "trace.json"))
    qtbot.waitUntil(page.ready, timeout=READY_TIMEOUT_MS)
    events = json.loads((tmp_path / "trace.json").read_text())["traceEvents"]
    assert {layer.name for layer in result.layers} <= {e.get("name") for e in events}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["chart.png", "layers.csv", "trace.json"]  # no temp left


def test_settings_round_trip(qtbot, page, settings_file):
    req = ProfileRequest("mobilenet_v3_large", width_text="0.75", resolution_text="160", options=("minimalistic",),
                         batch=2, threads=1, memory_format="channels_last", repeats=7)
    page.controls.set_request(req)
    page.bars.set_series("params")
    settings = QSettings(str(settings_file), QSettings.Format.IniFormat)
    page.save_settings(settings)
    settings.sync()

    from gui.pages.profiler_page import ProfilerPage
    other = ProfilerPage()
    qtbot.addWidget(other)
    other.restore_settings(QSettings(str(settings_file), QSettings.Format.IniFormat))
    assert other.controls.request() == req
    assert other.bars.current_series() == "params"


def test_bad_input_shows_the_engine_message(qtbot, page):
    page.controls.set_request(ProfileRequest("mobilenet_v3_small", width_text="0", resolution_text="96", repeats=3))
    page.run()
    qtbot.waitUntil(page.ready, timeout=READY_TIMEOUT_MS)
    with pytest.raises(Exception) as info:
        api.profile_model("mobilenet_v3_small", width=0, resolution=96, repeats=3)
    assert page.error_label.isVisible() and page.error_label.text() == str(info.value)
    assert page.run_button.isEnabled()


def test_a_sequence_pins_the_first_run_and_is_ready_only_at_the_end(qtbot, page):
    first = ProfileRequest("mobilenet_v3_small", resolution_text="96", repeats=3, threads=1)
    second = ProfileRequest("mobilenet_v3_small", width_text="0.5", resolution_text="96", repeats=3, threads=1)
    idles = []
    page.idle.connect(lambda: idles.append(page.ready()))
    page.run_sequence([(first, True), (second, False)])
    assert not page.ready()
    qtbot.waitUntil(page.ready, timeout=READY_TIMEOUT_MS)
    assert page.pinned[0] == first and page.shown == second
    assert idles == [True]  # one idle, at the very end
    assert len(page.bars.bar_heights(1)) == len(page.pinned[1].layers)


def test_a_profiler_run_is_stored_and_appears_on_tradeoffs(qtbot, page):
    """The run lands in the results database (read back independently) and the Trade-offs page
    plots it at the stored median, in a series named by its machine, threads and path."""
    from engine.results import ResultsDB
    from gui.pages.tradeoffs_page import TradeoffsPage

    result = measure(qtbot, page, SMALL)
    with ResultsDB() as db:
        runs = db.runs()
    assert len(runs) == 1
    run = runs[0]
    assert (run.model, run.width, run.resolution, run.path) == (SMALL.model, 1.0, 96, result.path)
    assert run.total_ms.median == result.total_ms.median

    tradeoffs = TradeoffsPage()
    qtbot.addWidget(tradeoffs)
    tradeoffs.receive({"model": SMALL.model, "width": 1.0, "resolution": 96})
    assert tradeoffs.focus is not None and tradeoffs.focus.run_uuid == run.uuid
    assert result.path in tradeoffs.series_combo.currentText()
    published = {r.top1 for r in api.published_for("v3-small", 1.0, 96)}
    assert (round(run.total_ms.median, 6), round(tradeoffs.focus.accuracy, 6)) in {
        (round(d.x, 6), round(d.y, 6)) for d in tradeoffs.latency_plot.drawn}
    assert tradeoffs.focus.accuracy in published
    tradeoffs.sweep.job.wait()


def test_the_unattributed_remainder_is_its_own_bar_and_the_path_is_named(qtbot, page):
    result = measure(qtbot, page)
    segments = dict(page.attribution.segments)
    assert segments["layers"] == pytest.approx(min(result.layer_sum_ms, result.total_ms.median))
    if result.layer_sum_ms <= result.total_ms.median:
        assert segments["unattributed"] == pytest.approx(result.total_ms.median - result.layer_sum_ms)
    else:  # the excess is shown, not clamped to a 0 ms remainder
        assert segments["over the whole"] == pytest.approx(result.layer_sum_ms - result.total_ms.median)
    assert f"on <b>{result.path}</b>" in page.summary.text()
    assert result.path in page.attribution.toolTip()


def test_layers_adding_up_past_the_whole_show_the_excess(qtbot):
    from gui.widgets.attribution_bar import AttributionBar

    bar = AttributionBar()
    qtbot.addWidget(bar)
    bar.set_times(10.0, 12.5, "openvino")
    assert bar.segments == [("layers", 10.0), ("over the whole", 2.5)]
    assert "12.50 ms, 2.50 ms (25%) more" in bar.toolTip()
    bar.set_times(10.0, 7.0, "onnxruntime")
    assert bar.segments == [("layers", 7.0), ("unattributed", 3.0)]


def test_unavailable_paths_are_greyed_out_with_their_reason(page):
    combo = page.controls.path_combo
    statuses = {s.name: s for s in api.path_statuses()}
    assert combo.count() == len(statuses)
    for row in range(combo.count()):
        item = combo.model().item(row)
        status = statuses[item.text()]
        assert item.isEnabled() == status.available
        if not status.available:
            assert status.reason in item.toolTip()
    assert combo.currentText() == api.fastest_exact_path()


def test_the_paths_accuracy_cost_shows_next_to_its_latency(qtbot, page):
    """Accuracy cost runs the engine's path-vs-reference comparison off the UI thread and the
    summary line of the run shows its figures beside the latency on that path."""
    fast = ProfileRequest("mobilenet_v3_small", width_text="1.0", resolution_text="96", repeats=3, threads=1,
                          path="fast")
    result = measure(qtbot, page, fast)
    assert page.measure_accuracy()
    qtbot.waitUntil(page.ready, timeout=READY_TIMEOUT_MS)
    got = page.agreements[("mobilenet_v3_small", result.path)]
    assert got.path == result.path and got.reference == "reference" and got.images > 0
    summary = page.summary.text()
    assert f"accuracy on {result.path}: measured on {got.images} photos" in summary
    assert got.summary() in summary
