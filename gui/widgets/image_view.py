"""An image scaled to fit its widget with its aspect ratio kept, centred, with a placeholder
line when empty. Takes plain RGB uint8 arrays, so any page (classify, detect, segment,
kernels) can show api output without converting it itself."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QRectF, QSize, Qt
from PySide6.QtGui import QColor, QImage, QPainter, QPaintEvent
from PySide6.QtWidgets import QSizePolicy, QWidget

from gui import theme

__all__ = ["ImageView", "to_qimage"]


def to_qimage(rgb: np.ndarray, *, bgr: bool = False) -> QImage:
    """A QImage owning a copy of an H×W×3 (RGB, or BGR with bgr=True) or H×W (grey) uint8
    array. BGR frames go in as they are (Qt's BGR888), with no channel swap on the UI thread."""
    array = np.ascontiguousarray(rgb)
    if array.dtype != np.uint8 or array.ndim not in (2, 3) or (array.ndim == 3 and array.shape[2] != 3):
        raise ValueError(f"expected an H×W×3 or H×W uint8 array, got {array.dtype} {array.shape}")
    height, width = array.shape[:2]
    colour = QImage.Format.Format_BGR888 if bgr else QImage.Format.Format_RGB888
    fmt = colour if array.ndim == 3 else QImage.Format.Format_Grayscale8
    return QImage(array.data, width, height, array.strides[0], fmt).copy()  # copy: own the pixels


class ImageView(QWidget):
    def __init__(self, placeholder: str = "No image", parent: QWidget | None = None):
        super().__init__(parent)
        self._image: QImage | None = None
        self._placeholder = placeholder
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setMinimumSize(160, 120)

    def set_image(self, rgb: np.ndarray | None) -> None:
        self._image = None if rgb is None else to_qimage(rgb)
        self.update()

    def set_bgr(self, bgr: np.ndarray) -> None:
        """Show an OpenCV (BGR) frame: the live views' 30 frames a second need no conversion."""
        self._image = to_qimage(bgr, bgr=True)
        self.update()

    def set_placeholder(self, text: str) -> None:
        self._placeholder = text
        self.update()

    def image(self) -> QImage | None:
        return self._image

    def sizeHint(self) -> QSize:
        return QSize(480, 360)

    def image_rect(self) -> QRectF:
        """Where the image is drawn: as large as fits, aspect ratio kept, centred."""
        if self._image is None or self._image.isNull():
            return QRectF()
        iw, ih = self._image.width(), self._image.height()
        scale = min(self.width() / iw, self.height() / ih)
        w, h = iw * scale, ih * scale
        return QRectF((self.width() - w) / 2, (self.height() - h) / 2, w, h)

    def paintEvent(self, _event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
        if self._image is None:
            painter.setPen(QColor(theme.MUTED))
            painter.drawText(self.rect(), Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap,
                             self._placeholder)
            return
        painter.drawImage(self.image_rect(), self._image)
