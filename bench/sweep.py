"""Wall time of the default sweep (55 published configurations, 2 threads, whole model only,
3 warm-up + 20 timed runs each) in a throw-away results home, and the recommendation it gives
for three budgets. Run: python -m bench.sweep
"""

from __future__ import annotations

import os
import tempfile
import time

from engine.tradeoffs.recommend import recommend
from engine.tradeoffs.sweep import run_sweep, sweep_grid


def main(threads: int = 2) -> dict:
    with tempfile.TemporaryDirectory() as home:
        before = os.environ.get("MOBILENET_STUDIO_HOME")
        os.environ["MOBILENET_STUDIO_HOME"] = home
        try:
            start = time.perf_counter()
            summary = run_sweep(sweep_grid(), threads=threads)
            wall = time.perf_counter() - start
            print(f"default sweep: {summary.measured} configurations in {wall:.0f} s on {threads} threads")
            picks = {}
            for target in (5.0, 10.0, 20.0):
                rec = recommend(target, threads=threads)
                picks[target] = rec.recommended.label() if rec.recommended else None
                print(f"  {target:g} ms -> {picks[target]}: {rec.explanation}")
            return {"seconds": wall, "configurations": summary.measured, "picks": picks}
        finally:
            if before is None:
                os.environ.pop("MOBILENET_STUDIO_HOME", None)
            else:
                os.environ["MOBILENET_STUDIO_HOME"] = before


if __name__ == "__main__":
    main()
