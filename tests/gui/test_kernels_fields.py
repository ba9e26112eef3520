"""The symmetric convolution's pictures: every one of them, with its colour bar, lies inside the
panel at any width (two columns in a narrow panel, three in a wide one)."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtWidgets import QApplication

from gui.widgets.kernels_fields import GRIDS, PANELS, WIDE_PX


@pytest.fixture
def fields(qtbot):
    from gui.app import make_app
    from gui.widgets.kernels_fields import FieldImages

    make_app()
    widget = FieldImages()
    qtbot.addWidget(widget)
    rng = np.random.default_rng(0)
    data = rng.standard_normal((32, 32)) + 1j * rng.standard_normal((32, 32))
    operator = rng.standard_normal((5, 5)) + 1j * rng.standard_normal((5, 5))
    widget.set_fields(np.full((32, 32), 3000.0), operator, 3000.0, data, data * 0.5)
    widget.show()
    return widget


def visible_rect(widget):
    view = widget.view
    return view.mapToScene(view.viewport().rect()).boundingRect()


@pytest.mark.parametrize("width, columns", [(460, 2), (WIDE_PX + 400, 3)])
def test_every_picture_and_colour_bar_is_inside_the_panel(fields, width, columns):
    fields.resize(width, 520)
    QApplication.processEvents()
    assert fields.columns == columns
    shown = visible_rect(fields).adjusted(-1, -1, 1, 1)
    for panel in PANELS:
        plot = fields.plots[panel]
        assert shown.contains(plot.sceneBoundingRect()), (panel, plot.sceneBoundingRect(), shown)
        assert shown.contains(fields.colour_bars[panel].sceneBoundingRect()), panel
    rows = {panel: round(fields.plots[panel].sceneBoundingRect().top()) for panel in PANELS}
    assert len(set(rows.values())) == 1 + max(r for r, _c in GRIDS[columns].values())
    assert rows["input"] == rows["output"]  # the two wavefields side by side either way
