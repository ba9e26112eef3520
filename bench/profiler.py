"""Per-layer attribution you can trust: layer sum / whole-model median for V2, V3-Large and
V3-Small at 224, 2 threads, on every exact path that times layers (torch hooks on the torch
paths, the runtimes' own per-node profilers on onnxruntime and OpenVINO; LiteRT's Python
interpreter exposes none). Issue 16's target: within 15 % of the whole on a quiet machine. The
load average is printed next to each row, and each run that the profiler calls busy (load
above the core count) is marked: a low ratio under load says the machine, not the path. The
verdict per model and path is the median ratio of its quiet rounds (their range beside it);
with none, it says the machine was busy instead of judging.
Run: python -m bench.profiler [--rounds N] [--repeats N] [--paths P ...] [--models M ...]
"""

from __future__ import annotations

import argparse
import os
import statistics

from engine.profiling.latency import profile_model
from engine.runtime import EXACT_PATHS, PER_LAYER_PATHS, available_paths

MODELS = ("mobilenet_v2", "mobilenet_v3_large", "mobilenet_v3_small")
PER_LAYER = tuple(p for p in EXACT_PATHS if p in PER_LAYER_PATHS)  # reference, fast, onnxruntime, openvino
TARGET = 0.15  # issue 16 item 7: the layer sum within 15 % of the whole-model median


def verdict(rows: list[dict]) -> str:
    """One model × path: its quiet rounds' best ratio against the target, or why not judged."""
    quiet = [r for r in rows if not r["busy"]]
    if not quiet:
        return f"not judged: every round ran on a busy machine (load {min(r['load'] for r in rows):.1f}+)"
    ratios = sorted(r["ratio"] for r in quiet)
    middle = statistics.median(ratios)
    ok = abs(middle - 1) <= TARGET
    return (f"{middle:.2f} of the whole (median of {len(quiet)} quiet round{'s' if len(quiet) > 1 else ''}, "
            f"{ratios[0]:.2f}-{ratios[-1]:.2f}): {'within' if ok else 'OUTSIDE'} {TARGET:.0%}")


def main(repeats: int = 50, rounds: int = 2, paths: tuple[str, ...] = PER_LAYER,
         models: tuple[str, ...] = MODELS) -> list[dict]:
    rows = []
    print(f"{os.cpu_count()} cores; a run is busy when the load average exceeds them")
    print(f"{'model':<20} {'path':<12} {'round':>5} {'median ms':>10} {'p10':>7} {'p90':>7} {'layer sum':>10} "
          f"{'sum/total':>9} {'no layer':>9} {'load':>11}")
    for name in models:
        for path in (p for p in PER_LAYER if p in paths and p in available_paths(name)):
            mine = []
            for r in range(rounds):
                res = profile_model(name, threads=2, repeats=repeats, warmup=10, path=path)
                t, (before, after) = res.total_ms, res.load
                row = {"model": name, "path": path, "round": r, "median": t.median, "p10": t.p10, "p90": t.p90,
                       "layer_sum": res.layer_sum_ms, "ratio": res.attribution, "load": max(before, after),
                       "busy": res.busy}
                mine.append(row)
                print(f"{name:<20} {path:<12} {r:>5} {t.median:10.2f} {t.p10:7.2f} {t.p90:7.2f} "
                      f"{res.layer_sum_ms:10.2f} {res.attribution:9.2f} {res.unattributed_ms:9.2f} "
                      f"{before:5.1f}→{after:<4.1f}{' busy' if res.busy else ''}", flush=True)
            rows += mine
            print(f"  {name} on {path}: {verdict(mine)}", flush=True)
    return rows


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--repeats", type=int, default=50)
    parser.add_argument("--paths", nargs="+", default=list(PER_LAYER), choices=PER_LAYER)
    parser.add_argument("--models", nargs="+", default=list(MODELS), choices=MODELS)
    args = parser.parse_args()
    main(args.repeats, args.rounds, tuple(args.paths), tuple(args.models))
