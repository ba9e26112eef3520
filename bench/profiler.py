"""Per-layer attribution you can trust: layer sum / whole-model median for V2, V3-Large and
V3-Small at 224, 2 threads, on every exact path that times layers (torch hooks on the torch
paths, the runtimes' own per-node profilers on onnxruntime and OpenVINO; LiteRT's Python
interpreter exposes none). Issue 16's target: within 15 % of the whole on a quiet machine. The
load average is printed next to each row: a low ratio under load says the machine, not the path.
Run: python -m bench.profiler
"""

from __future__ import annotations

import os

from engine.profiling.latency import profile_model
from engine.runtime import EXACT_PATHS, available_paths

MODELS = ("mobilenet_v2", "mobilenet_v3_large", "mobilenet_v3_small")
PER_LAYER = ("reference", "fast", "onnxruntime", "openvino")


def main(repeats: int = 50, rounds: int = 2, paths: tuple[str, ...] = PER_LAYER) -> list[dict]:
    rows = []
    print(f"{'model':<20} {'path':<12} {'round':>5} {'median ms':>10} {'p10':>7} {'p90':>7} {'layer sum':>10} "
          f"{'sum/total':>9} {'no layer':>9} {'load':>6}")
    for name in MODELS:
        for path in (p for p in EXACT_PATHS if p in paths and p in PER_LAYER and p in available_paths(name)):
            for r in range(rounds):
                load = os.getloadavg()[0]
                res = profile_model(name, threads=2, repeats=repeats, warmup=10, path=path)
                t = res.total_ms
                rows.append({"model": name, "path": path, "round": r, "median": t.median, "p10": t.p10, "p90": t.p90,
                             "layer_sum": res.layer_sum_ms, "ratio": res.attribution, "load": load})
                print(f"{name:<20} {path:<12} {r:>5} {t.median:10.2f} {t.p10:7.2f} {t.p90:7.2f} {res.layer_sum_ms:10.2f} "
                      f"{res.attribution:9.2f} {res.unattributed_ms:9.2f} {load:6.1f}", flush=True)
    return rows


if __name__ == "__main__":
    main()
