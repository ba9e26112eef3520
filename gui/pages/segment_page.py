"""The Segment page: a segmenter on an opened or dropped image, drawn by the runner's own
renderer (the CLI's --out images and the live view draw the same) at display size, so opacity
and mask / overlay / original restyle the stored result and never re-run the network; a legend
with the runner's colours and each class's coverage, and the class (and probability) under the
cursor."""

from __future__ import annotations

import cv2
import numpy as np
from PySide6.QtCore import QSettings, Qt
from PySide6.QtGui import QIcon, QPixmap
from PySide6.QtWidgets import (
    QAbstractItemView, QButtonGroup, QHBoxLayout, QHeaderView, QLabel, QSlider, QTableWidget, QTableWidgetItem,
    QToolButton, QWidget,
)

from engine import api
from gui.pages import register_page
from gui.pages._task_page import Outcome, TaskPage
from gui.pages.task_colours import LEGEND_MIN, bgr_to_qcolor
from gui.widgets.annotated_view import display_size
from gui.widgets.panel import panel

__all__ = ["SegmentPage", "MODES", "DEFAULT_OPACITY"]

MODES = ("overlay", "mask", "original")  # as runner.draw's `mode`
DEFAULT_OPACITY = 0.6  # VOC's person colour is muted: a little more than the CLI's 0.5 shows the mask
HOVER_HINT = "Hover the image for the class under the cursor · wheel zooms, double-click fits"


@register_page("segment", "Segment", order=50, tooltip="Per-pixel classes or a person mask on your image")
class SegmentPage(TaskPage):
    TASK = "segment"
    TITLE = "Segment"
    DEFAULT_MODEL = api.DEFAULT_MODELS["segment"]
    UNTRAINED_TIP = ("No weights for this model are in the cache, so it runs with random weights: the "
                     "mask is meaningless, the timing is real.")

    def body(self) -> tuple[QWidget, QWidget]:
        self._foreground: np.ndarray | None = None
        image_frame = self.annotated_panel(HOVER_HINT)
        self.view.describe = self.describe
        side, side_layout = panel()
        display_title = QLabel("Display")
        display_title.setObjectName("panelTitle")
        mode_row = QHBoxLayout()
        mode_row.setSpacing(0)
        self.mode_group = QButtonGroup(self)
        self.mode_buttons: dict[str, QToolButton] = {}
        for mode in MODES:
            button = QToolButton()
            button.setObjectName("segment")
            button.setText(mode)
            button.setCheckable(True)
            button.setToolTip({"overlay": "The photo tinted by class colour",
                               "mask": "The colour mask alone", "original": "The photo untouched"}[mode])
            self.mode_group.addButton(button)
            self.mode_buttons[mode] = button
            mode_row.addWidget(button)
        mode_row.addStretch(1)
        self.mode_buttons["overlay"].setChecked(True)
        self.mode_group.buttonToggled.connect(lambda _b, on: on and self.refresh())
        self.slider = QSlider(Qt.Orientation.Horizontal)
        self.slider.setRange(0, 100)
        self.slider.setValue(round(DEFAULT_OPACITY * 100))
        self.slider.setToolTip("Opacity of the overlay; restyles the last result, no re-run")
        self.slider.valueChanged.connect(lambda _v: self.refresh())
        self.opacity_label = QLabel("")
        self.opacity_label.setMinimumWidth(40)
        opacity_row = QHBoxLayout()
        opacity_caption = QLabel("opacity")
        opacity_caption.setObjectName("cardNote")
        opacity_row.addWidget(opacity_caption)
        opacity_row.addWidget(self.slider, 1)
        opacity_row.addWidget(self.opacity_label)
        legend_title = QLabel("Classes")
        legend_title.setObjectName("panelTitle")
        self.legend = QTableWidget(0, 2)
        self.legend.setHorizontalHeaderLabels(["class", "coverage"])
        self.legend.verticalHeader().hide()
        self.legend.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.legend.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.legend.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.legend.horizontalHeader().setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        self.legend_note = QLabel(f"Share of the image's pixels; classes under {LEGEND_MIN:.1%} are left out")
        self.legend_note.setObjectName("cardNote")
        self.legend_note.setWordWrap(True)
        side_layout.addWidget(display_title)
        side_layout.addLayout(mode_row)
        side_layout.addLayout(opacity_row)
        side_layout.addSpacing(6)
        side_layout.addWidget(legend_title)
        side_layout.addWidget(self.legend, 1)
        side_layout.addWidget(self.legend_note)
        side_layout.addSpacing(6)
        for widget in self.timing_panel():
            side_layout.addWidget(widget)
        return image_frame, side

    # display --------------------------------------------------------------------------------
    def mode(self) -> str:
        return next(mode for mode, button in self.mode_buttons.items() if button.isChecked())

    def set_mode(self, mode: str) -> None:
        self.mode_buttons[mode].setChecked(True)

    def opacity(self) -> float:
        return self.slider.value() / 100

    def set_opacity(self, opacity: float) -> None:
        self.slider.setValue(round(opacity * 100))

    def show_outcome(self, outcome: Outcome) -> None:
        result = outcome.result
        self._foreground = result.foreground() if result.kind == "foreground" else None
        self._fill_legend(result, outcome.runner.colours)
        note = f"Share of the image's pixels; classes under {LEGEND_MIN:.1%} are left out"
        self.legend_note.setText(note + (" · random weights: the classes mean nothing" if result.untrained else ""))
        self.refresh()
        shown = sorted(((share, name) for i, (name, share) in enumerate(result.coverage.items()) if i),
                       reverse=True)
        top = f"{shown[0][1]} {shown[0][0]:.1%}" if shown else "no classes"
        self.status_message.emit(f"{outcome.model}: {top} of the image, {result.timings.total_ms:.0f} ms")

    def refresh(self) -> None:
        """Redraw the stored result for the current mode and opacity; never runs the model."""
        mode, opacity = self.mode(), self.opacity()
        self.opacity_label.setText(f"{opacity:.2f}")
        self.slider.setEnabled(mode == "overlay")
        if self.outcome is None:
            return
        outcome = self.outcome
        height, width = outcome.result.frame_size
        drawn = outcome.runner.draw(outcome.frame, outcome.result, opacity=opacity, mode=mode, legend=False,
                                    show_untrained=False, size=display_size(height, width))
        self.view.set_image(cv2.cvtColor(drawn, cv2.COLOR_BGR2RGB), size=(height, width))

    def _fill_legend(self, result: api.SegmentResult, colours_bgr: np.ndarray) -> None:
        rows = sorted(((share, i, name) for i, (name, share) in enumerate(result.coverage.items())
                       if share >= LEGEND_MIN), reverse=True)
        self.legend.setRowCount(len(rows))
        for row, (share, index, name) in enumerate(rows):
            swatch = QPixmap(12, 12)
            swatch.fill(bgr_to_qcolor(colours_bgr[index]))
            item = QTableWidgetItem(QIcon(swatch), name)
            coverage = QTableWidgetItem(f"{share:.1%}")
            coverage.setData(Qt.ItemDataRole.UserRole, share)
            coverage.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            self.legend.setItem(row, 0, item)
            self.legend.setItem(row, 1, coverage)

    def legend_rows(self) -> dict[str, float]:
        """class -> coverage as the legend lists it."""
        return {self.legend.item(r, 0).text(): self.legend.item(r, 1).data(Qt.ItemDataRole.UserRole)
                for r in range(self.legend.rowCount())}

    def describe(self, x: int, y: int) -> str:
        """The class at image pixel (x, y) and the model's probability for it there."""
        if self.outcome is None:
            return ""
        result = self.outcome.result
        height, width = result.mask.shape
        if not (0 <= x < width and 0 <= y < height):
            return ""
        name = result.labels[int(result.mask[y, x])]
        if self._foreground is not None:
            probability = f"p(person) {self._foreground[y, x] / 255:.2f}"
        else:
            _, h, w = result.probabilities.shape
            px, py = min(w - 1, int(x * w / width)), min(h - 1, int(y * h / height))
            probability = f"p {result.probabilities[int(result.mask[y, x]), py, px]:.2f}"
        return f"{name} · {probability} · pixel {x}, {y}"

    # settings -------------------------------------------------------------------------------
    def save_settings(self, settings: QSettings) -> None:
        super().save_settings(settings)
        settings.setValue("opacity", self.opacity())
        settings.setValue("mode", self.mode())

    def restore_settings(self, settings: QSettings) -> None:
        super().restore_settings(settings)
        try:
            self.set_opacity(min(1.0, max(0.0, float(settings.value("opacity", DEFAULT_OPACITY)))))
        except (TypeError, ValueError):
            pass
        mode = settings.value("mode", "overlay")
        if mode in MODES:
            self.set_mode(str(mode))
