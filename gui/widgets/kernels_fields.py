"""Pictures of one symmetric-convolution run: the operator (amplitude and phase), the velocity
model that chose the operators, and the input and output wavefields. One pyqtgraph ImageItem
per picture, square pixels, each with a colour bar that reads its values, and the value under
the cursor shown below the grid. Three columns when there is room; in a narrow panel (the Kernels
page at 1280 px) two, so no picture is cut off at the panel's edge."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QPointF
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from gui import theme

__all__ = ["FieldImages", "GRIDS", "PANELS", "WIDE_PX"]

# panel id -> (title, colour map)
PANELS = {
    "amplitude": ("Operator |w|", "viridis"),
    "phase": ("Operator phase (rad)", "CET-C1"),
    "velocity": ("Velocity (m/s)", "plasma"),
    "input": ("Input Re P", "CET-D1"),
    "output": ("Output Re P′", "CET-D1"),
}
# columns -> panel -> (row, column): the operator on top, velocity and wavefields below; in two
# columns the input and output wavefields stay side by side
GRIDS = {
    3: {"amplitude": (0, 0), "phase": (0, 1), "velocity": (1, 0), "input": (1, 1), "output": (1, 2)},
    2: {"amplitude": (0, 0), "phase": (0, 1), "velocity": (1, 0), "input": (2, 0), "output": (2, 1)},
}
WIDE_PX = 640  # below this the view cannot hold three pictures with their colour bars and axes


class FieldImages(QWidget):
    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.view = pg.GraphicsLayoutWidget()
        self.view.setBackground(theme.SURFACE)
        self.view.setMinimumSize(300, 240)
        self.images: dict[str, pg.ImageItem] = {}
        self.colour_bars: dict[str, pg.ColorBarItem] = {}
        self.plots: dict[str, pg.PlotItem] = {}
        self.columns = 3
        self._boxes: dict[str, pg.ViewBox] = {}
        self._arrays: dict[str, np.ndarray] = {}
        for panel, (title, cmap) in PANELS.items():
            row, col = GRIDS[self.columns][panel]
            plot = self.view.addPlot(row=row, col=col)
            self.plots[panel] = plot
            plot.setTitle(title, color=theme.TEXT, size="9pt")
            plot.setMenuEnabled(False)
            plot.hideButtons()
            plot.setAspectLocked(True)
            plot.invertY(True)
            for side in ("left", "bottom"):
                plot.getAxis(side).setTextPen(pg.mkPen(theme.MUTED))
                plot.getAxis(side).setPen(pg.mkPen(theme.BORDER))
            image = pg.ImageItem(axisOrder="row-major")
            image.setColorMap(pg.colormap.get(cmap))
            plot.addItem(image)
            bar = pg.ColorBarItem(colorMap=pg.colormap.get(cmap), interactive=False, width=12, rounding=1e-6,
                                  pen=pg.mkPen(theme.BORDER))
            bar.axis.setTextPen(pg.mkPen(theme.MUTED))
            bar.setImageItem(image, insert_in=plot)  # the bar sets the image's levels and colours
            self.images[panel] = image
            self.colour_bars[panel] = bar
            self._boxes[panel] = plot.getViewBox()
        self._stretch()
        self.caption = QLabel("")
        self.caption.setObjectName("cardNote")
        self.caption.setWordWrap(True)
        self.hover = QLabel(" ")
        self.hover.setObjectName("cardNote")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(4)
        layout.addWidget(self.view, 1)
        layout.addWidget(self.caption)
        layout.addWidget(self.hover)
        self.view.scene().sigMouseMoved.connect(self._on_mouse_moved)

    def set_fields(self, velocity: np.ndarray, operator: np.ndarray, operator_velocity: float,
                   data: np.ndarray, output: np.ndarray) -> None:
        self._arrays = {
            "amplitude": np.abs(operator), "phase": np.angle(operator), "velocity": velocity,
            "input": data.real, "output": output.real,
        }
        for panel, array in self._arrays.items():
            array = np.asarray(array, dtype=np.float32)
            if panel in ("input", "output"):  # symmetric range around 0 for a diverging map
                lim = float(np.abs(array).max()) or 1.0
                levels = (-lim, lim)
            elif panel == "phase":
                levels = (-np.pi, np.pi)
            else:
                lo, hi = float(array.min()), float(array.max())
                levels = (lo, hi if hi > lo else lo + 1.0)
            self.images[panel].setImage(array, levels=levels)
            self.colour_bars[panel].setLevels(levels)
            self._boxes[panel].autoRange(padding=0.02)
        oply, oplx = operator.shape
        self.caption.setText(f"Operator {oply}×{oplx} (as applied, conjugated) for c = "
                             f"{operator_velocity:.0f} m/s at the grid centre · wavefields "
                             f"{data.shape[0]}×{data.shape[1]}, output = float64 reference")

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802 (Qt's name)
        super().resizeEvent(event)
        self.arrange(3 if event.size().width() >= WIDE_PX else 2)

    def arrange(self, columns: int) -> None:
        """Lay the pictures out in `columns` columns (GRIDS), each with its colour bar."""
        if columns == self.columns:
            return
        self.columns = columns
        for plot in self.plots.values():
            self.view.ci.removeItem(plot)
        for panel, plot in self.plots.items():
            row, col = GRIDS[columns][panel]
            self.view.ci.addItem(plot, row=row, col=col)
        self._stretch()

    def _stretch(self) -> None:
        grid = self.view.ci.layout
        rows = 1 + max(r for r, _c in GRIDS[self.columns].values())
        for k in range(3):
            grid.setColumnStretchFactor(k, 1 if k < self.columns else 0)
            grid.setRowStretchFactor(k, 1 if k < rows else 0)

    def has_images(self) -> bool:
        return bool(self._arrays)

    def array(self, panel: str) -> np.ndarray:
        return self._arrays[panel]

    def _on_mouse_moved(self, pos: QPointF) -> None:
        for panel, box in self._boxes.items():
            if panel in self._arrays and box.sceneBoundingRect().contains(pos):
                point = box.mapSceneToView(pos)
                row, col = int(np.floor(point.y())), int(np.floor(point.x()))
                array = self._arrays[panel]
                if 0 <= row < array.shape[0] and 0 <= col < array.shape[1]:
                    self.hover.setText(f"{PANELS[panel][0]} at row {row}, column {col}: {array[row, col]:.4g}")
                    return
        self.hover.setText(" ")
