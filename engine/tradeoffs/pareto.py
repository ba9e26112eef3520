"""Pareto frontier: the points no other point beats on both cost and accuracy."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TypeVar

P = TypeVar("P")


def pareto_front(points: Sequence[P], cost: Callable[[P], float | None] = lambda p: p.latency_ms,
                 value: Callable[[P], float] = lambda p: p.accuracy) -> list[P]:
    """Points not dominated (another point with cost <= and value >=, one of them strictly),
    ordered by cost. Points without a cost (e.g. MAdds unknown) are left out."""
    usable = [p for p in points if cost(p) is not None]
    ordered = sorted(usable, key=lambda p: (cost(p), -value(p)))
    front: list[P] = []
    best = float("-inf")
    for p in ordered:  # cheapest first: a point joins when it beats everything cheaper
        if value(p) > best:
            front.append(p)
            best = value(p)
    return front


def latency_front(points: Sequence[P]) -> list[P]:
    return pareto_front(points, lambda p: p.latency_ms)


def madds_front(points: Sequence[P]) -> list[P]:
    return pareto_front(points, lambda p: p.madds)
