"""The Trade-offs page says what the recommended point's path costs in accuracy: a remembered
agreement measured against the reference (a real computation here), or, for an inexact path
never measured, that the plotted top-1 is the fp32 model's."""

from __future__ import annotations

import pytest

from engine import api
from engine.profiling.latency import ProfileResult, Timing
from engine.profiling.machine import fingerprint
from engine.results import ResultsDB
from engine.runtime.available import installed
from gui.pages.tradeoffs_cost import accuracy_cost_html
from tests.gui.test_tradeoffs_page import SYNTHETIC, page  # noqa: F401 (fixture)


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
    fp = fingerprint(threads=1, device="cpu", backend="torch eager")
    with ResultsDB() as db:
        for model, width, res, ms, madds in SYNTHETIC:
            db.save_run(ProfileResult(
                model=model, width=width, resolution=res, options={}, batch=1, threads=1, device="cpu",
                memory_format="contiguous", path="int8", weights="random (latency only)",
                total_ms=Timing(ms, ms * 0.95, ms * 1.1, 20), layers=(), machine=fp, madds=int(madds),
                params=1000, per_layer=False))
    page.reload()
    page.targets.slider.setValue(700)
    rec = page.recommendation
    assert rec is not None and rec.recommended is not None and rec.recommended.path == "int8"
    assert accuracy_cost_html(rec.recommended.model, "int8") in page.explanation.text()
    assert "int8</b> is not exact" in page.explanation.text()
