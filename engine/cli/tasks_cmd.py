"""`detect IMAGE|VIDEO` and `segment IMAGE|VIDEO`: one runner from engine.tasks over an image or
every frame of a video, per-stage timing, and an annotated image or MP4 with --out (written
atomically: an error or Ctrl-C leaves no partial file)."""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import cv2

from engine.api import (
    DEFAULT_MODELS, IMAGE_OUT_SUFFIXES, IMAGE_SUFFIXES, MASK_MODES, UNTRAINED, VIDEO_OUT_SUFFIXES, AtomicVideoWriter,
    PATHS, InvalidInput, TaskResult, TaskRunner, UnknownName, check_file, check_out, check_range, default_path,
    make_runner, models_for, open_video, read_image, write_image,
)
from engine.cli import finite_float, print_json
from engine.cli.progress import StderrProgress


def _common(p: argparse.ArgumentParser, task: str) -> None:
    p.add_argument("input", metavar="IMAGE|VIDEO")
    p.add_argument("--model", default=DEFAULT_MODELS[task],
                   help=f"a {task} model (default {DEFAULT_MODELS[task]}, whose weights ship offline)")
    p.add_argument("--out", metavar="PATH", help="annotated image (.png, .jpg, ...) or, for a video, .mp4")
    p.add_argument("--threads", type=int, help="torch threads (default: torch's own choice)")
    p.add_argument("--path", help=f"inference path of the network: {', '.join(PATHS)} (default: the fastest "
                                  "exact one measured on this machine for the model, else onnxruntime)")
    p.add_argument("--weights", metavar="PATH", help="a checkpoint file instead of the registered weights")
    p.add_argument("--random-weights", action="store_true", help=f"random weights ('{UNTRAINED}')")
    p.add_argument("--json", action="store_true", help="one JSON document on stdout")


def register(sub) -> None:
    p = sub.add_parser("detect", help="boxes, scores and labels on an image or a video")
    _common(p, "detect")
    p.add_argument("--score", type=finite_float, default=0.5, help="lowest score shown and written (default 0.5)")
    p.set_defaults(run=run_task, task="detect")
    p = sub.add_parser("segment", help="class mask / person mask of an image or a video")
    _common(p, "segment")
    p.add_argument("--opacity", type=finite_float, default=0.5, help="mask opacity in --out (default 0.5)")
    p.add_argument("--mode", choices=MASK_MODES, default="overlay", help="what --out shows (default overlay)")
    p.set_defaults(run=run_task, task="segment")


def _is_image(path: Path) -> bool:
    return path.suffix.lower() in IMAGE_SUFFIXES


def _display(args: argparse.Namespace) -> dict:
    if args.task == "detect":
        return {"score": args.score}
    return {"opacity": args.opacity, "mode": args.mode}


def _check_args(args: argparse.Namespace) -> Path:
    """Everything that can be checked before a model is loaded."""
    if args.task == "detect":
        check_range("--score", args.score, 0.0, 1.0)
    else:
        check_range("--opacity", args.opacity, 0.0, 1.0)
    if args.threads is not None:
        check_range("--threads", args.threads, 1, 256)
    if args.random_weights and args.weights:
        raise InvalidInput("--random-weights and --weights exclude each other")
    valid = models_for(args.task)
    if args.model not in valid:
        raise UnknownName(f"{args.task} model", args.model, valid)
    source = check_file(args.input, "image or video file")
    if args.out:
        image = _is_image(source)
        check_out(args.out, IMAGE_OUT_SUFFIXES if image else VIDEO_OUT_SUFFIXES,
                  "an annotated image" if image else "an annotated video")
        if Path(args.out).resolve() == source.resolve():
            raise InvalidInput(f"--out {args.out} is the input file; choose another name")
    return source


def _runner(args: argparse.Namespace) -> TaskRunner:
    weights = None if args.random_weights else (args.weights or "default")
    path = args.path or default_path(args.model, threads=args.threads or 2)
    return make_runner(args.task, args.model, weights, threads=args.threads, progress=StderrProgress(), path=path)


def run_task(args: argparse.Namespace) -> int:
    source = _check_args(args)
    if _is_image(source):
        frame = cv2.cvtColor(read_image(source), cv2.COLOR_RGB2BGR)  # bad images fail before the model loads
        return _run_image(args, _runner(args), source, frame)
    with open_video(source) as video:
        return _run_video(args, _runner(args), video)


def _shown(args: argparse.Namespace, result: TaskResult) -> dict:
    """The result as JSON, detections cut at --score."""
    return (result.above(args.score) if args.task == "detect" else result).to_json()


def _run_image(args: argparse.Namespace, runner: TaskRunner, source: Path, frame) -> int:
    result = runner.run(frame)
    if args.out:
        write_image(args.out, runner.draw(frame, result, **_display(args)))
    doc = {**_shown(args, result), "input": str(source), "out": args.out, "path": runner.path}
    if args.task == "detect":
        doc["score_threshold"] = args.score
    if args.json:
        print_json(doc)
        return 0
    height, width = result.frame_size
    print(f"{runner.model} ({runner.weights or UNTRAINED}) on {source} ({width}×{height})")
    _print_findings(args, doc)
    t = result.timings
    print(f"preprocess {t.preprocess_ms:.1f} ms, inference {t.inference_ms:.1f} ms ({runner.path} path), "
          f"postprocess {t.postprocess_ms:.1f} ms (total {t.total_ms:.1f} ms)")
    _print_tail(args, runner)
    return 0


def _print_findings(args: argparse.Namespace, doc: dict) -> None:
    if args.task == "detect":
        found = doc["detections"]
        print(f"{len(found)} detection(s) scoring >= {args.score:g}")
        for d in found:
            x1, y1, x2, y2 = d["box"]
            print(f"  {d['name']:<14} {d['score']:.3f}  box x1={x1:.1f} y1={y1:.1f} x2={x2:.1f} y2={y2:.1f}")
        return
    print("coverage:")
    for name, share in sorted(doc["coverage"].items(), key=lambda kv: -kv[1]):
        if share > 0:
            print(f"  {name:<14} {share:7.2%}")


def _print_tail(args: argparse.Namespace, runner: TaskRunner) -> None:
    if args.out:
        print(f"wrote {args.out}")
    if runner.untrained:
        print(f"note: {UNTRAINED}: these outputs mean nothing")


def _medians(results: list) -> dict:
    pick = {"preprocess": lambda t: t.preprocess_ms, "inference": lambda t: t.inference_ms,
            "postprocess": lambda t: t.postprocess_ms, "total": lambda t: t.total_ms}
    return {name: statistics.median(get(r.timings) for r in results) for name, get in pick.items()}


def _run_video(args: argparse.Namespace, runner: TaskRunner, video) -> int:
    progress, label = StderrProgress("frames"), f"{args.task} {video.path.name}"
    frames: list[dict] = []
    results: list = []
    started = time.perf_counter()
    writer = AtomicVideoWriter(args.out, video.fps, video.size) if args.out else None
    try:
        for index, frame in enumerate(video):
            result = runner.run(frame)
            if writer:
                writer.write(runner.draw(frame, result, **_display(args)))
            results.append(result)
            doc = _shown(args, result)
            frames.append({"frame": index, **{k: doc[k] for k in ("detections", "coverage") if k in doc},
                           "timings_ms": doc["timings_ms"]})
            progress(label, index + 1, video.frame_count)
        if video.frame_count != len(results):
            progress.finish()
        if writer:
            writer.close()
    except BaseException:
        if writer:
            writer.cancel()
        raise
    if not results:
        raise InvalidInput(f"{video.path} has no frame OpenCV can decode")
    if video.frame_count is not None and len(results) < video.frame_count:  # used and written, but said
        print(f"warning: {video.path} declares {video.frame_count} frames but only {len(results)} could be read "
              f"(the file ends early or is damaged)", file=sys.stderr)
    medians = _medians(results)
    summary = {k: v for k, v in _shown(args, results[-1]).items()
               if k in ("task", "model", "weights", "untrained", "note", "frame_size")}
    doc = {**summary, "input": str(video.path), "out": args.out, "path": runner.path, "frames": len(results),
           "frames_declared": video.frame_count, "fps": video.fps,
           "seconds": round(time.perf_counter() - started, 3), "median_ms": medians, "per_frame": frames}
    if args.task == "detect":
        doc["score_threshold"] = args.score
    if args.json:
        print_json(doc)
        return 0
    print(f"{runner.model} ({runner.weights or UNTRAINED}) on {video.path} "
          f"({video.size[0]}×{video.size[1]}, {len(results)} frames at {video.fps:g} fps)")
    if args.task == "detect":
        counts = [len(f["detections"]) for f in frames]
        print(f"detections scoring >= {args.score:g} per frame: median {statistics.median(counts):g}, max {max(counts)}")
    print(f"median per frame: preprocess {medians['preprocess']:.1f} ms, inference {medians['inference']:.1f} ms "
          f"({runner.path} path), "
          f"postprocess {medians['postprocess']:.1f} ms (total {medians['total']:.1f} ms)")
    _print_tail(args, runner)
    return 0
