"""How weight sets read in the GUI: published metrics in a few words, and a compact table of a
model's registered weights (cached or not) for pages that show one model."""

from __future__ import annotations

import html
from collections.abc import Sequence

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QFrame, QLabel, QPushButton, QVBoxLayout, QWidget

from gui import theme

__all__ = ["published_text", "short_licence", "source_text", "status_colour", "WeightsCard"]

STATUS_COLOURS = {"cached": "#1b5e20", "corrupt": theme.ERROR, "source only": "#ef6c00"}


def published_text(metrics: dict) -> str:
    """The manifest's published metrics (torchvision's) for a classifier, detector or segmenter."""
    if "acc1" in metrics:
        return f"top-1 {metrics['acc1']:.1f} %, top-5 {metrics['acc5']:.1f} %"
    if "box_map" in metrics:
        return f"box mAP {metrics['box_map']:.1f}"
    if "miou" in metrics:
        return f"mIoU {metrics['miou']:.1f}, pixel acc. {metrics['pixel_acc']:.1f} %"
    return "—"


def metrics_tooltip(metrics: dict) -> str:
    return " · ".join(str(metrics[k]) for k in ("dataset", "source") if metrics.get(k))


def short_licence(licence: str) -> str:
    """'BSD-3-Clause (torchvision model weights, ...)' -> 'BSD-3-Clause'."""
    return licence.split(" (")[0] or "—"


def source_text(row: dict) -> str:
    """Where a weight set comes from, in a few words: the first source tried."""
    first = (row.get("sources") or [{}])[0]
    if first.get("kind") == "url":
        return first["url"].split("/")[2]
    kind = {"registry-package": "PyPI", "npm-tarball": "npm", "sdist-member": "PyPI source archive"}
    return f"{kind.get(first.get('kind', ''), first.get('kind', '?'))} {first.get('requirement', '')}".strip()


def status_colour(status: str) -> QColor:
    return QColor(STATUS_COLOURS.get(status, theme.MUTED))


class WeightsCard(QFrame):
    """A card for one model's registered weights: the published figure for the configuration
    shown, every set and whether it is in the cache, the default set's source and licence, and
    a one-click fetch when no real weights are cached (`fetch_requested(name)`)."""

    fetch_requested = Signal(str)

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("card")
        self.caption = QLabel("Published · this configuration")
        self.caption.setObjectName("cardCaption")
        self.value = QLabel("—")
        self.value.setObjectName("cardValue")
        self.note = QLabel("")
        self.note.setObjectName("cardNote")
        self.note.setWordWrap(True)
        self.note.setTextFormat(Qt.TextFormat.RichText)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(16, 12, 16, 12)
        layout.setSpacing(2)
        self.fetch_button = QPushButton("Fetch weights")
        self.fetch_button.hide()
        self.fetch_button.clicked.connect(lambda: self.fetch_requested.emit(self._fetchable or ""))
        for label in (self.caption, self.value, self.note):
            layout.addWidget(label)
        layout.addWidget(self.fetch_button, 0, Qt.AlignmentFlag.AlignLeft)
        layout.addStretch(1)
        self.rows: list[dict] = []
        self._fetchable: str | None = None

    def set_rows(self, model: str, rows: Sequence[dict], card: dict | None = None) -> None:
        """rows: the model's manifest entries as dicts (api `weights_for`), default first,
        each with `cached`; card: `api.published_card(...).to_json()` for the configuration shown,
        so the value is only ever a figure published for exactly it (else the nearest, named)."""
        self.rows = list(rows)
        figure_line = self._show_figure(card)
        default = next((r for r in rows if r["default"]), rows[0] if rows else None)
        self._fetchable = default["name"] if default is not None and not any(r["cached"] for r in rows) else None
        self.fetch_button.setVisible(self._fetchable is not None)
        if default is not None:
            self.fetch_button.setToolTip(f"Fetch {default['name']} from {source_text(default)} "
                                         f"({short_licence(default['licence'])}), sha256-checked, on the Weights page")
        if not rows:
            self.note.setText(" · ".join(filter(None, (
                figure_line, "no weights are registered: random weights, for latency only"))))
            self.setToolTip("")
            return
        parts = [figure_line] if figure_line else []
        for row in rows:
            short = row["name"].removeprefix(f"{model}.")
            colour = STATUS_COLOURS["cached"] if row["cached"] else theme.MUTED
            state = "in the cache" if row["cached"] else "not cached"
            parts.append(f"{html.escape(short)}: <span style='color:{colour}'>{state}</span>")
        real = "real weights in the cache" if any(r["cached"] for r in rows) else "random weights until fetched"
        origin = f"{real} · {html.escape(source_text(default))} · {html.escape(short_licence(default['licence']))}"
        lines = [parts[0], " · ".join(parts[1:])] if figure_line else [" · ".join(parts)]
        self.note.setText("<br>".join([*lines, origin]))
        self.setToolTip("\n".join(
            f"{r['name']}{' (default)' if r['default'] else ''}: {'cached' if r['cached'] else 'not cached'}; "
            f"{published_text(r['metrics'])} ({metrics_tooltip(r['metrics']) or 'no published metrics'})"
            for r in rows))

    def _show_figure(self, card: dict | None) -> str:
        """Set the value from the card; return the note's line that says whose figure it is."""
        figure = (card or {}).get("figure")
        if not figure:
            self.value.setText("none")
            return "nothing published for this model"
        text = figure_text(figure)
        if card["exact"]:
            self.value.setText(text)
            return f"exactly this configuration ({html.escape(figure['source'])})"
        self.value.setText("none for this configuration")
        return (f"nearest published: <b>{html.escape(text)}</b> at {html.escape(configuration_text(figure))} "
                f"({html.escape(figure['source'])})")


def figure_text(figure: dict) -> str:
    """{'metric': 'top-1', 'value': 67.668, 'unit': '%'} -> 'top-1 67.7 %'."""
    return f"{figure['metric']} {figure['value']:.1f}{' ' + figure['unit'] if figure['unit'] else ''}"


def configuration_text(figure: dict) -> str:
    options = f", {', '.join(figure['options'])}" if figure["options"] else ""
    return f"width {figure['width']:g}, {figure['resolution']} px{options}"
