"""The Live page driven like a user would: the demo clip and a video file through real pipelines,
checked on the rendered view's pixels, the HUD and the threads left behind. Tiny frames and
small models keep each test at a few seconds."""

from __future__ import annotations

import threading
import time

import cv2
import numpy as np
import pytest
from PySide6.QtCore import Qt

from engine.tasks.draw import class_color
from engine.video.demo import demo_frame
from gui.pages.live_page import LivePage

TIMEOUT_MS = 60_000  # the machine is shared; a model loads in about a second
SMALL = (160, 120)
PERSON = "ssdlite_mobilenet_v2_person"
COCO = "ssdlite320_mobilenet_v3_large"
CLASSIFIER = "mobilenet_v3_small"


@pytest.fixture
def page(qtbot, tmp_path):
    made: list[LivePage] = []

    def open_(kind="demo", task="detect", model=PERSON, model2=None, size=SMALL) -> LivePage:
        page = LivePage()
        qtbot.addWidget(page)
        page.resize(1200, 760)
        page.demo_size = size
        page.save_dir = str(tmp_path)
        page.controls.configure(kind, task, model, model2)
        page._sync_models()
        page.show()
        made.append(page)
        return page

    yield open_
    for page in made:
        page.shutdown()


def inferred(page: LivePage, lane: int = 0) -> int:
    result = None if page.pipeline is None else page.pipeline.latest(lane)
    return 0 if result is None else result.seq


def near(image: np.ndarray, rgb: tuple[int, int, int], tolerance: int = 40) -> int:
    """Pixels of an RGB image within `tolerance` of a colour on every channel."""
    return int((np.abs(image.astype(int) - np.array(rgb)).max(axis=2) <= tolerance).sum())


def grab_rgb(widget) -> np.ndarray:
    image = widget.grab().toImage().convertToFormat(widget.grab().toImage().Format.Format_RGB888)
    array = np.frombuffer(image.constBits(), np.uint8).reshape(image.height(), image.bytesPerLine())
    return array[:, : image.width() * 3].reshape(image.height(), image.width(), 3).copy()


def test_demo_clip_frames_arrive_with_person_boxes_drawn(real_weights, page, qtbot):
    page = page(size=(320, 240))
    page.controls.threshold.setValue(30)
    page.start_action.trigger()
    qtbot.waitUntil(lambda: inferred(page) >= 2, timeout=TIMEOUT_MS)
    view = page.lanes[0].view
    first = grab_rgb(view)
    seq = inferred(page)
    # the display showed a frame at least 10 results later: a third of a second of slow pan, so
    # the picture has visibly moved however fast the detector is
    qtbot.waitUntil(lambda: page._seq[0] >= seq + 10, timeout=TIMEOUT_MS)
    second = grab_rgb(view)
    assert first.shape == second.shape and np.abs(first.astype(int) - second.astype(int)).max() > 30

    # the person box is drawn in the detector's colour for class 1 (person); the clip has none of it
    b, g, r = class_color(1)
    boxed = max(near(first, (r, g, b)), near(second, (r, g, b)))
    plain = near(demo_frame(0, (320, 240))[..., ::-1], (r, g, b))
    assert boxed > 100 and boxed > 10 * max(plain, 1)
    assert not page.lanes[0].badge.isVisibleTo(page)  # real weights: no untrained badge

    # the threshold slider acts at once, without a new frame: at 0.95 nothing is boxed
    page.stop()
    page.controls.threshold.setValue(95)
    assert near(grab_rgb(view), (r, g, b)) < boxed / 10
    hud = page.lanes[0].hud.text()
    assert "FPS" in hud and "inf" in hud and "captured" in hud and "dropped" in hud
    assert "UI stall max" in page.summary.text()


def test_start_stop_start_switch_model_snapshot_and_record(page, qtbot, tmp_path):
    page = page(model2=COCO)  # empty cache: random weights, badged
    page.start_run()
    qtbot.waitUntil(lambda: inferred(page, 0) >= 1 and inferred(page, 1) >= 1, timeout=TIMEOUT_MS)
    assert all(lane.badge.isVisibleTo(page) for lane in page.lanes)
    first = page.pipeline
    page.toggle()  # stop
    assert page.controls.start_button.text() == "Start" and not first.running
    assert first.stop(timeout=1.0)  # every thread of that run ends
    page.toggle()  # start again: a fresh pipeline
    qtbot.waitUntil(lambda: page.pipeline is not first and min(inferred(page, 0), inferred(page, 1)) >= 1,
                    timeout=TIMEOUT_MS)

    png = page.snapshot()
    saved = cv2.imread(str(png))
    assert saved.shape == (SMALL[1], 2 * SMALL[0], 3)  # both lanes side by side

    page.toggle_recording()
    assert page.pipeline.recording
    mark = inferred(page)
    qtbot.waitUntil(lambda: inferred(page) >= mark + 2, timeout=TIMEOUT_MS)
    page.toggle_recording()
    video = cv2.VideoCapture(str(page.last_saved))
    frames, size = 0, None
    while True:
        ok, image = video.read()
        if not ok:
            break
        frames, size = frames + 1, image.shape[:2]
    assert page.last_saved.suffix == ".mp4" and frames >= 2
    assert size == (SMALL[1], 2 * SMALL[0])  # both lanes side by side, as on screen

    # switch lane A's model while running: the same pipeline now runs the COCO detector in both lanes
    running = page.pipeline
    page.controls.model_combo.setCurrentIndex(page.controls.model_combo.findData(COCO))
    qtbot.waitUntil(lambda: running.status().lanes[0].model == COCO and running.status().lanes[0].inferred >= 1,
                    timeout=TIMEOUT_MS)
    assert page.pipeline is running and running.running
    from engine.api import runner_path

    assert page.lanes[0].title.text() == f"{COCO}  · {runner_path(COCO)}"  # the live view names its path
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []  # no temp files left


def test_video_file_plays_and_its_end_is_reported(page, qtbot, tmp_path):
    path = tmp_path / "clip.mp4"
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"mp4v"), 30.0, (96, 64))
    for i in range(12):
        writer.write(np.full((64, 96, 3), 20 * i, np.uint8))
    writer.release()
    page = page(kind="file", task="classify", model=CLASSIFIER)
    page.controls.set_path(str(path))
    page.start_run()
    qtbot.waitUntil(lambda: "Ended" in page.summary.text(), timeout=TIMEOUT_MS)
    assert str(path) in page.summary.text()
    assert page.controls.start_button.text() == "Start" and not page.pipeline.running
    assert inferred(page) >= 1 and page.lanes[0].view.image() is not None


def test_corrupt_video_and_missing_camera_report_errors_and_the_page_recovers(page, qtbot, tmp_path):
    bad = tmp_path / "broken.mp4"
    bad.write_bytes(b"\x00\x00\x00\x18ftypmp42" + bytes(range(256)) * 8)
    page = page(kind="file", task="classify", model=CLASSIFIER)
    page.controls.set_path(str(bad))
    page.start_run()
    error = page.controls.error_label
    qtbot.waitUntil(lambda: error.isVisibleTo(page), timeout=TIMEOUT_MS)
    assert "broken.mp4" in error.text() and page.pipeline is None
    assert page.controls.start_button.text() == "Start"

    page.controls.set_source_kind("webcam")
    page.controls.camera_spin.setValue(63)
    page.start_run()
    qtbot.waitUntil(lambda: "camera" in error.text() and error.isVisibleTo(page), timeout=TIMEOUT_MS)
    assert "63" in error.text() and page.controls.demo_button.isVisibleTo(page)
    page.controls.demo_button.click()  # the offered way out: the demo clip
    qtbot.waitUntil(lambda: inferred(page) >= 1, timeout=TIMEOUT_MS)
    assert not error.isVisibleTo(page) and page.controls.source_kind() == "demo"


def test_a_source_that_stops_delivering_is_reported_and_the_page_recovers(page, qtbot, monkeypatch):
    """A camera that hangs mid-run (five frames, then read() blocks until closed): the HUD says
    'Stalled', the UI keeps running, Stop ends the run's threads, and the demo clip starts."""
    from engine.api import SourceSpec
    from tests.engine.test_video_pipeline import Stalling

    class HangingCamera(SourceSpec):
        def open(self):
            return Stalling(frames=5)

        def describe(self):
            return "a hanging camera"

    page = page(task="classify", model=CLASSIFIER)
    real_spec = page.controls.source_spec
    monkeypatch.setattr(page.controls, "source_spec", lambda size: HangingCamera("webcam"))
    page.start_run()
    qtbot.waitUntil(lambda: inferred(page) >= 1, timeout=TIMEOUT_MS)
    qtbot.waitUntil(lambda: "Stalled" in page.summary.text(), timeout=TIMEOUT_MS)
    assert "no frame from stalling" in page.summary.text()
    shown = page.lanes[0].view.image()
    assert shown is not None  # the last frame stays on screen
    stalled = page.pipeline
    page.stop()
    assert stalled.stop(timeout=1.0) and not stalled.running  # closing the source unblocks the read
    assert page.controls.start_button.text() == "Start"

    monkeypatch.setattr(page.controls, "source_spec", real_spec)
    page.use_demo()
    qtbot.waitUntil(lambda: page.pipeline is not stalled and inferred(page) >= 1, timeout=TIMEOUT_MS)
    qtbot.waitUntil(lambda: "Running" in page.summary.text(), timeout=TIMEOUT_MS)
    assert "demo" in page.pipeline.status().source


@pytest.mark.slow  # opens the main window with every page
def test_closing_the_window_while_running_stops_every_thread_within_a_second(open_window, preset, qtbot):
    preset()
    before = set(threading.enumerate())
    window = open_window()
    page = window.pages["live"]
    assert not page.start_action.isEnabled()  # shortcuts only while the page shows
    page.demo_size = SMALL
    page.controls.configure("demo", "classify", CLASSIFIER, "mobilenet_v2")
    page._sync_models()
    window.show_page("live")
    assert page.start_action.isEnabled()
    window.activateWindow()
    qtbot.waitUntil(lambda: window.isActiveWindow(), timeout=5000)
    qtbot.keyClick(window, Qt.Key.Key_Space)  # the start/stop shortcut
    qtbot.waitUntil(lambda: inferred(page, 0) >= 1 and inferred(page, 1) >= 1, timeout=TIMEOUT_MS)
    assert any(t.name.startswith("live-") for t in threading.enumerate())
    started = time.monotonic()
    window.close()
    elapsed = time.monotonic() - started
    left = [t for t in set(threading.enumerate()) - before if t.is_alive()]
    assert left == [] and elapsed < 1.5


def test_leaving_the_page_stops_the_live_view(page, qtbot):
    """Models running unseen would skew the Profiler's and Kernels' timings."""
    page = page(task="classify", model=CLASSIFIER)
    page.start_run()
    qtbot.waitUntil(lambda: inferred(page) >= 1, timeout=TIMEOUT_MS)
    running = page.pipeline
    page.hide()
    assert not running.running and page.controls.start_button.text() == "Start"
    assert running.stop(timeout=1.0)


SELFIE = "selfie_segmentation"
LRASPP = "lraspp_mobilenet_v3_small"


def test_switching_task_mid_run_while_a_lane_loads_shows_no_error(page, qtbot):
    """Lane B loads a new detector (an ONNX export on the swap thread) while the task switches
    to Segment (the selfie model's export on the start thread): the two exports used to race in
    torch's exporter ('GLOBALS.in_onnx_export must be False'). Now the segmenter runs, no error."""
    page = page(model2=COCO)
    page.start_run()
    qtbot.waitUntil(lambda: min(inferred(page, 0), inferred(page, 1)) >= 1, timeout=TIMEOUT_MS)
    controls = page.controls
    controls.model2_combo.setCurrentIndex(controls.model2_combo.findData("ssdlite_mobilenet_v3_small"))
    assert page.session.swapper.is_busy()  # lane B's new detector is loading
    controls.task_combo.setCurrentIndex(controls.task_combo.findData("segment"))  # at once, mid-load
    qtbot.waitUntil(lambda: not page.session.is_busy() and page.pipeline is not None
                    and page.pipeline.status().lanes[0].model == SELFIE and inferred(page) >= 1, timeout=TIMEOUT_MS)
    assert controls.error_label.text() == ""
    assert not any(lane.error.isVisibleTo(page) for lane in page.lanes)
    assert page.pipeline.status().lanes[0].state != "error"


def test_snapshot_and_recording_folders_are_created_on_demand_and_remembered(page, qtbot, tmp_path):
    from PySide6.QtCore import QSettings, QStandardPaths

    fresh = page(task="classify", model=CLASSIFIER)
    pictures = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.PicturesLocation)
    movies = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.MoviesLocation)
    assert (LivePage().recorder.snapshot_dir, LivePage().recorder.record_dir) == (pictures, movies)

    fresh.recorder.snapshot_dir = str(tmp_path / "new" / "pictures")  # neither exists yet
    fresh.recorder.record_dir = str(tmp_path / "new" / "movies")
    fresh.start_run()
    qtbot.waitUntil(lambda: inferred(fresh) >= 1, timeout=TIMEOUT_MS)
    png = fresh.snapshot()
    assert png is not None and png.parent == tmp_path / "new" / "pictures" and cv2.imread(str(png)) is not None
    fresh.toggle_recording()
    mark = inferred(fresh)
    qtbot.waitUntil(lambda: inferred(fresh) >= mark + 2, timeout=TIMEOUT_MS)
    fresh.toggle_recording()
    assert fresh.last_saved.parent == tmp_path / "new" / "movies" and fresh.last_saved.is_file()
    assert fresh.controls.error_label.text() == ""

    settings = QSettings(str(tmp_path / "live.ini"), QSettings.Format.IniFormat)
    fresh.save_settings(settings)
    again = LivePage()
    again.restore_settings(settings)
    assert (again.recorder.snapshot_dir, again.recorder.record_dir) == (fresh.recorder.snapshot_dir,
                                                                        fresh.recorder.record_dir)


def test_the_status_bar_says_stopped_after_stop_even_when_the_start_was_still_loading(page, qtbot):
    page = page(task="classify", model=CLASSIFIER)
    said: list[str] = []
    page.status_message.connect(said.append)
    page.start_run()
    qtbot.waitUntil(lambda: inferred(page) >= 1, timeout=TIMEOUT_MS)
    assert said[-1].startswith("Running")
    page.stop()
    assert said[-1] == "Live view stopped"

    page.controls.configure("demo", "classify", "mobilenet_v2")  # not loaded yet: the start is slow
    page.start_run()
    page.stop()  # before the models loaded
    qtbot.waitUntil(lambda: not page.session.is_busy(), timeout=TIMEOUT_MS)
    assert said[-1] == "Live view stopped"
    assert not page.pipeline.running  # the late start was dropped, not run


def test_both_lanes_run_the_same_inference_path_unless_the_user_picks_another(page, qtbot):
    """The selfie model runs on onnxruntime, a VOC segmenter (not a fixed square input) cannot:
    lane A follows lane B to the path both can run, and each lane names it."""
    from engine.api import fastest_exact_path

    if fastest_exact_path() != "onnxruntime":
        pytest.skip("needs onnxruntime, the path a VOC segmenter cannot run")
    page = page(task="segment", model=SELFIE, model2=LRASPP)
    page.start_run()
    qtbot.waitUntil(lambda: page.pipeline is not None and min(inferred(page, 0), inferred(page, 1)) >= 1,
                    timeout=TIMEOUT_MS)
    paths = [runner.path for runner in page.session.runners]
    assert paths == ["fast", "fast"]
    assert [lane.title.text() for lane in page.lanes] == [f"{SELFIE}  · fast", f"{LRASPP}  · fast"]

    page.stop()
    page.controls.configure("demo", "segment", SELFIE, LRASPP, paths=("onnxruntime", "reference"))
    page.start_run()
    qtbot.waitUntil(lambda: page.pipeline is not None and page.pipeline.running
                    and min(inferred(page, 0), inferred(page, 1)) >= 1, timeout=TIMEOUT_MS)
    assert [runner.path for runner in page.session.runners] == ["onnxruntime", "reference"]
    assert page.lanes[1].title.text() == f"{LRASPP}  · reference"


def test_lanes_name_their_weights_source_and_licence_and_offer_the_fetch(real_weights, page, qtbot):
    """The default pair with only the shipped weights cached: lane A names its real weights'
    registry package and licence (the manifest's); lane B (the COCO SSD, not cached here) says
    so and its button asks the Weights page to fetch exactly its entry."""
    from engine.api import LIVE_DEFAULT_PAIR, weight_entries
    from engine.weights import cache

    coco = next(e for e in weight_entries() if e.model == LIVE_DEFAULT_PAIR[1] and e.default)
    # the session home may hold the COCO SSD (the Detect page's legend test copies it in): not here
    converted = cache.converted_path(coco.name, coco.suffix)
    for stale in (converted, cache.sidecar(converted)):
        stale.unlink(missing_ok=True)
    page = page(model=LIVE_DEFAULT_PAIR[0], model2=LIVE_DEFAULT_PAIR[1])
    asked: list[tuple[str, object]] = []
    page.navigate.connect(lambda target, payload: asked.append((target, payload)))
    page.start_run()
    qtbot.waitUntil(lambda: min(inferred(page, 0), inferred(page, 1)) >= 1, timeout=TIMEOUT_MS)
    person = next(e for e in weight_entries() if e.model == LIVE_DEFAULT_PAIR[0] and e.default)
    a, b = page.lanes
    assert person.name in a.weights.text() and person.sources[0].requirement in a.weights.text()
    assert person.licence.split(" (")[0] in a.weights.text() and not a.fetch_button.isVisibleTo(page)
    assert b.badge.isVisibleTo(page) and b.fetch_button.isVisibleTo(page) and coco.name in b.weights.text()
    b.fetch_button.click()
    assert asked == [("weights", {"fetch": coco.name, "model": coco.model})]
    assert page.agreement.isVisibleTo(page)  # two detectors: their per-frame agreement shows
    qtbot.waitUntil(lambda: "matched</span> at IoU" in page.agreement.text(), timeout=TIMEOUT_MS)


def test_both_lanes_run_the_path_measured_fastest_for_lane_as_model(page, qtbot):
    """Nothing picked: lane A's model's stored measurement (api.runner_path, read in the worker
    that loads the models) sets the one path both lanes run, and each lane names it."""
    import torch

    from engine.api import measure_fastest

    choice = measure_fastest(CLASSIFIER, None, torch.get_num_threads(), repeats=3)
    page = page(task="classify", model=CLASSIFIER, model2="mobilenet_v2")
    page.start_run()
    qtbot.waitUntil(lambda: page.pipeline is not None and min(inferred(page, 0), inferred(page, 1)) >= 1,
                    timeout=TIMEOUT_MS)
    assert [runner.path for runner in page.session.runners] == [choice.path] * 2
    assert [lane.title.text() for lane in page.lanes] == [f"{CLASSIFIER}  · {choice.path}",
                                                          f"mobilenet_v2  · {choice.path}"]
