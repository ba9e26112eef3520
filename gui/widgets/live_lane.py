"""One lane of the Live page: the model's name, inference path and badge, its annotated frames,
and a HUD readable at a glance: FPS and latency large, per-stage milliseconds and counters small.
Gets plain data (an RGB frame, a LaneStatus)."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QSizePolicy, QVBoxLayout, QWidget

from engine.api import LaneStatus
from gui import theme
from gui.widgets.image_view import ImageView
from gui.widgets.fit import ElidedLabel

__all__ = ["LaneView", "LANE_COLOURS"]

LANE_COLOURS = ("#2f6fdf", "#ef6c00")  # lane A, lane B: the plot's curves use the same colours
BADGE_STYLE = (f"QLabel {{ color: white; background: {theme.ERROR}; border-radius: 4px; "
               "padding: 2px 8px; font-weight: 600; }")
# the pipeline's stages in order (the api's STAGES), shortened for the HUD
STAGE_SHORT = {"capture": "cap", "preprocess": "pre", "inference": "inf", "postprocess": "post", "draw": "draw"}


def hud_text(lane: LaneStatus) -> str:
    """The HUD as rich text: FPS and latency (the median time per frame, take to publish) in
    large figures, then the stage medians and counters in small print."""
    stages = " · ".join(f"{short} {lane.stages_ms[stage]:.1f}" for stage, short in STAGE_SHORT.items())
    counts = f"captured {lane.captured} · inferred {lane.inferred} · dropped {lane.dropped}"
    if lane.failed:
        counts += f" · failed {lane.failed}"
    big = "font-size: 20pt; font-weight: 600;"
    return (f"<span style='{big}'>{lane.fps:.1f}</span> FPS &nbsp;&nbsp; "
            f"<span style='{big}'>{lane.frame_ms:.0f}</span> ms latency"
            f"<br><span style='font-size: 8pt; color: {theme.MUTED};'>ms: {stages}<br>{counts}</span>")


class LaneView(QFrame):
    fetch_asked = Signal(str, str)  # weights entry, model: the lane's one-click fetch

    def __init__(self, index: int, untrained: str, parent: QWidget | None = None):
        """untrained: the badge's text for a model with random weights (api.UNTRAINED)."""
        super().__init__(parent)
        self.setObjectName("panel")
        self.index = index
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 6, 8, 6)
        layout.setSpacing(4)
        head = QHBoxLayout()
        swatch = QLabel("●")
        swatch.setStyleSheet(f"color: {LANE_COLOURS[index]}; font-size: 14pt;")
        self.title = ElidedLabel("—")
        self.title.setObjectName("panelTitle")
        self.title.setMinimumWidth(0)
        self.title.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.badge = QLabel(untrained)
        self.badge.setStyleSheet(BADGE_STYLE)
        self.badge.setToolTip("No trained weights for this model are cached: it runs with random weights. "
                              "Its overlay is meaningless; its latency is real.")
        self.badge.hide()
        head.addWidget(swatch)
        head.addWidget(self.title, 1)  # takes the room left; elided by Qt's clipping, full text on hover
        head.addWidget(self.badge)
        self.weights = QLabel("")
        self.weights.setObjectName("cardNote")
        self.weights.setWordWrap(True)  # a long source never widens the window
        self.weights.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.fetch_button = QPushButton("Fetch real weights")
        self.fetch_button.hide()
        self.fetch_button.clicked.connect(lambda: self.fetch_asked.emit(self._fetch, self._model))
        self._fetch, self._model = "", ""
        weights_row = QHBoxLayout()
        weights_row.addWidget(self.weights, 1)
        weights_row.addWidget(self.fetch_button)
        self.view = ImageView("Press Start (space) to run the model on the chosen source")
        self.hud = QLabel("")
        self.hud.setTextFormat(Qt.TextFormat.RichText)
        self.hud.setStyleSheet(f"color: {theme.TEXT};")
        self.hud.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.error = QLabel("")
        self.error.setObjectName("inlineError")
        self.error.setWordWrap(True)
        self.error.hide()
        layout.addLayout(head)
        layout.addLayout(weights_row)
        layout.addWidget(self.view, 1)
        layout.addWidget(self.hud)
        layout.addWidget(self.error)

    def set_model(self, model: str, untrained: bool | None, path: str | None = None) -> None:
        """untrained None: not loaded yet (no badge either way). path: the inference path the
        network runs on (one of the api's PATHS), shown next to the name."""
        self.title.setText(f"{model}  · {path}" if path else model)
        self.title.setToolTip(f"{model} runs on the {path} inference path" if path else "")
        self.badge.setVisible(bool(untrained))
        self._model = model

    def set_weights(self, text: str, tooltip: str = "", fetch: str = "") -> None:
        """Where the lane's weights come from (source, licence) or that it has none; `fetch`:
        the weights entry a click on 'Fetch real weights' gets ('' hides the button)."""
        self.weights.setText(text)
        self.weights.setToolTip(tooltip)
        self._fetch = fetch
        self.fetch_button.setVisible(bool(fetch))
        self.fetch_button.setToolTip(f"Fetch {fetch} on the Weights page (download, verify, convert once)"
                                     if fetch else "")

    def set_frame(self, bgr: np.ndarray) -> None:
        self.view.set_bgr(bgr)

    def set_status(self, lane: LaneStatus) -> None:
        self.hud.setText(hud_text(lane))
        self.error.setText(lane.message)
        self.error.setVisible(lane.state == "error" and bool(lane.message))
