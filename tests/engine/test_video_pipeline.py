"""The live pipeline with a small real runner of the TaskRunner contract (a 0.35-wide
MobileNetV3-Small on 64×64 inputs, random weights): counters, memory, faults, two lanes."""

from __future__ import annotations

import threading
import time
import tracemalloc
from dataclasses import dataclass

import cv2
import numpy as np
import pytest
import torch

from engine import api
from engine.tasks.base import StageTimes, TaskResult, TaskRunner
from engine.video.pipeline import LivePipeline
from engine.video.recording import save_png
from engine.video.stats import STAGES, bare_model_ms
from engine.video.sources import DemoSource, FrameSource, SourceError


@dataclass
class TopOne:
    task: str
    model: str
    untrained: bool
    frame_size: tuple[int, int]
    timings: StageTimes
    index: int
    mean: float  # the frame's mean pixel, so tests can tell which frame a result came from

    def to_json(self):
        return {"index": self.index}


class TinyClassifier:
    """A real classifier behind the runner contract; `delay_s` makes it deliberately slow."""

    task, untrained = "classify", True

    def __init__(self, name="tiny", delay_s=0.0, fail=False):
        torch.manual_seed(0)
        self.net = api.build_model("mobilenet_v3_small", width=0.35)
        self.model, self.delay_s, self.fail = name, delay_s, fail

    def run(self, frame_bgr):
        t0 = time.perf_counter()
        rgb = cv2.cvtColor(cv2.resize(frame_bgr, (64, 64)), cv2.COLOR_BGR2RGB)
        x = torch.from_numpy(rgb).permute(2, 0, 1)[None].float() / 255
        t1 = time.perf_counter()
        if self.fail:
            raise RuntimeError("model exploded")
        with torch.inference_mode():
            logits = self.net(x)
        time.sleep(self.delay_s)
        t2 = time.perf_counter()
        index = int(logits.argmax())
        t3 = time.perf_counter()
        return TopOne(self.task, self.model, True, frame_bgr.shape[:2],
                      StageTimes(1000 * (t1 - t0), 1000 * (t2 - t1), 1000 * (t3 - t2)), index, float(frame_bgr.mean()))

    def draw(self, frame_bgr, result, colour=(0, 255, 255), **_):
        out = frame_bgr.copy()
        cv2.rectangle(out, (0, 0), (120, 30), (0, 0, 0), -1)
        cv2.putText(out, f"top1 {result.index}", (4, 22), cv2.FONT_HERSHEY_SIMPLEX, 0.6, colour, 2)
        return out


class Stalling(FrameSource):
    """Delivers `frames` demo frames, then blocks in read() until closed: a camera that hangs."""

    close_unblocks = True
    paced_by_caller = False

    def __init__(self, frames: int):
        self.name, self.fps, self.left = "stalling", 30.0, frames
        self.demo = DemoSource((96, 72))
        self.closed = threading.Event()

    def read(self):
        if self.left > 0:
            self.left -= 1
            return self.demo.read()
        self.closed.wait(30)
        return None

    def close(self):
        super().close()
        self.closed.set()


class Broken(FrameSource):
    name = "broken"

    def read(self):
        raise SourceError("camera unplugged")


def _consistent(lane):
    return lane.captured == lane.inferred + lane.failed + lane.dropped + lane.in_flight


@pytest.fixture(scope="module")
def tiny():
    return TinyClassifier()


def test_runner_satisfies_the_contract(tiny):
    assert isinstance(tiny, TaskRunner)
    assert isinstance(tiny.run(np.zeros((48, 64, 3), np.uint8)), TaskResult)


def test_slow_model_drops_frames_with_exact_counters_and_stops_fast(tiny):
    slow = TinyClassifier(delay_s=0.1)
    pipe = LivePipeline([slow])
    pipe.start(DemoSource((160, 120), fps=60))
    status = pipe.wait(inferred=6, seconds=4)
    for _ in range(20):  # counters are consistent at any moment, not only after stop
        assert _consistent(pipe.status().lanes[0])
    t0 = time.monotonic()
    assert pipe.stop() is True
    assert time.monotonic() - t0 < 1.0
    lane = pipe.status().lanes[0]
    assert lane.inferred >= 6 and lane.dropped > lane.inferred  # 60 fps in, ~9 fps out
    assert lane.in_flight == 0 and lane.captured == lane.inferred + lane.dropped
    assert status.lanes[0].stages_ms["inference"] >= 100
    assert set(status.lanes[0].stages_ms) == set(STAGES)


def test_memory_stays_flat_with_a_slow_model():
    pipe = LivePipeline([TinyClassifier(delay_s=0.2)])
    pipe.start(DemoSource((320, 240), fps=100))
    pipe.wait(inferred=2, seconds=3)
    tracemalloc.start()
    try:
        pipe.wait(seconds=1.5)
        peak = tracemalloc.get_traced_memory()[1]  # everything allocated since start() and alive at once
    finally:
        tracemalloc.stop()
        pipe.stop()
    lane = pipe.status().lanes[0]
    assert lane.dropped > 50  # ~150 frames arrived while ~8 were inferred: none of them queued
    frame_bytes = 320 * 240 * 3
    assert peak < 12 * frame_bytes  # a handful of frames in flight, not the ~150 that arrived


def test_two_lanes_see_the_same_frames(tiny):
    pipe = LivePipeline([tiny, TinyClassifier("other")])
    pipe.start(DemoSource((96, 72)), pace="max")
    pipe.wait(inferred=5, seconds=4)
    pipe.wait(inferred=5, seconds=4, lane=1)
    pipe.stop()
    a, b = pipe.latest(0), pipe.latest(1)
    assert a.model == "tiny" and b.model == "other"
    ids = {a.frame.id, b.frame.id}
    assert max(ids) - min(ids) <= 1  # max pace: neither lane runs ahead by more than the frame in flight
    lanes = pipe.status().lanes
    # max pace never replaces a frame; only the one waiting in the slot at stop() is discarded
    assert all(_consistent(l) and l.in_flight == 0 and l.dropped <= 1 for l in lanes)
    assert lanes[0].captured == lanes[1].captured
    # The same frame gives both lanes the same input: compare on a frame both inferred.
    frame = a.frame.image
    assert a.result.mean == pytest.approx(float(frame.mean()))


def test_annotated_frames_and_snapshot(tiny, tmp_path):
    pipe = LivePipeline([tiny])
    pipe.start(DemoSource((160, 120)))
    pipe.wait(inferred=2, seconds=3)
    pipe.stop()
    latest = pipe.latest(0)
    assert np.all(latest.annotated[5:25, 5:110].min(axis=(0, 1)) == 0)  # the black label box is drawn
    assert np.array_equal(latest.annotated[40:], latest.frame.image[40:])  # the rest is the frame
    redrawn = pipe.redraw(0, colour=(255, 0, 255))
    assert not np.array_equal(redrawn, latest.annotated)
    path = save_png(pipe.snapshot(0), tmp_path / "snap.png")
    assert np.array_equal(cv2.imread(str(path)), latest.annotated)


def test_stall_is_reported_and_stop_still_within_a_second(tiny):
    pipe = LivePipeline([tiny], stall_s=0.3)
    pipe.start(Stalling(frames=3))
    pipe.wait(inferred=1, seconds=2)
    time.sleep(0.5)
    status = pipe.status()
    assert status.state == "stalled" and "no frame from stalling" in status.message
    t0 = time.monotonic()
    assert pipe.stop() is True and time.monotonic() - t0 < 1.0


def test_source_end_and_source_error_become_statuses(tiny):
    pipe = LivePipeline([tiny])
    pipe.start(Broken())
    status = pipe.wait(seconds=2)
    assert status.state == "error" and status.message == "camera unplugged"
    pipe.stop()
    source = DemoSource((64, 48), fps=2, loop=False)
    pipe.start(source, pace="max")
    status = pipe.wait(seconds=4)
    pipe.stop()
    assert status.state == "ended" and pipe.status().lanes[0].inferred == source.frame_number


def test_a_failing_runner_is_a_status_and_the_worker_survives(tiny):
    pipe = LivePipeline([TinyClassifier(fail=True)])
    pipe.start(DemoSource((64, 48)))
    time.sleep(0.3)
    lane = pipe.status().lanes[0]
    assert lane.state == "error" and "model exploded" in lane.message and lane.failed > 0
    pipe.set_runner(0, tiny)  # swap while running: the same worker carries on
    pipe.wait(inferred=3, seconds=3)
    lane = pipe.status().lanes[0]
    assert lane.state == "running" and lane.inferred >= 3 and _consistent(lane)
    assert pipe.stop()


def test_start_stop_start_and_swap_while_running(tiny):
    pipe = LivePipeline([tiny])
    for _ in range(2):
        pipe.start(DemoSource((96, 72)))
        pipe.wait(inferred=2, seconds=3)
        assert pipe.stop()
        assert pipe.status().lanes[0].inferred >= 2
    pipe.start(DemoSource((96, 72)))
    pipe.set_runner(0, TinyClassifier("swapped"))
    deadline = time.monotonic() + 3
    while (pipe.latest(0) is None or pipe.latest(0).model != "swapped") and time.monotonic() < deadline:
        time.sleep(0.02)
    assert pipe.latest(0).model == "swapped"
    assert pipe.stop() and not pipe.running


class ListWriter:
    def __init__(self):
        self.frames, self.closed, self.aborted = [], False, False

    def write(self, frame):
        self.frames.append(frame.copy())

    def close(self):
        self.closed = True

    def abort(self):
        self.aborted = True


def test_recording_gets_annotated_frames_and_closes_on_stop(tiny):
    pipe = LivePipeline([tiny])
    writer = ListWriter()
    pipe.start_recording(writer)
    pipe.start(DemoSource((96, 72)), pace="max")
    pipe.wait(inferred=4, seconds=3)
    pipe.stop()
    assert writer.closed and not pipe.recording and len(writer.frames) >= 4
    assert np.all(writer.frames[0][5:25, 5:90].min(axis=(0, 1)) == 0)


def test_recording_both_lanes_side_by_side(tiny):
    """lane=None: each written frame is lane A's drawing beside lane B's, each in its own
    display colour (TinyClassifier writes its label in the `colour` it is given)."""
    pipe = LivePipeline([tiny, TinyClassifier()])
    pipe.set_display(0, colour=(0, 0, 255))
    pipe.set_display(1, colour=(255, 0, 0))
    writer = ListWriter()
    pipe.start_recording(writer, lane=None)
    pipe.start(DemoSource((96, 72)), pace="max")
    pipe.wait(inferred=6, seconds=5)
    pipe.stop()
    assert writer.closed and len(writer.frames) >= 5
    last = writer.frames[-1]
    assert last.shape == (72, 192, 3)
    left, right = last[5:25, :96], last[5:25, 96:]
    red, blue = (left[..., 2] > 200) & (left[..., 0] < 50), (right[..., 0] > 200) & (right[..., 2] < 50)
    assert red.sum() > 20 and blue.sum() > 20  # each half carries its own lane's label
    assert not ((left[..., 0] > 200) & (left[..., 2] < 50)).any()


def test_bare_model_ms_is_the_models_own_time(tiny):
    slow = TinyClassifier(delay_s=0.03)
    ms = bare_model_ms(slow, np.zeros((72, 96, 3), np.uint8), repeats=3)
    assert 30 <= ms < 300



def test_opencv_runs_on_the_stage_threads_alone_during_a_run(tiny):
    """While a run is on, OpenCV's own pool is off (its helpers took cores from the network), as
    the runner sees it from the worker thread; stop puts the pool back as it was."""
    seen = []

    class Watching(TinyClassifier):
        def run(self, frame_bgr):
            seen.append(cv2.getNumThreads())
            return super().run(frame_bgr)

    outside = cv2.getNumThreads()
    cv2.setNumThreads(3)  # a pool of its own, whatever this machine's default
    try:
        pipe = LivePipeline([Watching()])
        pipe.start(DemoSource((160, 120), fps=60))
        pipe.wait(inferred=3, seconds=10)
        assert pipe.stop() is True
        assert seen and set(seen) == {1}
        assert cv2.getNumThreads() == 3
    finally:
        cv2.setNumThreads(outside)
