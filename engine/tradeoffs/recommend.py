"""Latency-budget recommendation with the MnasNet / MobileNetV3 reward ACC × (LAT/TAR)^w.

With one exponent w for every point, TAR scales all rewards by the same factor, so the reward
ranking alone does not depend on the budget: it says which trade of accuracy for latency is
worth it (w = -0.07: doubling latency must buy ~5% relative accuracy; -0.15, the V3 paper's
choice for small models, asks ~11%). The budget enters as a hard limit: the recommendation is the
best-rewarded configuration with LAT <= TAR, reported next to the most accurate one that fits.
Both lie on the measured Pareto frontier (a dominated point loses on reward and on accuracy).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from engine.errors import InvalidInput, check_range
from engine.profiling.machine import fingerprint
from engine.results.store import ResultsDB, machine_id as machine_id_of
from engine.tradeoffs.fastest import sweep_path
from engine.tradeoffs.points import TradeoffPoint, tradeoff_points

SIMILAR_LATENCY = 0.25  # neighbours within ±25 % latency are "the same budget" for the explanation


@dataclass(frozen=True)
class RankedPoint:
    point: TradeoffPoint
    reward: float

    def to_json(self) -> dict:
        return {**self.point.to_json(), "reward": self.reward}


@dataclass(frozen=True)
class Recommendation:
    target_ms: float
    w: float
    ranked: tuple[RankedPoint, ...]  # every point, best reward first
    recommended: TradeoffPoint | None  # best reward with LAT <= TAR (None: nothing fits)
    most_accurate_within: TradeoffPoint | None  # highest accuracy with LAT <= TAR
    fastest: TradeoffPoint
    explanation: str
    path: str = ""  # the inference path every point was measured on


    def to_json(self) -> dict:
        one = lambda p: p.to_json() if p else None  # noqa: E731
        return {"target_ms": self.target_ms, "w": self.w, "path": self.path, "recommended": one(self.recommended),
                "most_accurate_within": one(self.most_accurate_within), "fastest": self.fastest.to_json(),
                "explanation": self.explanation, "ranked": [r.to_json() for r in self.ranked]}


def reward(accuracy: float, latency_ms: float, target_ms: float, w: float) -> float:
    return accuracy * (latency_ms / target_ms) ** w


def recommend(target_ms: float, w: float = -0.07, *, points: Sequence[TradeoffPoint] | None = None,
              db: ResultsDB | None = None, threads: int = 2, path: str | None = "reference",
              machine_id: str | None = None) -> Recommendation:
    """Rank this machine's measured points (or the `points` given, one series) for a budget."""
    check_range("target latency", target_ms, 0.001, 1e6, " ms")
    check_range("w", w, -1.0, 0.0)
    if points is None:
        mid = machine_id or machine_id_of(fingerprint(threads=threads, device="cpu", backend="torch eager"))
        if path is None:  # the fastest exact path measured here; else the path most points were swept on
            path = sweep_path(threads, measure=False)
            if not tradeoff_points(db, machine_id=mid, threads=threads, path=path):
                swept = Counter(p.path for p in tradeoff_points(db, machine_id=mid, threads=threads, path=None))
                path = swept.most_common(1)[0][0] if swept else path
        points = tradeoff_points(db, machine_id=mid, threads=threads, path=path)
    series = {(p.machine_id, p.threads, p.path) for p in points}
    if len(series) > 1:
        raise InvalidInput(f"points from {len(series)} series (machine, threads, path); recommend one at a time")
    if not points:
        raise InvalidInput(f"no measured configuration with a known accuracy on this machine "
                           f"(threads {threads}, path {path}); run 'mobilenet-studio sweep' first")
    ranked = tuple(sorted((RankedPoint(p, reward(p.accuracy, p.latency_ms, target_ms, w)) for p in points),
                          key=lambda r: (-r.reward, r.point.latency_ms)))
    fits = [r for r in ranked if r.point.latency_ms <= target_ms]
    recommended = fits[0].point if fits else None
    within = max((r.point for r in fits), key=lambda p: (p.accuracy, -p.latency_ms), default=None)
    fastest = min(points, key=lambda p: (p.latency_ms, -p.accuracy))
    explanation = explain(recommended, list(points), target_ms) if recommended else (
        f"Nothing measured runs within {target_ms:.3g} ms; the fastest is {fastest.label()} at "
        f"{fastest.latency_ms:.1f} ms ({fastest.accuracy:.1f}% top-1).")
    (path_used,) = {p.path for p in points}
    return Recommendation(float(target_ms), float(w), ranked, recommended, within, fastest, explanation, path_used)


def explain(best: TradeoffPoint, points: list[TradeoffPoint], target_ms: float) -> str:
    """One sentence from the data: how the winner compares with its closest-latency neighbour
    that spent the budget differently (the question of the V3 paper's Figure 7)."""
    head = f"{best.label()} ({best.accuracy:.1f}% at {best.latency_ms:.1f} ms) is the pick for {target_ms:.3g} ms"
    near = [p for p in points if p is not best and abs(p.latency_ms / best.latency_ms - 1) <= SIMILAR_LATENCY]
    other_knob = [p for p in near if p.family == best.family
                  and (p.width - best.width) * (p.resolution - best.resolution) < 0]
    if other_knob:
        alt = min(other_knob, key=lambda p: abs(p.latency_ms - best.latency_ms))
        if alt.accuracy > best.accuracy:
            return _not_worth_it(head, alt, best, target_ms)
        if best.resolution < alt.resolution:
            knob, paper = "scaling resolution down beats scaling width down here", ", as in the V3 paper's Figure 7"
        else:
            knob, paper = ("scaling width down beats scaling resolution down here",
                           ", unlike the V3 paper's Figure 7 where resolution was the better knob")
        return (f"{head}: {alt.label()} takes a similar {alt.latency_ms:.1f} ms for {alt.accuracy:.1f}%, "
                f"so {knob}{paper}.")
    rivals = [p for p in near if p.family != best.family]
    if rivals:
        rival = max(rivals, key=lambda p: p.accuracy)
        if rival.accuracy > best.accuracy:
            return _not_worth_it(head, rival, best, target_ms)
        return (f"{head}: at similar latency the best other family, {rival.label()}, reaches "
                f"{rival.accuracy:.1f}% at {rival.latency_ms:.1f} ms.")
    return f"{head}: no other measured configuration comes within {SIMILAR_LATENCY:.0%} of its latency."


def _not_worth_it(head: str, alt: TradeoffPoint, best: TradeoffPoint, target_ms: float) -> str:
    why = (f"{alt.latency_ms:.1f} ms, over the budget" if alt.latency_ms > target_ms else
           f"{alt.latency_ms / best.latency_ms - 1:.0%} more time, more than the reward pays for")
    return f"{head}: {alt.label()} is {alt.accuracy - best.accuracy:.1f} points more accurate but needs {why}."
