"""Plain-language explanations of the studio's terms (MAdds, the Table 3 memory convention,
inference paths, Pareto, the reward, the symmetric-operator convolution's fields), added to the
tooltip of every widget or chart label whose text uses the term. One walk over a widget tree
(`explain(root)`), repeated by the window when a page shows or finishes work so labels that
change with results are covered too; idempotent, and it keeps the tooltip a page set itself."""

from __future__ import annotations

import re

import pyqtgraph as pg
from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QHelpEvent
from PySide6.QtWidgets import QAbstractButton, QComboBox, QHeaderView, QLabel, QTableWidget, QToolTip, QWidget

__all__ = ["TERMS", "explain", "explanations_for"]

# pattern (searched case-insensitively in the visible text) -> explanation
TERMS: dict[str, str] = {
    r"\bMAdds?\b": "MAdds: multiply-accumulates of the convolutions and fully connected layers, counted as "
                   "the MobileNet papers count them. Batch norm, activations, additions and pooling are listed "
                   "per layer but not counted. One MAdd is about two FLOPs.",
    r"Table 3|peak activ": "Peak memory, MobileNetV2 Table 3 convention: 16-bit activations, and only the "
                           "tensors that must exist whole count. Inside an inverted residual the expanded "
                           "tensor is computed in slices, so only block inputs and outputs count; the figure "
                           "is the largest such tensor. The eager figure instead measures what plain PyTorch "
                           "holds at once.",
    r"\binference path|^path\b|\bpath:": "Inference path: how the same model is run. reference = eager PyTorch "
                                         "as built (the papers' model); fast = torch with batch norm folded "
                                         "and channels-last memory; onnxruntime / openvino = the exported "
                                         "graph on those runtimes; bf16 and int8 are inexact and never a "
                                         "default. Every path reports how far its outputs are from reference.",
    r"pareto": "Pareto frontier: the configurations no other configuration beats on both axes at once "
               "(at least as accurate and at most as costly). A point below the frontier has a better "
               "alternative.",
    r"\breward\b|\(LAT/TAR\)|^w = [−-]": "Reward (MnasNet, used for MobileNetV3's search): ACC × (LAT/TAR)^w, where "
                               "LAT is the measured latency, TAR the latency budget and w < 0 says how much "
                               "accuracy an extra millisecond must buy. The recommendation maximises it.",
    r"symmetric[- ]operator": "Symmetric-operator convolution: a seismic wavefield-extrapolation operator, "
                              "one complex 2D filter per grid point chosen by the local velocity, symmetric "
                              "in x and y. Its four methods do the same arithmetic with different memory "
                              "access: the lesson depthwise-separable convolution teaches.",
    r"velocity": "Velocity model: the speed of sound (m/s) in the subsurface at each grid point. It picks, "
                 "point by point, which extrapolation operator from the table is applied.",
    r"\bRe P": "Re P: the real part of the complex pressure wavefield P at one frequency; P′ is the "
               "wavefield after one extrapolation step (one symmetric-operator convolution).",
}
_COMPILED = [(re.compile(pattern, re.IGNORECASE), text) for pattern, text in TERMS.items()]
_MARK = "\u2063"  # invisible separator: where the page's own tooltip ends and ours begins


def explanations_for(text: str) -> list[str]:
    """The explanations whose term appears in `text`, in TERMS order."""
    return [explanation for pattern, explanation in _COMPILED if pattern.search(text or "")]


def _merge(current: str, text: str) -> str | None:
    """The tooltip with the explanations for `text` after the page's own part; None: unchanged."""
    own = current.split(_MARK, 1)[0].rstrip()
    notes = [note for note in explanations_for(text) if note not in own]
    wanted = own + (("\n\n" if own else "") + _MARK + "\n\n".join(notes) if notes else "")
    return None if wanted == current else wanted


LONGEST = 120  # longer text is prose that explains itself: no tooltip on top


def _visible_text(widget: QWidget) -> str:
    if isinstance(widget, (QLabel, QAbstractButton)):
        return widget.text() if len(widget.text()) <= LONGEST else ""
    if isinstance(widget, QComboBox):
        return widget.currentText()
    return ""


def explain(root: QWidget) -> int:
    """Add the explanations under `root`: widgets' tooltips, table header items, combo items,
    and pyqtgraph axis labels and plot titles. Returns how many tooltips changed."""
    changed = 0
    for widget in [root, *root.findChildren(QWidget)]:
        text = _visible_text(widget)
        if text:
            tip = _merge(widget.toolTip(), text)
            if tip is not None:
                widget.setToolTip(tip)
                changed += 1
        if isinstance(widget, QComboBox):
            changed += _explain_combo(widget)
        elif isinstance(widget, QTableWidget):
            changed += _explain_headers(widget)
        elif isinstance(widget, QHeaderView) and not isinstance(widget.parent(), QTableWidget):
            changed += _explain_header_view(widget)
        elif isinstance(widget, pg.GraphicsView) and widget.scene() is not None:
            changed += _explain_chart(widget)
    return changed


def _explain_combo(combo: QComboBox) -> int:
    changed = 0
    for i in range(combo.count()):
        tip = _merge(combo.itemData(i, Qt.ItemDataRole.ToolTipRole) or "", combo.itemText(i))
        if tip is not None:
            combo.setItemData(i, tip, Qt.ItemDataRole.ToolTipRole)
            changed += 1
    return changed


def _explain_headers(table: QTableWidget) -> int:
    changed = 0
    for column in range(table.columnCount()):
        item = table.horizontalHeaderItem(column)
        if item is not None:
            tip = _merge(item.toolTip(), item.text())
            if tip is not None:
                item.setToolTip(tip)
                changed += 1
    return changed


def _explain_chart(view: pg.GraphicsView) -> int:
    changed = 0
    for item in view.scene().items():
        if isinstance(item, pg.AxisItem):
            text = item.labelText or ""
        elif isinstance(item, pg.LabelItem):
            text = item.text or ""
        else:
            continue
        tip = _merge(item.toolTip(), re.sub(r"<[^>]+>", "", text))
        if tip is not None:
            item.setToolTip(tip)
            changed += 1
    return changed


class _HeaderTips(QObject):
    """A table over its own model (the Models page's layer table) keeps its header tooltips in
    the model; this filter, on that header's viewport only, adds the explanations when a section
    asks for its tooltip."""

    def __init__(self, header: QHeaderView):
        super().__init__(header)
        self.header = header

    def tip_at(self, x: int, y: int) -> str | None:
        header = self.header
        section = header.logicalIndexAt(x if header.orientation() == Qt.Orientation.Horizontal else y)
        model = header.model()
        if section < 0 or model is None:
            return None
        text = str(model.headerData(section, header.orientation(), Qt.ItemDataRole.DisplayRole) or "")
        own = str(model.headerData(section, header.orientation(), Qt.ItemDataRole.ToolTipRole) or "")
        merged = _merge(own, text)
        return merged.replace(_MARK, "") if merged is not None else None

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.ToolTip and isinstance(event, QHelpEvent):
            tip = self.tip_at(event.pos().x(), event.pos().y())
            if tip:
                QToolTip.showText(event.globalPos(), tip, self.header)
                return True
        return False


def _explain_header_view(header: QHeaderView) -> int:
    if header.property("studio_glossary"):
        return 0
    header.setProperty("studio_glossary", True)
    header.viewport().installEventFilter(_HeaderTips(header))
    return 1
