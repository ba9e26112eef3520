"""What the live pipeline reports: per-lane and overall status (plain data the GUI, CLI and
benchmark read) and the bounded rolling statistics behind it."""

from __future__ import annotations

import statistics
from collections import deque
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

import numpy as np

from engine.tasks.base import TaskRunner

STAGES = ("capture", "preprocess", "inference", "postprocess", "draw")


class LaneState(StrEnum):
    IDLE = "idle"
    RUNNING = "running"
    ERROR = "error"  # the runner raised on the last frame; the message says why


class LiveState(StrEnum):
    IDLE = "idle"  # never started
    RUNNING = "running"
    WAITING = "waiting"  # running, no frame from the source yet
    STALLED = "stalled"  # running, no frame for longer than the stall limit
    ENDED = "ended"  # the source ended (file over, folder done)
    ERROR = "error"  # the source failed; the message says why
    STOPPED = "stopped"


@dataclass(frozen=True, kw_only=True)
class LaneStatus:
    lane: int
    model: str
    task: str
    untrained: bool
    state: LaneState
    message: str
    fps: float  # over the last `window` results
    mean_fps: float  # since start
    captured: int
    inferred: int
    dropped: int
    failed: int
    in_flight: int
    stages_ms: dict[str, float]  # rolling medians, keys STAGES
    frame_ms: float  # median worker time per frame: take → run → draw → publish

    def to_json(self) -> dict[str, Any]:
        return {"lane": self.lane, "model": self.model, "task": self.task, "untrained": self.untrained,
                "state": self.state.value, "message": self.message, "fps": self.fps, "mean_fps": self.mean_fps,
                "captured": self.captured, "inferred": self.inferred, "dropped": self.dropped,
                "failed": self.failed, "in_flight": self.in_flight, "stages_ms": self.stages_ms,
                "frame_ms": self.frame_ms}


@dataclass(frozen=True, kw_only=True)
class LiveStatus:
    state: LiveState
    message: str
    source: str
    captured: int
    capture_fps: float
    lanes: tuple[LaneStatus, ...]
    recording: bool

    def to_json(self) -> dict[str, Any]:
        return {"state": self.state.value, "message": self.message, "source": self.source,
                "captured": self.captured, "capture_fps": self.capture_fps, "recording": self.recording,
                "lanes": [lane.to_json() for lane in self.lanes]}


class Rolling:
    """Rolling medians per stage and a rolling rate, bounded by `window`."""

    def __init__(self, window: int):
        self.stages = {name: deque(maxlen=window) for name in (*STAGES, "frame")}
        self.times: deque[float] = deque(maxlen=window)
        self.first: float | None = None
        self.count = 0

    def add(self, stage_ms: dict[str, float], frame_ms: float, at: float) -> None:
        for name, ms in stage_ms.items():
            self.stages[name].append(ms)
        self.stages["frame"].append(frame_ms)
        self.times.append(at)
        self.first = at if self.first is None else self.first
        self.count += 1

    def median(self, name: str) -> float:
        values = self.stages[name]
        return statistics.median(values) if values else 0.0

    def fps(self) -> float:
        span = self.times[-1] - self.times[0] if len(self.times) > 1 else 0.0
        return (len(self.times) - 1) / span if span > 0 else 0.0

    def mean_fps(self) -> float:
        span = self.times[-1] - self.first if self.count > 1 else 0.0
        return (self.count - 1) / span if span > 0 else 0.0


def bare_model_ms(runner: TaskRunner, frame: np.ndarray, repeats: int = 15) -> float:
    """The model's own time per frame, measured alone (pipeline stopped): the mean inference
    stage of `repeats` runs after one warm-up. The mean, because the pipeline's time per frame
    (1 / FPS) is one: a median against it would count the machine's tail as pipeline overhead
    (here the network's p90 is 1.4x its median)."""
    runner.run(frame)
    return statistics.fmean(runner.run(frame).timings.inference_ms for _ in range(repeats))
