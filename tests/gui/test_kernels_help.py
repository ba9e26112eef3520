"""The Kernels page before and around a run: an explanation of the symmetric-operator
convolution, a sentence instead of bare axes before the first result, and a colour bar that
reads each heatmap's values."""

from __future__ import annotations

import numpy as np
import pytest

from gui.widgets.kernels_fields import PANELS, FieldImages


@pytest.fixture
def app():
    from gui.app import make_app

    return make_app()


def test_kernels_page_explains_symconv_and_starts_empty(app, qtbot):
    from gui.pages.kernels_page import KernelsPage

    page = KernelsPage()
    qtbot.addWidget(page)
    page.show()
    page.experiment.setCurrentIndex(page.experiment.findData("symconv"))
    note = page.symconv_note.text()
    assert page.symconv_note.isVisible()
    for words in ("seismic", "symmetric in x and y", "depthwise-separable", "memory"):
        assert words in note
    page.experiment.setCurrentIndex(page.experiment.findData("separable"))
    assert not page.symconv_note.isVisible()

    chart = page.chart
    assert chart.empty.isVisible() and not chart.plot.isVisible()  # no bare 0-1 axis before a run
    assert not chart._legend.isVisible()
    assert "Run" in chart.empty.text()


def test_each_heatmap_has_a_colour_bar_that_follows_its_data(app, qtbot):
    fields = FieldImages()
    qtbot.addWidget(fields)
    assert set(fields.colour_bars) == set(PANELS)
    rng = np.random.default_rng(0)
    operator = rng.normal(size=(5, 5)) + 1j * rng.normal(size=(5, 5))
    velocity = rng.uniform(1500.0, 4000.0, size=(16, 16))
    data = rng.normal(size=(16, 16)) + 1j * rng.normal(size=(16, 16))
    output = data * 0.5
    fields.set_fields(velocity, operator, 2000.0, data, output)
    for panel, bar in fields.colour_bars.items():
        array = fields.array(panel)
        low, high = bar.levels()
        assert tuple(fields.images[panel].getLevels()) == pytest.approx((low, high), rel=1e-6)
        if panel == "velocity":
            assert (low, high) == pytest.approx((array.min(), array.max()), rel=1e-5)
        if panel in ("input", "output"):
            assert high == pytest.approx(np.abs(array).max(), rel=1e-5) and low == pytest.approx(-high)
