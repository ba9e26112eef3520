"""The contract between a task model (classify, detect, segment) and everything that feeds it
frames: the CLI commands, the GUI views and the live pipeline. One frame in (BGR uint8, as
OpenCV reads it), one result out, with the time each stage took, so every caller reports the
same per-stage figures and draws the same overlays.
"""

from __future__ import annotations

from dataclasses import dataclass
from collections.abc import Callable
from typing import Any, Protocol, runtime_checkable

import numpy as np

from engine.threads import torch_threads

__all__ = ["TASKS", "UNTRAINED", "StageTimes", "FrameResult", "PreparedFrame", "StagedRunner", "TaskResult", "TaskRunner"]

TASKS = ("classify", "detect", "segment")
UNTRAINED = "untrained — for latency only"  # every display of a random-weights result says this


@dataclass(frozen=True)
class StageTimes:
    """Milliseconds per stage for one frame. preprocess: BGR frame to input tensor;
    inference: the network's forward; postprocess: decoding, NMS, resizing masks back."""

    preprocess_ms: float
    inference_ms: float
    postprocess_ms: float

    @property
    def total_ms(self) -> float:
        return self.preprocess_ms + self.inference_ms + self.postprocess_ms

    def to_json(self) -> dict:
        return {"preprocess": self.preprocess_ms, "inference": self.inference_ms,
                "postprocess": self.postprocess_ms}


@dataclass(frozen=True, eq=False)
class FrameResult:
    """What every task's result starts with (positional, in this order), and the head of its
    JSON document. Subclasses add their outputs and a `task` field (last, with its default)."""

    model: str
    weights: str | None  # manifest entry or checkpoint path; None = random weights
    frame_size: tuple[int, int]  # (height, width)
    timings: StageTimes

    @property
    def untrained(self) -> bool:
        return self.weights is None

    def json_head(self) -> dict[str, Any]:
        return {"task": self.task, "model": self.model, "weights": self.weights,
                "untrained": self.untrained, "note": UNTRAINED if self.untrained else "",
                "frame_size": list(self.frame_size), "timings_ms": self.timings.to_json()}


@dataclass(frozen=True, eq=False)
class PreparedFrame:
    """A frame through a runner's preprocess stage (`prepare`): the frame (BGR, as the result
    refers to it), the network's input batch, and the time the stage took. The live pipeline
    prepares the next frame in its capture thread and hands this to `run_prepared`."""

    frame: np.ndarray
    batch: Any  # a tensor, or the detectors' ImageList
    preprocess_ms: float


class StagedRunner:
    """A runner whose preprocess stage runs apart: subclasses define `prepare` (BGR frame ->
    PreparedFrame; pure, safe from any thread) and `_finish` (network and postprocess). The live
    pipeline prepares the next frame in its capture thread and hands it to `run_prepared`."""

    threads: int | None  # intra-op threads for the network (None: as set)

    def prepare(self, frame_bgr: np.ndarray) -> PreparedFrame:
        raise NotImplementedError

    def _finish(self, prepared: PreparedFrame, network_done: Callable[[], None] | None) -> Any:
        raise NotImplementedError

    def run(self, frame_bgr: np.ndarray) -> Any:
        with torch_threads(self.threads):
            return self._finish(self.prepare(frame_bgr), None)

    def run_prepared(self, prepared: PreparedFrame, network_done: Callable[[], None] | None = None) -> Any:
        """`run` on a frame `prepare` took through the preprocess stage; `network_done` is called
        as soon as the network has run, before postprocessing (the live pipeline then captures
        the next frame, off the network's cores)."""
        with torch_threads(self.threads):
            return self._finish(prepared, network_done)


@runtime_checkable
class TaskResult(Protocol):
    """What a runner returns for one frame. Results keep everything a display needs to redraw
    with other settings (all detections above a low floor, the full probability mask), so a
    threshold or opacity slider never re-runs the network."""

    task: str
    model: str
    untrained: bool  # random weights: every display labels it "untrained — for latency only"
    frame_size: tuple[int, int]  # (height, width) of the frame the result refers to
    timings: StageTimes

    def to_json(self) -> dict[str, Any]: ...


@runtime_checkable
class TaskRunner(Protocol):
    """A loaded model ready for frames. `run` may be called from a worker thread; `draw` is
    pure (returns an annotated copy, OpenCV only) and is the one overlay renderer: the CLI's
    --out files, snapshots, recordings, the live view and the GUI's pages all show its image."""

    task: str
    model: str
    untrained: bool

    def run(self, frame_bgr: np.ndarray) -> TaskResult: ...

    def draw(self, frame_bgr: np.ndarray, result: TaskResult, **display: Any) -> np.ndarray: ...
