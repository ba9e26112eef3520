"""`live --source demo|webcam:N|PATH --task T --model M [--model2 M2]`: the live pipeline without
a window. Prints FPS, per-stage medians, counters and the bare model latency measured in the same
process, which is what the benchmark and CI read (`--json`)."""

from __future__ import annotations

import argparse
import sys
import time

import numpy as np

from engine.api import CAMERA_BACKENDS as BACKENDS, SOURCE_SPECS as VALID_SPECS
from engine.api import (
    PACES, PATHS, STAGES, TASKS, FrameSource, InvalidInput, LivePipeline, LiveStatus, bare_model_ms, check_range,
    make_runner, open_source, runner_path, torch_threads,
)
from engine.cli import finite_float, print_json

DEFAULT_SECONDS = 10.0


def register(sub) -> None:
    p = sub.add_parser("live", help="run the live pipeline headless and report FPS and per-stage times")
    p.add_argument("--source", default="demo", help=f"{VALID_SPECS} (default demo)")
    p.add_argument("--task", required=True, choices=TASKS)
    p.add_argument("--model", required=True, help="model for the task (see 'models')")
    p.add_argument("--model2", help="a second model on the same frames (side by side)")
    p.add_argument("--frames", type=int, help="stop after the (first) model inferred N frames")
    p.add_argument("--seconds", type=finite_float, help=f"stop after S seconds (default {DEFAULT_SECONDS:g} "
                                                 f"when --frames is not given)")
    p.add_argument("--pace", choices=PACES, default="live",
                   help="live: the source's own frame rate, dropping frames the model cannot keep up "
                        "with; max: the next frame as soon as the model took the last (throughput)")
    p.add_argument("--loop", action="store_true", help="loop a video file or image folder")
    p.add_argument("--size", metavar="WxH", help="capture size asked of a webcam (it may pick the nearest "
                                                 "it supports), or the demo clip's frame size (default 640x480)")
    p.add_argument("--camera-backend", choices=tuple(BACKENDS), help="OpenCV camera backend (default any)")
    p.add_argument("--random-weights", action="store_true", help="untrained weights: latency only")
    p.add_argument("--threads", type=int, help="torch intra-op threads (default: torch's)")
    p.add_argument("--path", help=f"inference path of the networks: {', '.join(PATHS)} (default: the fastest "
                                  "exact one measured on this machine for the first model, else onnxruntime)")
    p.add_argument("--json", action="store_true")
    p.set_defaults(run=run_live)


def _check(args: argparse.Namespace) -> None:
    if args.frames is not None:
        check_range("frames", args.frames, 1, 10_000_000)
    if args.seconds is not None:
        check_range("seconds", args.seconds, 0.1, 86_400, " s")
    if args.threads is not None:
        check_range("threads", args.threads, 1, 256)
    args.size = parse_size(args.size) if args.size else None


def parse_size(text: str) -> tuple[int, int]:
    """'640x480' -> (640, 480); one line naming the valid form otherwise."""
    width, sep, height = text.lower().replace("×", "x").partition("x")
    if not sep or not width.strip().isdigit() or not height.strip().isdigit():
        raise InvalidInput(f"bad size {text!r}; valid: WIDTHxHEIGHT, e.g. 640x480")
    size = (int(width), int(height))
    for name, value in zip(("width", "height"), size):
        check_range(f"{name} in --size", value, 16, 8192)
    return size


def summary(status: LiveStatus, model_ms: list[float], seconds: float, pace: str) -> dict:
    """The JSON document: the first model's figures at the top level, every model under `lanes`.
    `overhead_ratio` (pipeline time per frame / bare model latency) only at pace max: at pace
    live the source's frame rate, not the pipeline, sets the time per frame. Time per frame is
    the steady state: over the last SUMMARY_WINDOW frames (`fps`), which leave out the first
    frames' one-off warm-up (sessions, compiled kernels) that `mean_fps` since start includes."""
    lanes = []
    for lane, bare in zip(status.lanes, model_ms):
        steady = lane.fps or lane.mean_fps
        frame_time = 1000 / steady if steady else 0.0
        ratio = frame_time / bare if pace == "max" and bare and frame_time else None
        lanes.append({**lane.to_json(), "model_ms": bare, "pipeline_ms_per_frame": frame_time,
                      "overhead_ratio": ratio})
    first = lanes[0]
    return {"source": status.source, "pace": pace, "state": status.state, "message": status.message, "seconds": seconds,
            "task": status.lanes[0].task, "model": first["model"], "untrained": first["untrained"],
            "fps": first["fps"] or first["mean_fps"], "mean_fps": first["mean_fps"], "stages_ms": first["stages_ms"],
            "captured": first["captured"], "inferred": first["inferred"], "dropped": first["dropped"],
            "model_ms": first["model_ms"], "pipeline_ms_per_frame": first["pipeline_ms_per_frame"],
            "overhead_ratio": first["overhead_ratio"], "lanes": lanes}


SUMMARY_WINDOW = 600  # frames behind the reported medians and FPS (the GUI's HUD uses 60)


def run_pipeline(source: FrameSource, runners: list, *, frames: int | None, seconds: float | None,
                 pace: str, model_repeats: int = 15) -> dict:
    """Run the pipeline on an opened source until `frames` / `seconds`, then time the bare models
    on the last frame with the pipeline stopped (so nothing competes with them)."""
    pipeline = LivePipeline(runners, window=SUMMARY_WINDOW)
    started = time.monotonic()
    pipeline.start(source, pace=pace)
    try:
        pipeline.wait(inferred=frames, seconds=seconds if seconds or frames else DEFAULT_SECONDS,
                      poll_s=0.02 if frames else 0.1)  # status() sorts the window: poll it sparingly
    finally:
        pipeline.stop()
    elapsed = time.monotonic() - started
    status = pipeline.status()
    latest = pipeline.latest(0)
    frame = latest.frame.image if latest is not None else np.zeros((480, 640, 3), np.uint8)
    model_ms = [bare_model_ms(runner, frame, repeats=model_repeats) for runner in runners]
    return summary(status, model_ms, elapsed, pace)


def run_live(args: argparse.Namespace) -> int:
    _check(args)
    source = open_source(args.source, loop=args.loop, size=args.size,  # fails before any model loads
                         backend=args.camera_backend)
    try:
        weights = None if args.random_weights else "default"
        with torch_threads(args.threads):
            path = args.path or runner_path(args.model, args.threads)  # both lanes: the first model's
            runners = [make_runner(args.task, name, weights=weights, threads=args.threads, path=path)
                       for name in filter(None, (args.model, args.model2))]
            doc = run_pipeline(source, runners, frames=args.frames, seconds=args.seconds, pace=args.pace)
            doc["path"] = runners[0].path  # which inference path ran (VOC segmenters: fast, not onnxruntime)
            for lane, runner in zip(doc.get("lanes", []), runners):
                lane["path"] = runner.path
    except BaseException:
        source.close()
        raise
    if args.json:
        print_json(doc)
    else:
        _print(doc)
    if doc["state"] == "error":
        print(f"error: {doc['message']}", file=sys.stderr)
        return 1
    if doc["inferred"] == 0:
        raise InvalidInput(f"no frame was inferred from {doc['source']} ({doc['state']}: {doc['message']})")
    return 0


def _print(doc: dict) -> None:
    print(f"{doc['source']}: {doc['state']}{' — ' + doc['message'] if doc['message'] else ''}, {doc['seconds']:.1f} s")
    for lane in doc["lanes"]:
        stages = ", ".join(f"{s} {lane['stages_ms'][s]:.1f}" for s in STAGES)
        ratio = f", pipeline/model {lane['overhead_ratio']:.2f}x" if lane["overhead_ratio"] else ""
        print(f"{lane['model']}{' (untrained — latency only)' if lane['untrained'] else ''}: "
              f"{lane['fps'] or lane['mean_fps']:.1f} FPS on the {lane['path']} path; median ms: {stages}; "
              f"model alone {lane['model_ms']:.1f} ms"
              f"{ratio}")
        print(f"  captured {lane['captured']}, inferred {lane['inferred']}, dropped {lane['dropped']}"
              f"{', failed ' + str(lane['failed']) if lane['failed'] else ''}"
              f"{'; ' + lane['message'] if lane['message'] else ''}")
