"""The Classify page: pick an ImageNet classifier, open or drop an image, see the top-5 as bars,
the latency of the run and which weights produced it. Without cached weights the model runs
with random weights, labelled untrained, and the page points to the Weights page.

A TaskPage like Detect and Segment: the classify runner from `api.make_runner` loads and runs
off the UI thread (one JobRunner), so opening three images quickly classifies the last
one; loaded runners are kept per (model, weights)."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QLabel, QWidget

from engine import api
from gui.pages import register_page
from gui.pages._task_page import Outcome, TaskPage
from gui.widgets.image_view import ImageView
from gui.widgets.panel import panel
from gui.widgets.topk_chart import Bar, TopKChart

__all__ = ["ClassifyPage", "DEFAULT_IMAGE"]

DEFAULT_IMAGE = api.ASSETS / "images" / "chelsea.png"  # CC0, see assets/images/SOURCES.md
TOPK = 5  # the classify runner's top-K


@register_page("classify", "Classify", order=20, tooltip="ImageNet top-5 on your own image")
class ClassifyPage(TaskPage):
    TASK = "classify"
    TITLE = "Classify"
    DEFAULT_MODEL = api.DEFAULT_MODELS["classify"]
    DEFAULT_IMAGE = DEFAULT_IMAGE
    UNTRAINED_TIP = ("No weights for this model are in the cache, so it runs with random weights: the "
                     "ranking is meaningless, the latency is real.")

    def body(self) -> tuple[QWidget, QWidget]:
        image_frame, image_layout = panel()
        self.image_view = ImageView("Open an image (Ctrl+O) or drop one here")
        image_layout.addWidget(self.image_view, 1)

        side, side_layout = panel()
        chart_title = QLabel(f"Top-{TOPK} ImageNet classes")
        chart_title.setObjectName("panelTitle")
        self.chart = TopKChart()
        latency_caption = QLabel("Latency of this run")
        latency_caption.setObjectName("cardCaption")
        self.latency_label = QLabel("—")
        self.latency_label.setObjectName("cardValue")
        side_layout.addWidget(chart_title)
        side_layout.addWidget(self.chart)
        side_layout.addSpacing(12)
        side_layout.addWidget(latency_caption)
        side_layout.addWidget(self.latency_label)
        side_layout.addSpacing(6)
        for widget in self.timing_panel():
            side_layout.addWidget(widget)
        side_layout.addStretch(1)
        return image_frame, side

    def show_outcome(self, outcome: Outcome) -> None:
        result = outcome.result
        self.image_view.set_image(outcome.image)
        self.chart.set_bars([Bar(p.label, p.probability) for p in result.top], muted=result.untrained)
        self.latency_label.setText(f"{result.timings.total_ms:.1f} ms")
        top = result.top[0]
        note = f" ({api.UNTRAINED})" if result.untrained else ""
        self.status_message.emit(f"{Path(outcome.path).name}: {top.label} {top.probability * 100:.1f} % "
                                 f"with {outcome.model}{note}, {result.timings.total_ms:.1f} ms")
