"""The Trade-offs page says what the recommended point's path costs in accuracy: a remembered
agreement measured against the reference (a real computation here), or, for an inexact path
never measured, that the plotted top-1 is the fp32 model's."""

from __future__ import annotations

import pytest

from engine import api
from engine.results import ResultsDB
from engine.runtime.available import installed
from gui.pages.tradeoffs_cost import accuracy_cost_html
from tests.gui.test_tradeoffs_page import SYNTHETIC, page, store  # noqa: F401 (fixture)


def test_an_inexact_path_never_measured_says_the_top1_is_the_fp32_models():
    text = accuracy_cost_html("mobilenet_v2", "int8")
    assert "int8</b> is not exact" in text and "Accuracy cost" in text
    assert "is exact (fp32)" in accuracy_cost_html("mobilenet_v2", "onnxruntime")


@pytest.mark.skipif(not installed("onnxruntime"), reason="onnxruntime is not installed")
def test_a_measured_agreement_is_shown_with_its_photos(real_weights):
    measured = api.path_agreement("mobilenet_v2", "onnxruntime", threads=1)
    text = accuracy_cost_html("mobilenet_v2", "onnxruntime")
    assert measured.summary() in text and f"{measured.images} photos" in text


def test_the_recommendation_names_its_paths_accuracy_cost(page):  # noqa: F811
    store(SYNTHETIC, path="int8")
    page.reload()
    page.targets.slider.setValue(700)
    rec = page.recommendation
    assert rec is not None and rec.recommended is not None and rec.recommended.path == "int8"
    assert accuracy_cost_html(rec.recommended.model, "int8") in page.explanation.text()
    assert "int8</b> is not exact" in page.explanation.text()


def test_the_accuracy_cost_is_read_on_reload_not_on_every_slider_move(page):  # noqa: F811
    """The slider redraws the recommendation on every move; the remembered agreement (a file)
    is read again only when the page reloads, which it does each time it is shown."""
    from engine.tasks.agreement import PathAgreement, _remember

    store(SYNTHETIC, path="int8")
    page.reload()
    page.targets.slider.setValue(700)
    assert "int8</b> is not exact" in page.explanation.text()
    measured = PathAgreement(model=page.recommendation.recommended.model, path="int8", reference="reference",
                             weights="default", images=20, source="test photos", top1_agreement=0.85,
                             max_logit_diff=0.4, measured_at=1.0)
    _remember(measured, "int8")
    page.targets.slider.setValue(690)
    assert "int8</b> is not exact" in page.explanation.text()  # not read again on a slider move
    page.reload()
    assert measured.summary() in page.explanation.text() and "20 photos" in page.explanation.text()


def test_points_timed_on_a_busy_machine_are_ringed_and_re_measured_on_request(qtbot, page):  # noqa: F811
    """Runs stored with a load average above the core count are ringed where the database puts
    them and offered for re-measuring; the re-measure times them again (a real sweep) and the
    newer runs replace them on the plot."""
    import os

    busy_configs = {("mobilenet_v3_small", 1.0, 96), ("mobilenet_v3_small", 1.0, 128)}
    stored = store(SYNTHETIC, load_of=lambda config: (0.5, 10.0 * (os.cpu_count() or 1)) if config in busy_configs
                   else (0.1, 0.2))
    page.sweep.path_combo.setCurrentIndex(page.sweep.path_combo.findData("reference"))
    page.reload()
    page.select_series(next(s.key for s in page.snapshot.series if s.path == "reference"))
    busy_runs = [r for r in stored if r.busy]
    assert len(busy_runs) == 2
    points = {p.run_uuid: p for p in page.snapshot.points}
    assert sorted(page.latency_plot.busy_rings) == sorted(
        (r.total_ms.median, points[r.uuid].accuracy) for r in busy_runs)
    assert page.sweep.remeasure_button.isVisibleTo(page) and "(2)" in page.sweep.remeasure_button.text()
    assert all("busy" in d.text for d in page.latency_plot.drawn if (d.x, d.y) in page.latency_plot.busy_rings)

    assert page.sweep.remeasure_busy()
    qtbot.waitUntil(page.ready, timeout=120_000)
    with ResultsDB() as db:
        after = db.runs()
    new = [r for r in after if r.uuid not in {s.uuid for s in stored}]
    assert sorted((r.model, r.width, r.resolution) for r in new) == sorted(busy_configs)
    shown = {p.run_uuid for p in page.snapshot.points}
    assert {r.uuid for r in new} <= shown and not {r.uuid for r in busy_runs} & shown
