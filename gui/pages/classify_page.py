"""The Classify page: pick an ImageNet classifier, open or drop an image, see the top-5 as bars,
the latency of the run and which weights produced it. Without cached weights the model runs
with random weights, labelled untrained, and the page points to the Weights page.

A TaskPage over the classification runner: loading the model and inference run off the UI
thread, so opening three images quickly classifies the last one; runners are kept per
(model, weights)."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QFrame, QLabel, QVBoxLayout, QWidget

from engine import api
from gui.pages import register_page
from gui.pages._task_page import Outcome, TaskPage
from gui.widgets.image_view import ImageView
from gui.widgets.topk_chart import Bar, TopKChart

__all__ = ["ClassifyPage", "DEFAULT_IMAGE"]

DEFAULT_IMAGE = api.ASSETS / "images" / "chelsea.png"  # CC0, see assets/images/SOURCES.md
TOPK = 5  # the runner's default top-K


@register_page("classify", "Classify", order=20, tooltip="ImageNet top-5 on your own image")
class ClassifyPage(TaskPage):
    TASK = "classify"
    TITLE = "Classify"
    DEFAULT_MODEL = api.DEFAULT_MODELS["classify"]
    UNTRAINED_TIP = ("No weights for this model are in the cache, so it runs with random weights: the "
                     "ranking is meaningless, the latency is real.")
    IMAGE = DEFAULT_IMAGE
    SPLIT = (820, 500)

    def body(self) -> tuple[QWidget, QWidget]:
        image_frame = QFrame()
        image_frame.setObjectName("panel")
        image_layout = QVBoxLayout(image_frame)
        image_layout.setContentsMargins(14, 12, 14, 12)
        self.image_label = QLabel("")
        self.image_label.setObjectName("panelTitle")
        self.image_view = ImageView("Open an image (Ctrl+O) or drop one here")
        image_layout.addWidget(self.image_label)
        image_layout.addWidget(self.image_view, 1)

        side = QFrame()
        side.setObjectName("panel")
        side_layout = QVBoxLayout(side)
        side_layout.setContentsMargins(14, 12, 14, 12)
        side_layout.setSpacing(8)
        chart_title = QLabel(f"Top-{TOPK} ImageNet classes")
        chart_title.setObjectName("panelTitle")
        self.chart = TopKChart()
        latency_caption = QLabel("Latency of this run")
        latency_caption.setObjectName("cardCaption")
        self.latency_label = QLabel("—")
        self.latency_label.setObjectName("cardValue")
        for widget in (chart_title, self.chart):
            side_layout.addWidget(widget)
        side_layout.addSpacing(12)
        for widget in (latency_caption, self.latency_label, *self.timing_panel()):
            side_layout.addWidget(widget)
        side_layout.addStretch(1)
        return image_frame, side

    def show_outcome(self, outcome: Outcome) -> None:
        result, untrained = outcome.result, outcome.result.untrained
        self.image_view.set_image(outcome.image)
        height, width = outcome.image.shape[:2]
        self.image_label.setText(f"{Path(outcome.path).name} · {width}×{height}")
        self.chart.set_bars([Bar(p.label, p.probability) for p in result.top], muted=untrained)
        self.latency_label.setText(f"{result.timings.total_ms:.1f} ms")
        top = result.top[0]
        note = f" ({api.UNTRAINED})" if untrained else ""
        self.status_message.emit(f"{Path(outcome.path).name}: {top.label} {top.probability * 100:.1f} % "
                                 f"with {outcome.model}{note}, {result.timings.total_ms:.1f} ms")
