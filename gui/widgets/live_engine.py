"""The Live page's names from the engine's video package (through engine.api), plus the slow
step it runs off the UI thread besides opening the source: loading runners."""

from __future__ import annotations

from engine import api
from engine.api import (  # noqa: F401  (re-exported for the Live page's modules)
    STAGES, LaneStatus, LivePipeline, LiveResult, LiveStatus, SourceError, SourceSpec, save_png,
)

__all__ = ["SourceSpec", "RunnerCache", "LivePipeline", "LiveResult", "LiveStatus", "LaneStatus", "STAGES",
           "SourceError", "save_png"]


class RunnerCache:
    """Loaded runners by (lane, task, model, weights). Each lane gets its own runner object,
    so two lanes never share one network across threads. Touched only by the job thread."""

    KEEP = 6  # a few models stay loaded, so flipping between two is instant

    def __init__(self) -> None:
        self._loaded: dict[tuple[int, str, str, str | None], api.TaskRunner] = {}

    def get(self, lane: int, task: str, model: str) -> api.TaskRunner:
        weights = api.cached_weights(model)  # never fetches: downloads belong to the Weights page
        key = (lane, task, model, weights)
        runner = self._loaded.get(key)
        if runner is None:
            # the fastest exact (fp32) path: onnxruntime where installed; the HUD shows runner.path
            runner = api.make_runner(task, model, weights=weights, path=api.fastest_exact_path())
            self._loaded[key] = runner
            while len(self._loaded) > self.KEEP:  # dicts keep insertion order: drop the oldest
                self._loaded.pop(next(iter(self._loaded)))
        return runner
