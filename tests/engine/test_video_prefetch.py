"""The live pipeline's one-frame prefetch: a runner with a separate preprocess stage
(`prepare` / `run_prepared`, as the detectors and segmenters have) gets its next frame prepared
in the capture thread, beside its postprocessing and never beside its network."""

from __future__ import annotations

import threading
import time

import cv2
import pytest
import torch

from engine.tasks.base import StageTimes
from engine.video.pipeline import LivePipeline
from engine.video.sources import DemoSource
from tests.engine.test_video_pipeline import TinyClassifier, TopOne, _consistent


class StagedClassifier(TinyClassifier):
    """TinyClassifier with a separate preprocess stage (`prepare` / `run_prepared`, as the
    detectors have): records which thread prepared each frame, and refuses an input another
    runner prepared (the pipeline must never hand a swapped-in runner the old one's input)."""

    def __init__(self, name="staged", delay_s=0.0):
        super().__init__(name, delay_s)
        self.prepared_in: list[str] = []
        self.whole = 0  # frames run whole (not prepared ahead)
        self.events: list[str] = []  # "prepare", "network", "network done" in the order they happened

    def prepare(self, frame_bgr):
        self.prepared_in.append(threading.current_thread().name)
        self.events.append("prepare")
        rgb = cv2.cvtColor(cv2.resize(frame_bgr, (64, 64)), cv2.COLOR_BGR2RGB)
        return self, frame_bgr, torch.from_numpy(rgb).permute(2, 0, 1)[None].float() / 255

    def run(self, frame_bgr):
        self.whole += 1
        return self.run_prepared(self.prepare(frame_bgr))

    def run_prepared(self, prepared, network_done=None):
        by, frame_bgr, x = prepared
        if by is not self:
            raise RuntimeError(f"{self.model} was handed an input {by.model} prepared")
        self.events.append("network")
        t1 = time.perf_counter()
        with torch.inference_mode():
            logits = self.net(x)
        time.sleep(self.delay_s)
        t2 = time.perf_counter()
        self.events.append("network done")
        if network_done is not None:
            network_done()
        time.sleep(self.delay_s / 2)  # postprocessing: the next frame is prepared meanwhile
        return TopOne(self.task, self.model, True, frame_bgr.shape[:2], StageTimes(0.0, 1000 * (t2 - t1), 0.0),
                      int(logits.argmax()), float(frame_bgr.mean()))


def test_a_preprocess_stage_runs_in_the_capture_thread_on_the_frame_the_worker_takes_next():
    """At max pace every frame goes into an empty slot, so every one is prepared ahead, by the
    capture thread, while the worker runs the frame before; each result is its own frame's."""
    staged = StagedClassifier()
    pipe = LivePipeline([staged])
    pipe.start(DemoSource((96, 72)), pace="max")
    pipe.wait(inferred=8, seconds=5)
    assert pipe.stop()
    lane = pipe.status().lanes[0]
    assert lane.inferred >= 8 and lane.failed == 0 and _consistent(lane) and lane.in_flight == 0
    assert staged.whole == 0 and set(staged.prepared_in) == {"live-capture"}
    latest = pipe.latest(0)
    assert latest.result.mean == pytest.approx(float(latest.frame.image.mean()))


def test_at_max_pace_the_next_frame_is_prepared_beside_postprocessing_not_the_network():
    """The capture thread waits while a lane's network runs and prepares the next frame once
    the network is done: on 2 cores, preprocessing beside the network slowed it by 8-9 %."""
    staged = StagedClassifier(delay_s=0.02)
    pipe = LivePipeline([staged])
    pipe.start(DemoSource((96, 72)), pace="max")
    pipe.wait(inferred=8, seconds=5)
    assert pipe.stop()
    events = list(staged.events)
    starts = [i for i, e in enumerate(events) if e == "network"]
    assert len(starts) >= 8 and staged.whole == 0
    for start in starts:
        end = events.index("network done", start)
        assert "prepare" not in events[start:end], events[start:end + 1]
    # and every frame after the first was prepared while the frame before was postprocessed
    assert all(events[events.index("network done", s) + 1] == "prepare" for s in starts[:-1])


class LoggedDemo(DemoSource):
    """The demo clip, writing "read" into a runner's event list whenever a frame is read."""

    def __init__(self, events: list[str], size):
        super().__init__(size)
        self.events = events

    def read(self):
        self.events.append("read")
        return super().read()


def test_at_max_pace_the_next_frame_is_read_while_the_network_runs_on_the_last():
    """At max pace the capture reads the next frame as soon as it has handed one over, so the
    read overlaps that frame's network; every frame read is put, in order, and counted once."""
    staged = StagedClassifier(delay_s=0.05)
    pipe = LivePipeline([staged])
    pipe.start(LoggedDemo(staged.events, (96, 72)), pace="max")
    pipe.wait(inferred=6, seconds=5)
    assert pipe.stop()
    events = list(staged.events)
    ends = [i for i, e in enumerate(events) if e == "network done"]
    assert len(ends) >= 6 and staged.whole == 0
    for end in ends[:-1]:
        handed_over = max(i for i in range(end) if events[i] == "prepare")  # this network's frame
        assert "read" in events[handed_over + 1:end], events[handed_over:end + 1]
    lane = pipe.status().lanes[0]
    assert _consistent(lane) and lane.in_flight == 0 and lane.dropped <= 1
    assert lane.captured == events.count("prepare")  # a frame read ahead but never handed over is not counted


def test_prefetch_keeps_live_pacing_and_exact_counters_with_a_slow_model():
    """At live pace a slow model still drops frames, the counters stay exact at every moment,
    and frames are prepared only when put into an empty slot: at most one more than were taken."""
    staged = StagedClassifier(delay_s=0.1)
    pipe = LivePipeline([staged])
    pipe.start(DemoSource((160, 120), fps=60), pace="live")
    pipe.wait(inferred=6, seconds=4)
    for _ in range(20):
        lane = pipe.status().lanes[0]
        assert _consistent(lane) and lane.in_flight <= 2
    assert pipe.stop()
    lane = pipe.status().lanes[0]
    assert lane.inferred >= 6 and lane.dropped > lane.inferred and lane.failed == 0
    assert lane.captured == lane.inferred + lane.dropped and lane.in_flight == 0
    assert len(staged.prepared_in) - staged.whole <= lane.inferred + 1


class GatedClassifier(StagedClassifier):
    """Stops in its postprocessing until the test lets it go: meanwhile the capture thread
    prepares the next frame with this runner and leaves it in the slot."""

    def __init__(self, name):
        super().__init__(name)
        self.posting, self.go = threading.Event(), threading.Event()

    def run_prepared(self, prepared, network_done=None):
        def done():
            if network_done is not None:
                network_done()
            self.posting.set()
            self.go.wait(10)

        return super().run_prepared(prepared, network_done=done)


def test_a_swapped_in_runner_never_gets_the_old_runners_prepared_input():
    a, b = GatedClassifier("a"), StagedClassifier("b")
    pipe = LivePipeline([a])
    pipe.start(DemoSource((96, 72)), pace="max")
    try:
        assert a.posting.wait(10)  # frame 1 is past a's network, so the capture prepares frame 2 with a
        deadline = time.monotonic() + 10
        while a.events.count("prepare") < 2 and time.monotonic() < deadline:
            time.sleep(0.005)
        assert a.events.count("prepare") == 2
        pipe.set_runner(0, b)  # frame 2 waits in the slot, prepared by a
    finally:
        a.go.set()
    pipe.wait(inferred=5, seconds=10)
    assert pipe.stop()
    lane = pipe.status().lanes[0]
    assert lane.inferred >= 5 and lane.failed == 0 and lane.message == "" and _consistent(lane)
    assert b.whole == 1 and a.whole == 0  # b ran a's frame 2 whole, then its own prepared frames
