"""Per-layer profile vs whole-model latency for V2, V3-Large and V3-Small at 224, 2 threads.

Prints, for each model, the whole-model median (p10-p90), the sum of per-layer medians and the
overhead, measured back to back in one run; and repeats each measurement to show its spread.
Run: python -m bench.profiler
"""

from __future__ import annotations

from engine.profiling.latency import profile_model

MODELS = ("mobilenet_v2", "mobilenet_v3_large", "mobilenet_v3_small")


def main(repeats: int = 50, rounds: int = 3) -> list[dict]:
    rows = []
    print(f"{'model':<20} {'round':>5} {'median ms':>10} {'p10':>7} {'p90':>7} {'layer sum':>10} {'sum/total':>9}")
    for name in MODELS:
        for r in range(rounds):
            res = profile_model(name, threads=2, repeats=repeats, warmup=10)
            t = res.total_ms
            ratio = res.layer_sum_ms / t.median
            rows.append({"model": name, "round": r, "median": t.median, "p10": t.p10, "p90": t.p90,
                         "layer_sum": res.layer_sum_ms, "ratio": ratio})
            print(f"{name:<20} {r:>5} {t.median:10.2f} {t.p10:7.2f} {t.p90:7.2f} {res.layer_sum_ms:10.2f} {ratio:9.2f}")
    return rows


if __name__ == "__main__":
    main()
