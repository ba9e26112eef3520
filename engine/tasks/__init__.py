"""Task runners: one loaded model behind the `TaskRunner` contract of `engine.tasks.base`.

`make_runner(task, model, weights)` is the one way the CLI, the GUI views and the live
pipeline get a runner, so they all load weights, label random weights and time stages alike.
"""

from __future__ import annotations

from pathlib import Path

import torch

from engine import paths
from engine.errors import InvalidInput, UnknownName, WeightsUnavailable, check_range
from engine.models import catalog
from engine.tasks.base import TASKS, UNTRAINED, StageTimes, TaskResult, TaskRunner
from engine.tasks.classify import ClassifyResult, ClassifyRunner, load_classifier
from engine.tasks.detect import Detection, DetectResult, DetectRunner
from engine.tasks.segment import SegmentKind, SegmentResult, SegmentRunner
from engine.tradeoffs.fastest import default_path
from engine.weights import fetch, manifest
from engine.weights.load import load_weights

__all__ = ["TASKS", "UNTRAINED", "StageTimes", "TaskResult", "TaskRunner", "ClassifyResult", "ClassifyRunner",
           "Detection", "DetectResult", "DetectRunner", "SegmentResult", "SegmentRunner", "DEFAULT_MODELS",
           "cached_weights", "make_runner", "models_for", "runner_path", "untrained_reason"]

CATALOG_TASK = {"classify": "classification", "detect": "detection", "segment": "segmentation"}
DEFAULT_MODELS = {"classify": "mobilenet_v2", "detect": "ssdlite_mobilenet_v2_person",
                  "segment": "selfie_segmentation"}  # the ones with weights that ship offline
RANDOM_HINT = "for latency only, use random weights (weights=None; --random-weights on the command line)"


def models_for(task: str) -> list[str]:
    """Catalog models that a runner for `task` accepts."""
    if task not in TASKS:
        raise UnknownName("task", task, TASKS)
    return [n for n in catalog.MODELS.names() if catalog.model_info(n).task == CATALOG_TASK[task]]


def cached_weights(model: str) -> str | None:
    """The `weights` for a runner that must not download: 'default' when verified weights for
    `model` are in the cache, else None (random weights, labelled untrained). Re-hashes the
    model's cached files (slow: call it off a UI thread)."""
    return "default" if any(fetch.cached_state(entry).ok for entry in manifest.for_model(model)) else None


def untrained_reason(model: str) -> str:
    """Why cached weights of `model` cannot be used ('' when they can, or when none were ever
    fetched): a corrupt cached file is said, never fallen back from to random weights silently."""
    states = [(entry, fetch.cached_state(entry)) for entry in manifest.for_model(model)]
    if any(state.ok for _entry, state in states):
        return ""
    bad = [(entry, state) for entry, state in states if state.status == "corrupt"]
    if bad:
        entry, state = bad[0]
        return f"the cached weights {entry.name} are corrupt ({state.detail}); fetch them again on the Weights page"
    return ""


def runner_path(model: str, threads: int | None = None) -> str:
    """The inference path a runner of `model` gets by default (`make_runner(path=None)`): the
    fastest exact path measured on this machine for the model at its input size and the runner's
    threads (engine.tradeoffs.fastest.default_path; None = torch's current count), else the
    static choice. Reads the stored measurement only (milliseconds): it never measures, so a UI
    may call it; the Profiler, `bench` and `profile` measure."""
    return default_path(model, None, threads or torch.get_num_threads())


def make_runner(task: str, model: str, weights: str | Path | None = "default", *, threads: int | None = None,
                progress=None, path: str | None = "reference") -> TaskRunner:
    """A runner for `model` doing `task`. weights: 'default' (the registered weights, from the
    cache or fetched now; WeightsUnavailable says what to do if they cannot be had), a checkpoint
    path, or None for random weights (results say untrained=True). threads: torch intra-op
    threads set on each run (None: leave the process setting alone). path: the engine.runtime
    inference path of the network part ('reference' = eager as built; None = `runner_path`, the
    measured fastest exact one, which the live view and the task pages use); `runner.path` says
    which ran (a model that cannot run the path asked for falls back to one it can)."""
    if path is None:
        path = runner_path(model, threads)
    runner = _make_runner(task, model, weights, threads=threads, progress=progress)
    if path != "reference":
        runner.use_path(path)
    return runner


def _make_runner(task: str, model: str, weights: str | Path | None, *, threads: int | None,
                 progress) -> TaskRunner:
    valid = models_for(task)
    if model not in valid:
        if model not in catalog.MODELS.names():
            raise UnknownName(f"{task} model", model, valid)
        raise InvalidInput(f"{model} is a {catalog.model_info(model).task} model, not a {task} model; "
                           f"valid: {', '.join(valid)}")
    if threads is not None:
        check_range("threads", threads, 1, 256)
    try:
        if task == "classify":
            return load_classifier(model, weights, progress, threads=threads)
        info = catalog.model_info(model)
        network = catalog.build(model)
        used = None
        if weights is not None:
            entry = load_weights(network, model, weights, progress)
            used = entry.name if entry else str(weights)
    except WeightsUnavailable as exc:
        raise WeightsUnavailable(f"{exc}; {RANDOM_HINT}") from None
    if task == "detect":
        return DetectRunner(model, network, paths.labels(info.labels), used, threads=threads)
    if info.labels == "person":  # the selfie segmenter: one foreground probability
        return SegmentRunner(model, network, ("background", "person"), used, kind=SegmentKind.FOREGROUND,
                             size=info.input.size, threads=threads)
    return SegmentRunner(model, network, paths.labels(info.labels), used, kind=SegmentKind.CLASSES,
                         size=info.input.size, mean=info.input.mean, std=info.input.std, threads=threads)
