"""The Detect page: an SSDLite detector on an opened or dropped image, boxes as Qt items that
show their details on hover, a score threshold that filters the stored result (the runner keeps
every box down to its score floor, so the slider never re-runs the network), the list of
detections, a legend of the classes found (their colour and count at the threshold) whose
check boxes filter the view, and where the time went (preprocess / inference / postprocess).
Hidden classes stay hidden for the next image, so a desk-scene user can watch only cups."""

from __future__ import annotations

from collections import Counter

from PySide6.QtCore import QSettings, Qt
from PySide6.QtGui import QIcon, QPixmap
from PySide6.QtWidgets import (
    QAbstractItemView, QHBoxLayout, QHeaderView, QLabel, QListWidget, QListWidgetItem, QSlider,
    QTableWidget, QTableWidgetItem, QWidget,
)

from engine import api
from gui.pages import register_page
from gui.pages._task_page import Outcome, TaskPage
from gui.pages.task_colours import box_colour
from gui.widgets.annotated_view import Box
from gui.widgets.panel import panel

__all__ = ["DetectPage", "DEFAULT_SCORE", "describe"]

DEFAULT_SCORE = 0.5
DESK_MODEL = "ssd_mobilenet_v2_coco"  # 80 COCO classes: cups, laptops, chairs, tables, ...
DESK_PHOTO = api.ASSETS / "demo" / "coffee.jpg"  # a cup on a café table (CC0; assets/demo/SOURCES.md)
SLIDER_STEPS = 100  # the slider moves in 0.01 steps


def swatch(colour) -> QIcon:
    pixmap = QPixmap(12, 12)
    pixmap.fill(colour)
    return QIcon(pixmap)


def describe(d: api.Detection) -> str:
    """The hover text of a detection: label, score and the box in image pixels."""
    x1, y1, x2, y2 = d.box
    return (f"{d.name} · score {d.score:.3f} · box {x1:.0f}, {y1:.0f} → {x2:.0f}, {y2:.0f} "
            f"({x2 - x1:.0f}×{y2 - y1:.0f} px)")


@register_page("detect", "Detect", order=40, tooltip="SSDLite boxes on your own image")
class DetectPage(TaskPage):
    TASK = "detect"
    TITLE = "Detect"
    DEFAULT_MODEL = api.DEFAULT_MODELS["detect"]
    UNTRAINED_TIP = ("No weights for this model are in the cache, so it runs with random weights: the "
                     "boxes are meaningless, the timing is real.")

    def body(self) -> tuple[QWidget, QWidget]:
        image_frame = self.annotated_panel("Hover a box for its details · wheel zooms, double-click fits")
        side, side_layout = panel()
        threshold_title = QLabel("Score threshold")
        threshold_title.setObjectName("panelTitle")
        self.slider = QSlider(Qt.Orientation.Horizontal)
        self.slider.setRange(1, SLIDER_STEPS)
        self.slider.setValue(round(DEFAULT_SCORE * SLIDER_STEPS))
        self.slider.setToolTip("Show boxes scoring at least this much; filters the last result, no re-run")
        self.slider.valueChanged.connect(lambda _v: self.refresh())
        self.score_label = QLabel("")
        self.score_label.setMinimumWidth(40)
        slider_row = QHBoxLayout()
        slider_row.addWidget(self.slider, 1)
        slider_row.addWidget(self.score_label)
        self.count_label = QLabel("")
        self.count_label.setObjectName("cardNote")
        self.count_label.setWordWrap(True)
        legend_title = QLabel("Classes")
        legend_title.setObjectName("panelTitle")
        self.legend = QListWidget()
        self.legend.setToolTip("Each class found at the threshold, in its box colour, with its count; "
                               "untick a class to hide its boxes")
        self.legend.setMaximumHeight(130)
        self.legend.itemChanged.connect(self._on_legend_item)
        self.hidden: set[str] = set()  # class names the user unticked (kept across images)
        list_title = QLabel("Detections")
        list_title.setObjectName("panelTitle")
        self.table = QTableWidget(0, 3)
        self.table.setHorizontalHeaderLabels(["label", "score", "box (x1, y1, x2, y2)"])
        self.table.verticalHeader().hide()
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        self.table.itemSelectionChanged.connect(self._on_row_selected)
        side_layout.addWidget(threshold_title)
        side_layout.addLayout(slider_row)
        side_layout.addWidget(self.count_label)
        side_layout.addWidget(legend_title)
        side_layout.addWidget(self.legend)
        side_layout.addSpacing(6)
        side_layout.addWidget(list_title)
        side_layout.addWidget(self.table, 1)
        side_layout.addSpacing(6)
        for widget in self.timing_panel():
            side_layout.addWidget(widget)
        self._update_score_label()
        return image_frame, side

    # display --------------------------------------------------------------------------------
    def score(self) -> float:
        return self.slider.value() / SLIDER_STEPS

    def set_score(self, score: float) -> None:
        self.slider.setValue(round(score * SLIDER_STEPS))

    def above(self) -> tuple[api.Detection, ...]:
        """The stored result's detections at or above the threshold, every class."""
        return () if self.outcome is None else self.outcome.result.above(self.score()).detections

    def shown(self) -> tuple[api.Detection, ...]:
        """The detections the view shows now: at the threshold, of the classes left ticked."""
        return tuple(d for d in self.above() if d.name not in self.hidden)

    def show_outcome(self, outcome: Outcome) -> None:
        self.view.set_image(outcome.image)
        self.refresh()
        best = outcome.result.detections[0] if outcome.result.detections else None
        top = f"best {best.name} {best.score:.2f}" if best else "nothing found"
        count = len(self.shown())
        self.status_message.emit(f"{outcome.model}: {count} box{'es' if count != 1 else ''} ≥ {self.score():.2f} ({top}), "
                                 f"{outcome.result.timings.total_ms:.0f} ms")

    def refresh(self) -> None:
        """Re-filter the stored result at the slider's threshold; never runs the model."""
        self._update_score_label()
        if self.outcome is None:
            return
        self._fill_legend()
        shown = self.shown()
        # best last, so it is drawn on top; the table lists best first
        self.view.set_boxes([Box(*d.box, f"{d.name} {d.score:.2f}", describe(d), box_colour(d.label))
                             for d in reversed(shown)])
        self.table.setRowCount(len(shown))
        for row, d in enumerate(shown):
            x1, y1, x2, y2 = d.box
            cells = (d.name, f"{d.score:.3f}", f"{x1:.0f}, {y1:.0f}, {x2:.0f}, {y2:.0f}")
            for column, text in enumerate(cells):
                item = QTableWidgetItem(text)
                item.setToolTip(describe(d))
                if column == 0:
                    item.setForeground(box_colour(d.label).darker(150))
                self.table.setItem(row, column, item)
        total = len(self.outcome.result.detections)
        floor = self.outcome.result.score_floor
        hidden = len(self.above()) - len(shown)
        note = f" ({hidden} of unticked classes hidden)" if hidden else ""
        self.count_label.setText(f"{len(shown)} of {total} boxes scoring ≥ {floor:.2f} are shown{note}")

    def _fill_legend(self) -> None:
        """One checkable row per class found at the threshold: colour, name, count; most first."""
        counts = Counter((d.label, d.name) for d in self.above())
        self.legend.blockSignals(True)
        self.legend.clear()
        for (label, name), count in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0][1])):
            item = QListWidgetItem(swatch(box_colour(label)), f"{name} · {count}")
            item.setData(Qt.ItemDataRole.UserRole, name)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Unchecked if name in self.hidden else Qt.CheckState.Checked)
            self.legend.addItem(item)
        self.legend.blockSignals(False)

    def set_class_shown(self, name: str, shown: bool) -> None:
        """Show or hide the boxes of class `name` (the legend's check box does this)."""
        if shown:
            self.hidden.discard(name)
        else:
            self.hidden.add(name)
        self.refresh()

    def _on_legend_item(self, item: QListWidgetItem) -> None:
        self.set_class_shown(item.data(Qt.ItemDataRole.UserRole), item.checkState() == Qt.CheckState.Checked)

    def _update_score_label(self) -> None:
        self.score_label.setText(f"{self.score():.2f}")

    def _on_row_selected(self) -> None:
        rows = self.table.selectionModel().selectedRows()
        if not rows:
            self.view.highlight(None)
            return
        row = rows[0].row()
        self.view.highlight(len(self.view.box_items()) - 1 - row)  # the view holds them best last
        self.hover_label.setText(describe(self.shown()[row]))

    def prepare_screenshot(self) -> None:
        """The multi-class view the page is for: the COCO SSD on a table-top photo, when its real
        weights are cached (a screenshot of random boxes would mislead); else the default."""
        index = self.model_combo.findData(DESK_MODEL)
        if index < 0 or api.cached_weights(DESK_MODEL) is None:
            super().prepare_screenshot()
            return
        self.model_combo.blockSignals(True)
        self.model_combo.setCurrentIndex(index)
        self.model_combo.blockSignals(False)
        self.run(str(DESK_PHOTO))

    # settings -------------------------------------------------------------------------------
    def save_settings(self, settings: QSettings) -> None:
        super().save_settings(settings)
        settings.setValue("score", self.score())
        settings.setValue("hidden_classes", sorted(self.hidden))

    def restore_settings(self, settings: QSettings) -> None:
        super().restore_settings(settings)
        try:
            score = float(settings.value("score", DEFAULT_SCORE))
        except (TypeError, ValueError):
            score = DEFAULT_SCORE
        self.set_score(min(1.0, max(0.01, score)))
        hidden = settings.value("hidden_classes") or []
        self.hidden = {hidden} if isinstance(hidden, str) else set(hidden)
