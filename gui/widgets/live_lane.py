"""One lane of the Live page: the model's name and badge, its annotated frames, and a HUD line
with FPS, per-stage milliseconds and counters. Gets plain data (an RGB frame, a LaneStatus)."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QVBoxLayout, QWidget

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
    """The HUD's two lines for a lane (monospace, so figures do not jump as they change)."""
    stages = "  ".join(f"{short} {lane.stages_ms[stage]:5.1f}" for stage, short in STAGE_SHORT.items())
    counts = f"captured {lane.captured}  inferred {lane.inferred}  dropped {lane.dropped}"
    if lane.failed:
        counts += f"  failed {lane.failed}"
    return f"{lane.fps:5.1f} FPS   ms: {stages}\n{counts}"


class LaneView(QFrame):
    def __init__(self, index: int, untrained: str, parent: QWidget | None = None):
        """untrained: the badge's text for a model with random weights (api.UNTRAINED)."""
        super().__init__(parent)
        self.setObjectName("panel")
        self.index = index
        layout = QVBoxLayout(self)
        layout.setContentsMargins(12, 10, 12, 10)
        layout.setSpacing(6)
        head = QHBoxLayout()
        swatch = QLabel("●")
        swatch.setStyleSheet(f"color: {LANE_COLOURS[index]}; font-size: 14pt;")
        self.title = ElidedLabel("—")
        self.title.setObjectName("panelTitle")
        self.badge = QLabel(untrained)
        self.badge.setStyleSheet(BADGE_STYLE)
        self.badge.setToolTip("No trained weights for this model are cached: it runs with random weights. "
                              "Its overlay is meaningless; its latency is real.")
        self.badge.hide()
        head.addWidget(swatch)
        head.addWidget(self.title)
        head.addStretch(1)
        head.addWidget(self.badge)
        self.view = ImageView("Press Start (space) to run the model on the chosen source")
        self.hud = ElidedLabel("")
        self.hud.setStyleSheet(f"font-family: monospace; color: {theme.TEXT};")
        self.hud.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.error = QLabel("")
        self.error.setObjectName("inlineError")
        self.error.setWordWrap(True)
        self.error.hide()
        layout.addLayout(head)
        layout.addWidget(self.view, 1)
        layout.addWidget(self.hud)
        layout.addWidget(self.error)

    def set_model(self, model: str, untrained: bool | None, path: str | None = None) -> None:
        """untrained None: not loaded yet (no badge either way). path: the inference path the
        network runs on (one of the api's PATHS), shown next to the name."""
        self.title.setText(f"{model}  · {path}" if path else model)
        self.title.setToolTip("inference path: " + path if path else "")
        self.badge.setVisible(bool(untrained))

    def set_frame(self, bgr: np.ndarray) -> None:
        self.view.set_bgr(bgr)

    def set_status(self, lane: LaneStatus) -> None:
        self.hud.setText(hud_text(lane))
        self.error.setText(lane.message)
        self.error.setVisible(lane.state == "error" and bool(lane.message))
