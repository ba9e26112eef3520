"""Shared timing helpers for the kernel experiments: median-of-N and interleaved timers (thread
control is engine.threads.torch_threads). Speed is measured here only when a user asks (CLI,
bench, GUI), never in tests."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable

from engine.errors import Cancelled, InvalidInput

Progress = Callable[[int, int], None]
ShouldStop = Callable[[], bool]


def check_repeats(repeats: int) -> None:
    if repeats < 1:
        raise InvalidInput(f"repeats {repeats}; valid: >= 1")


def median_seconds(fn: Callable[[], object], repeats: int, warmup: int = 1) -> float:
    """Median wall time of `repeats` calls after `warmup` untimed ones."""
    check_repeats(repeats)
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def interleaved_seconds(fns: dict[str, Callable[[], object]], repeats: int, warmup: int = 1,
                        between: Callable[[], None] | None = None, block: int = 1) -> dict[str, list[float]]:
    """Wall times of `repeats` rounds in which every function runs once, the order rotating each
    round, after `warmup` untimed rounds of all of them. Timing one function's repeats back to back
    charges the first one with the allocator's and caches' warm-up and lets drifts in load fall on
    whichever ran at the wrong moment; interleaved rounds share both. `between` runs before
    each timed call (progress and cancel checks), outside the timed span.

    block > 1 (the inference-path bench): each turn is one untimed call then `block` timed ones,
    and `repeats` counts timed calls (rounded up to whole blocks). Right after a torch call its
    OpenMP threads still spin for a while and would tax whichever runtime runs next; the untimed
    call absorbs that."""
    check_repeats(repeats)
    names = list(fns)
    for _ in range(warmup):
        for name in names:
            fns[name]()
    samples: dict[str, list[float]] = {name: [] for name in names}
    for r in range(-(-repeats // block)):
        for name in names[r % len(names):] + names[:r % len(names)]:
            if block > 1:
                fns[name]()
            for _ in range(block):
                if between is not None:
                    between()
                start = time.perf_counter()
                fns[name]()
                samples[name].append(time.perf_counter() - start)
    return samples


def interleaved_medians(fns: dict[str, Callable[[], object]], repeats: int, warmup: int = 1,
                        between: Callable[[], None] | None = None) -> dict[str, float]:
    """Median of `interleaved_seconds` per function."""
    return {name: statistics.median(times)
            for name, times in interleaved_seconds(fns, repeats, warmup, between).items()}


def check_stop(should_stop: ShouldStop | None) -> None:
    if should_stop is not None and should_stop():
        raise Cancelled("stopped at the user's request")


def report(progress: Progress | None, done: int, total: int) -> None:
    if progress is not None:
        progress(done, total)
