""""Profile this" on the Models page measures the configuration at once in the Profiler (a verb
does what it says), cancellable like any run; while a run goes, a second request changes nothing
and says why."""

from __future__ import annotations

from dataclasses import replace

from PySide6.QtCore import Qt

from engine.results import ResultsDB
from tests.gui.conftest import READY_TIMEOUT_MS


def test_profile_this_measures_the_models_configuration_at_once(open_window, preset, qtbot):
    preset("mobilenet_v3_small", "0.75", "96")
    window = open_window()
    profiler = window.pages["profiler"]
    profiler.controls.set_request(replace(profiler.controls.request(), repeats=3, threads=1))
    window.show_page("models")
    window.pages["models"].profile_action.trigger()

    assert window.current_page() is profiler
    assert profiler.job.is_busy()  # started without pressing Run
    qtbot.waitUntil(profiler.ready, timeout=READY_TIMEOUT_MS)
    assert profiler.error_label.isHidden(), profiler.error_label.text()
    shown = profiler.shown
    assert (shown.model, float(shown.width_text), int(shown.resolution_text), shown.repeats) == \
        ("mobilenet_v3_small", 0.75, 96, 3)
    assert profiler.result.model == "mobilenet_v3_small" and profiler.result.width == 0.75
    with ResultsDB() as db:
        (run,) = db.runs()
    assert (run.model, run.width, run.resolution) == ("mobilenet_v3_small", 0.75, 96)
    assert run.total_ms.median == profiler.result.total_ms.median


def test_profile_this_is_cancelled_with_esc_and_a_second_request_waits(open_window, preset, qtbot):
    preset("mobilenet_v3_small", "1.0", "96")
    window = open_window()
    profiler, models = window.pages["profiler"], window.pages["models"]
    profiler.controls.set_request(replace(profiler.controls.request(), repeats=5000, threads=1))
    window.show_page("models")
    models.profile_action.trigger()
    assert profiler.job.is_busy()
    qtbot.waitUntil(lambda: profiler.progress.value() >= 3, timeout=READY_TIMEOUT_MS)

    window.show_page("models")
    models.receive({"model": "mobilenet_v2", "width": 0.5, "resolution": 128, "options": []})
    qtbot.waitUntil(models.ready, timeout=READY_TIMEOUT_MS)
    models.profile_action.trigger()  # a second "Profile this" while the first runs
    assert profiler.controls.request().model == "mobilenet_v3_small"
    assert "still busy with mobilenet_v3_small" in window.statusBar().currentMessage()
    assert "mobilenet_v2" in window.statusBar().currentMessage()

    window.activateWindow()
    qtbot.keyClick(profiler.progress, Qt.Key.Key_Escape)
    qtbot.waitUntil(profiler.ready, timeout=READY_TIMEOUT_MS)
    assert profiler.result is None and "cancelled" in profiler.progress_label.text()
    assert profiler.run_button.isEnabled() and profiler.controls.isEnabled()
    with ResultsDB() as db:
        assert db.runs() == []  # a cancelled run stores nothing
