"""Trade-offs: joining runs with accuracy, the Pareto frontier, and the budget recommendation on a
synthetic results set whose answers were worked out by hand."""

from __future__ import annotations

import random
from types import SimpleNamespace

import pytest

from engine.errors import InvalidInput
from engine.profiling.latency import ProfileResult, Timing
from engine.profiling.machine import fingerprint
from engine.results import ResultsDB, export_json, import_json
from engine.tradeoffs.pareto import latency_front, madds_front, pareto_front
from engine.tradeoffs.points import tradeoff_points
from engine.tradeoffs.recommend import recommend

# MobileNetV3-Large configurations with their V3 Table 9 top-1 (assets/papers/v3.csv) and
# latencies chosen for the test. By hand: the latency frontier is every point but 0.75/224
# (dominated by 1.0/192: faster and more accurate). Rewards ACC × LAT^-0.07 (the TAR factor is
# common to all): 128: 58.22, 0.5/224: 57.20, 160: 59.32, 192: 59.76, 0.75/224: 59.04, 224: 59.27.
SYNTHETIC = {  # (width, resolution): (latency ms, published top-1)
    (1.0, 128): (10.0, 68.4), (0.5, 224): (14.0, 68.8), (1.0, 160): (15.0, 71.7),
    (1.0, 192): (20.0, 73.7), (0.75, 224): (22.0, 73.3), (1.0, 224): (30.0, 75.2),
}


def run_of(width, resolution, median, *, model="mobilenet_v3_large", machine=None, threads=2, madds=None):
    return ProfileResult(
        model=model, width=width, resolution=resolution, options={}, batch=1, threads=threads, device="cpu",
        memory_format="contiguous", path="reference", weights="random (latency only)",
        total_ms=Timing(median, median * 0.95, median * 1.1, 20), layers=(),
        machine=machine or fingerprint(threads=threads, device="cpu", backend="torch eager"),
        madds=madds or int(1e6 * width * resolution), params=1000, per_layer=False)


@pytest.fixture
def synthetic_db():
    with ResultsDB() as db:
        for (width, resolution), (latency, _) in SYNTHETIC.items():
            db.save_run(run_of(width, resolution, latency))
        db.save_run(run_of(1.0, 224, 99.0, threads=1))  # another thread count: not in the threads-2 series
        yield db


def labels(points):
    return [p.label() for p in points]


def test_points_join_published_accuracy_with_its_source(synthetic_db):
    points = tradeoff_points(synthetic_db, threads=2)
    assert {(p.width, p.resolution): (p.latency_ms, p.accuracy) for p in points} == SYNTHETIC
    assert all(p.accuracy_source == "published: V3-arXiv-latest (Table 9 (Appendix A))" for p in points)
    assert not any(p.accuracy_measured for p in points)


def test_measured_accuracy_takes_precedence(synthetic_db):
    synthetic_db.save_accuracy(model="mobilenet_v3_large", width=1.0, resolution=224, weights="x",
                               dataset="my-val", top1=0.7, top5=0.9, n=500)
    point = [p for p in tradeoff_points(synthetic_db, threads=2) if (p.width, p.resolution) == (1.0, 224)][0]
    assert point.accuracy == pytest.approx(70.0) and point.accuracy_measured
    assert point.accuracy_source == "measured: evaluate on my-val (500 images)"


def test_pareto_front_matches_brute_force():
    rng = random.Random(6)
    pts = [SimpleNamespace(latency_ms=rng.uniform(1, 50), accuracy=rng.uniform(50, 80)) for _ in range(200)]
    pts += [SimpleNamespace(latency_ms=pts[0].latency_ms, accuracy=pts[0].accuracy - 1)]  # a tie on latency
    dominated = lambda p: any(q.latency_ms <= p.latency_ms and q.accuracy >= p.accuracy  # noqa: E731
                              and (q.latency_ms, q.accuracy) != (p.latency_ms, p.accuracy) for q in pts)
    expected = sorted((p for p in pts if not dominated(p)), key=lambda p: p.latency_ms)
    assert pareto_front(pts) == expected


def test_synthetic_frontiers(synthetic_db):
    points = tradeoff_points(synthetic_db, threads=2)
    assert labels(latency_front(points)) == [
        "mobilenet_v3_large 1/128", "mobilenet_v3_large 0.5/224", "mobilenet_v3_large 1/160",
        "mobilenet_v3_large 1/192", "mobilenet_v3_large 1/224"]
    # madds faked as width × resolution (M): 0.5/224 = 112 M beats 1.0/128 = 128 M (68.8 > 68.4 %), and
    # 0.75/224 (168 M, 73.3 %) is on the MAdds frontier though off the latency one
    assert labels(madds_front(points)) == [
        "mobilenet_v3_large 0.5/224", "mobilenet_v3_large 1/160", "mobilenet_v3_large 0.75/224",
        "mobilenet_v3_large 1/192", "mobilenet_v3_large 1/224"]


@pytest.mark.parametrize("target,recommended,most_accurate", [
    (12.0, "1/128", "1/128"),     # only 128 fits
    (17.0, "1/160", "1/160"),     # 128, 0.5/224, 160 fit; 160 has the best reward (59.32) and accuracy
    (21.0, "1/192", "1/192"),     # + 192 (59.76)
    (100.0, "1/192", "1/224"),    # all fit: 192 still rewards best (59.76 > 59.27), 224 is most accurate
])
def test_recommendations_for_budgets_lie_on_the_frontier(synthetic_db, target, recommended, most_accurate):
    rec = recommend(target, -0.07, db=synthetic_db)
    front = latency_front(tradeoff_points(synthetic_db, threads=2))
    assert rec.recommended.label() == f"mobilenet_v3_large {recommended}"
    assert rec.most_accurate_within.label() == f"mobilenet_v3_large {most_accurate}"
    assert rec.recommended in front and rec.most_accurate_within in front
    assert rec.recommended.latency_ms <= target
    assert rec.ranked[0].point.label() == "mobilenet_v3_large 1/192"  # w constant: TAR scales all rewards alike
    assert rec.ranked[0].reward == pytest.approx(73.7 * (20.0 / target) ** -0.07)


def test_a_steeper_w_prefers_faster_models(synthetic_db):
    # By hand, ACC × LAT^-0.15: 128: 48.42, 160: 47.76, 192: 47.02, 0.5/224: 46.31, 224: 45.15
    rec = recommend(100.0, -0.15, db=synthetic_db)
    assert rec.recommended.label() == "mobilenet_v3_large 1/128"
    assert labels([r.point for r in rec.ranked[:3]]) == [
        "mobilenet_v3_large 1/128", "mobilenet_v3_large 1/160", "mobilenet_v3_large 1/192"]


def test_explanation_compares_resolution_with_width(synthetic_db):
    rec = recommend(21.0, db=synthetic_db)
    # 1.0/192 (73.7 %, 20 ms) against 0.75/224 (73.3 %, 22 ms): resolution was the better knob
    assert rec.explanation == (
        "mobilenet_v3_large 1/192 (73.7% at 20.0 ms) is the pick for 21 ms: mobilenet_v3_large 0.75/224 "
        "takes a similar 22.0 ms for 73.3%, so scaling resolution down beats scaling width down here, "
        "as in the V3 paper's Figure 7.")


def test_nothing_fits(synthetic_db):
    rec = recommend(5.0, db=synthetic_db)
    assert rec.recommended is None and rec.most_accurate_within is None
    assert rec.fastest.label() == "mobilenet_v3_large 1/128" and "Nothing measured runs within 5 ms" in rec.explanation


@pytest.mark.parametrize("kwargs,message", [
    ({"target_ms": 0}, "target latency 0 ms is out of range"),
    ({"target_ms": 10, "w": 0.5}, "w 0.5 is out of range; valid: -1 to 0"),
])
def test_bad_recommend_arguments(synthetic_db, kwargs, message):
    with pytest.raises(InvalidInput, match=message):
        recommend(db=synthetic_db, **kwargs)


def test_no_runs_says_to_sweep():
    with ResultsDB() as db, pytest.raises(InvalidInput, match="run 'mobilenet-studio sweep' first"):
        recommend(10.0, db=db)


def test_two_machines_are_two_series(synthetic_db, tmp_path):
    phone = {**fingerprint(threads=2, device="cpu", backend="torch eager"), "cpu": "Fake phone SoC", "cores": 8}
    with ResultsDB(tmp_path / "phone.sqlite3") as other:
        for (width, resolution), (latency, _) in SYNTHETIC.items():
            other.save_run(run_of(width, resolution, latency * 3, machine=phone))
        export_json(other, tmp_path / "phone.json")
    assert import_json(synthetic_db, tmp_path / "phone.json").runs_added == len(SYNTHETIC)
    points = tradeoff_points(synthetic_db, threads=2)
    series = {}
    for p in points:
        series.setdefault(p.machine_label, {})[(p.width, p.resolution)] = p.latency_ms
    assert len(series) == 2
    phone_series = series.pop("Fake phone SoC, 8 cores")
    (mine,) = series.values()
    assert phone_series == {k: 3 * v for k, v in mine.items()}
    with pytest.raises(InvalidInput, match="from 2 series"):
        recommend(10.0, points=points)
    # this machine's recommendation ignores the imported series
    assert recommend(21.0, db=synthetic_db).recommended.latency_ms == 20.0
