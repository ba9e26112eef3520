"""The live pipeline's state per run and per lane (engine.video.pipeline runs the threads):
the frames the capture thread reads, the jobs a lane's mailbox holds, the results it
publishes, and each lane's counters and rolling statistics."""

from __future__ import annotations

import threading
import time
from collections import deque
from contextlib import ExitStack
from dataclasses import dataclass
from typing import Any

import numpy as np

from engine.tasks.base import TaskResult, TaskRunner
from engine.video.mailbox import Mailbox
from engine.video.sources import FrameSource
from engine.video.stats import LiveState, Rolling


@dataclass(frozen=True, kw_only=True)
class Frame:
    id: int  # 1-based, per start()
    image: np.ndarray  # BGR uint8, shared read-only by every lane
    capture_ms: float
    captured_at: float  # time.monotonic()


@dataclass(frozen=True, eq=False)
class Job:
    """What a lane's slot holds: the frame, and its preprocessed input when the capture thread
    prepared it (`by` is the runner that did: after a swap the worker runs the frame whole)."""

    frame: Frame
    by: TaskRunner | None = None
    prepared: Any = None


@dataclass(frozen=True, kw_only=True)
class LiveResult:
    """One lane's newest output; `seq` grows with each one so a display redraws only on change."""

    lane: int
    seq: int
    frame: Frame
    result: TaskResult
    annotated: np.ndarray
    model: str
    untrained: bool
    stage_ms: dict[str, float]


class Lane:
    """One model's side of a run: its frame slot (inbox), its latest-result slot, and the
    counters and rolling statistics its worker updates under `lock`."""

    def __init__(self, index: int, window: int):
        self.index, self.window = index, window
        self.inbox: Mailbox[Job] = Mailbox()
        self.results: Mailbox[LiveResult] = Mailbox()
        self.lock = threading.Lock()
        self.rolling = Rolling(window)
        self.generation = 0  # bumped when the runner is swapped: stale frames do not count in the new stats
        self.failed = 0
        self.error = ""

    def reset_stats(self) -> None:
        with self.lock:
            self.rolling, self.generation, self.error = Rolling(self.window), self.generation + 1, ""


class Run:
    """Everything one start() owns, so threads of a run that overran stop() touch only their own run."""

    def __init__(self, source: FrameSource, lanes: int, pace: str, window: int):
        self.source, self.pace = source, pace
        self.stop = threading.Event()
        self.lanes = [Lane(i, window) for i in range(lanes)]
        self.lock = threading.Lock()
        self.state: LiveState = LiveState.RUNNING
        self.message = ""
        self.started = self.last_frame = time.monotonic()
        self.captured = 0
        self.capture_times: deque[float] = deque(maxlen=window)
        self.threads: list[threading.Thread] = []
        self.cleanup = ExitStack()  # what stop() undoes once the threads are done (engine.threads settings)
