"""Live pipeline: end-to-end FPS on the demo clip at 640×480 and the ratio of pipeline time per
frame to the bare model latency measured in the same process (aim: overhead under 15%); with
`--soak SECONDS`, resident memory growth and counter consistency over a long run.

    python -m bench.live [--task detect] [--model ssdlite_mobilenet_v2_person] [--seconds 2] [--rounds 15]
                         [--pace max|live] [--threads 2] [--model2 M] [--soak 600]

`--pace max` (default) reads the next frame as soon as the model took the last, so FPS measures
the pipeline's throughput; `--pace live` plays the clip at 30 fps and drops what the model cannot
keep up with, as the GUI does. Each round runs the pipeline for a couple of seconds, then the
bare model with the pipeline stopped; the verdict is the median round. Short rounds because this
machine's speed drifts by 20-60 % within tens of seconds: a 20 s run timed against a bare
model measured after it read anywhere from 0.9x to 1.6x.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time

from engine.cli.live_cmd import SUMMARY_WINDOW, run_pipeline
from engine.threads import torch_threads
from engine.video.pipeline import LivePipeline
from engine.video.sources import DemoSource

TASK_OF = {"ssdlite_mobilenet_v2_person": "detect", "ssdlite320_mobilenet_v3_large": "detect",
           "selfie_segmentation": "segment", "lraspp_mobilenet_v3_large": "segment",
           "deeplabv3_mobilenet_v3_large": "segment"}


def rss_bytes() -> int:
    """Resident set size of this process (Linux /proc; 0 where unavailable)."""
    try:
        with open("/proc/self/statm") as f:
            return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError):
        return 0


def soak(runners: list, seconds: float, pace: str) -> None:
    """Run for `seconds`, sampling RSS and checking captured == inferred + failed + dropped + in_flight."""
    pipeline = LivePipeline(runners)
    pipeline.start(DemoSource((640, 480), fps=30), pace=pace)
    pipeline.wait(seconds=min(10.0, seconds / 10))  # warm-up: allocator pools, first-call caches
    start_rss, start, worst, samples = rss_bytes(), time.monotonic(), 0, 0
    try:
        while time.monotonic() - start < seconds:
            status = pipeline.wait(seconds=min(5.0, seconds))
            for lane in status.lanes:
                off = lane.captured - (lane.inferred + lane.failed + lane.dropped + lane.in_flight)
                worst = max(worst, abs(off), 0 if lane.in_flight <= 2 else lane.in_flight)
            samples += 1
            grown = (rss_bytes() - start_rss) / 2**20
            if samples % 12 == 0:
                print(f"  {time.monotonic() - start:6.0f} s  RSS +{grown:.1f} MiB  "
                      + "; ".join(f"{l.model}: captured {l.captured} inferred {l.inferred} dropped {l.dropped}"
                                  for l in status.lanes), flush=True)
    finally:
        stopped = pipeline.stop()
    status = pipeline.status()
    grown = (rss_bytes() - start_rss) / 2**20
    exact = all(l.captured == l.inferred + l.failed + l.dropped and l.in_flight == 0 for l in status.lanes)
    print(f"soak {seconds:.0f} s: RSS growth {grown:.1f} MiB (aim < 50), counter mismatch during run {worst} "
          f"(must be 0), after stop consistent={exact}, threads joined within 1 s={stopped}")
    for lane in status.lanes:
        print(f"  {lane.model}: captured {lane.captured}, inferred {lane.inferred}, dropped {lane.dropped}, "
              f"failed {lane.failed}, mean {lane.mean_fps:.1f} FPS")


def main(argv: list[str] | None = None) -> None:
    from engine.tradeoffs.fastest import cached_choice, default_path

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="ssdlite_mobilenet_v2_person")
    parser.add_argument("--task", help="classify|detect|segment (default: the model's task)")
    parser.add_argument("--model2")
    parser.add_argument("--path", help="inference path (default: the fastest exact one measured on this machine for "
                                       "the model and threads, as the live view uses; measured now if never)")
    parser.add_argument("--seconds", type=float, default=2.0, help="pipeline time per round")
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--repeats", type=int, default=40, help="bare model runs per round")
    parser.add_argument("--pace", choices=("max", "live"), default="max")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--soak", type=float, metavar="SECONDS")
    args = parser.parse_args([] if argv is None else argv)  # `python -m bench` passes none
    task = args.task or TASK_OF.get(args.model, "classify")
    from engine.tasks import make_runner  # the task runners: imported at run time

    measured = args.path is None and cached_choice(args.model, None, args.threads) is None
    path = args.path or default_path(args.model, None, args.threads, measure=True)  # the live view's default
    with torch_threads(args.threads):
        runners = [make_runner(task, name, weights="default", threads=args.threads, path=path)
                   for name in filter(None, (args.model, args.model2))]
        if args.soak:
            soak(runners, args.soak, args.pace)
            return
        docs = []
        for r in range(args.rounds):  # the pipeline and the bare model alternate: both see the same machine
            docs.append(run_pipeline(DemoSource((640, 480), fps=30), runners, frames=None, seconds=args.seconds,
                                     pace=args.pace, model_repeats=args.repeats))
            report(docs[-1], f"round {r + 1}/{args.rounds}", verbose=args.rounds <= 3)
    how = "chosen" if args.path else ("measured now as the fastest exact" if measured else "the measured fastest exact")
    print(f"demo clip 640x480, {task}, pace {args.pace}, {args.threads} threads, path {runners[0].path} ({how}), "
          f"{args.rounds} rounds of {args.seconds:.0f} s, load average {os.getloadavg()[0]:.2f}")
    for i, lane in enumerate(docs[0]["lanes"]):
        ratios = sorted(d["lanes"][i]["overhead_ratio"] for d in docs if d["lanes"][i]["overhead_ratio"])
        fps = sorted(d["lanes"][i]["fps"] for d in docs)
        if ratios:
            middle = statistics.median(ratios)
            print(f"  {lane['model']}: per frame over the bare network {middle:.2f} (median of {len(ratios)} rounds, "
                  f"{ratios[0]:.2f}-{ratios[-1]:.2f}; overhead {100 * (middle - 1):.0f}%, aim < 15%), "
                  f"{statistics.median(fps):.1f} FPS ({fps[0]:.1f}-{fps[-1]:.1f})")


def report(doc: dict, title: str, verbose: bool = True) -> None:
    """One round's figures per lane: FPS, time per frame against the bare model, stage medians."""
    if not verbose:
        print(f"{title}: " + "; ".join(
            f"{lane['model']} {lane['fps']:.1f} FPS, {lane['pipeline_ms_per_frame']:.1f} ms/frame, bare "
            f"{lane['model_ms']:.1f} ms, ratio {lane['overhead_ratio'] or 0:.2f}, stages " + " ".join(
                f"{k} {v:.1f}" for k, v in lane["stages_ms"].items()) for lane in doc["lanes"]), flush=True)
        return
    print(f"{title}: {doc['seconds']:.1f} s, load average {os.getloadavg()[0]:.2f}")
    for lane in doc["lanes"]:
        ratio = lane["overhead_ratio"]
        print(f"  {lane['model']}{' [untrained]' if lane['untrained'] else ''}: {lane['fps']:.1f} FPS over the "
              f"last {min(lane['inferred'], SUMMARY_WINDOW)} frames ({lane['mean_fps']:.1f} since start), "
              f"pipeline {lane['pipeline_ms_per_frame']:.1f} ms/frame, model alone {lane['model_ms']:.1f} ms, "
              f"ratio {ratio:.2f} (overhead {100 * (ratio - 1):.0f}%, aim < 15%)" if ratio else "  no ratio")
        inside = lane["stages_ms"]["inference"]
        if inside and lane["pipeline_ms_per_frame"]:
            print(f"    per frame over the network's own median inside the same run "
                  f"({inside:.1f} ms): {lane['pipeline_ms_per_frame'] / inside:.2f}")
        print("    medians ms: " + ", ".join(f"{k} {v:.1f}" for k, v in lane["stages_ms"].items())
              + f"; captured {lane['captured']}, inferred {lane['inferred']}, dropped {lane['dropped']}", flush=True)

if __name__ == "__main__":
    main(sys.argv[1:])
