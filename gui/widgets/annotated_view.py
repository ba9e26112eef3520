"""A zoomable image with hoverable boxes (label, score, pixels) as Qt items, so a threshold
change restyles items instead of re-running a model. Knows nothing about tasks: pages hand it
plain boxes, RGB arrays (masks come drawn by the overlay renderer) and a function that
describes a pixel; the live view can reuse it as it is."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import cv2
import numpy as np
from PySide6.QtCore import QPointF, QRectF, Qt, Signal
from PySide6.QtGui import (
    QBrush, QColor, QFont, QFontMetricsF, QImage, QMouseEvent, QPainter, QPen, QPixmap, QResizeEvent, QWheelEvent,
)
from PySide6.QtWidgets import (
    QFrame, QGraphicsItem, QGraphicsPixmapItem, QGraphicsRectItem, QGraphicsScene, QGraphicsView,
    QStyleOptionGraphicsItem, QWidget,
)

from gui import theme
from gui.widgets.image_view import to_qimage

__all__ = ["AnnotatedView", "Box", "BoxItem", "DISPLAY_MAX", "display_size"]

ZOOM_STEP = 1.25
DISPLAY_MAX = 4096  # longer side of the pixmaps shown; bigger images are shown downscaled
MAX_ZOOM = 32.0  # × the fitted scale


@dataclass(frozen=True)
class Box:
    """One box to show: corners in image pixels, the text drawn on it, the hover details."""

    x1: float
    y1: float
    x2: float
    y2: float
    label: str  # drawn above the box, e.g. "person 0.91"
    details: str  # shown on hover, e.g. "person · score 0.912 · box 5,32 → 379,509 (374×478 px)"
    color: QColor


def display_size(height: int, width: int) -> tuple[int, int]:
    """(h, w) at which an image is shown: its own size up to DISPLAY_MAX on the longer side, so a
    10000×10000 photo costs a 4096² pixmap, not 400 MB of them; scene coordinates stay the
    image's own pixels either way."""
    scale = min(1.0, DISPLAY_MAX / max(height, width))
    return max(1, round(height * scale)), max(1, round(width * scale))


class _LabelItem(QGraphicsItem):
    """Text on a filled tab, the size of the screen font whatever the zoom."""

    def __init__(self, text: str, color: QColor, parent: QGraphicsItem):
        super().__init__(parent)
        self.setFlag(QGraphicsItem.GraphicsItemFlag.ItemIgnoresTransformations)
        self._text, self._color = text, color
        self._font = QFont()
        self._font.setPointSizeF(9.5)
        self._font.setWeight(QFont.Weight.DemiBold)
        metrics = QFontMetricsF(self._font)
        self._rect = QRectF(0, 0, metrics.horizontalAdvance(text) + 10, metrics.height() + 4)

    def boundingRect(self) -> QRectF:
        return self._rect

    def paint(self, painter: QPainter, _option: QStyleOptionGraphicsItem, _widget: QWidget | None = None) -> None:
        painter.fillRect(self._rect, self._color)
        painter.setFont(self._font)
        painter.setPen(QColor("black"))
        painter.drawText(self._rect, Qt.AlignmentFlag.AlignCenter, self._text)


class BoxItem(QGraphicsRectItem):
    """A detection box: outline in its class colour, a label tab on top, highlighted on hover."""

    def __init__(self, box: Box):
        super().__init__(QRectF(QPointF(box.x1, box.y1), QPointF(box.x2, box.y2)))
        self.box = box
        self.setToolTip(box.details)
        self.setAcceptHoverEvents(True)
        self._pen = QPen(box.color, 2.5)
        self._pen.setCosmetic(True)  # screen pixels: the outline stays thin when zoomed in
        self.setPen(self._pen)
        self.label_item = _LabelItem(box.label, box.color, self)
        # inside the top-left corner: never clipped by the image's edge, whatever the zoom
        self.label_item.setPos(box.x1, box.y1)
        self.set_highlighted(False)

    def set_highlighted(self, on: bool) -> None:
        fill = QColor(self.box.color)
        fill.setAlpha(60 if on else 0)
        self.setBrush(QBrush(fill))
        pen = QPen(self._pen)
        pen.setWidthF(4.0 if on else 2.5)
        self.setPen(pen)
        self.setZValue(2 if on else 1)

    def area(self) -> float:
        return max(0.0, self.rect().width()) * max(0.0, self.rect().height())


class AnnotatedView(QGraphicsView):
    """The image fitted to the widget until the user zooms (wheel; double-click fits again).
    Layers from bottom to top: the image, boxes.

    `hovered(text)` says what is under the cursor: the details of the smallest box there, else
    what `describe(x, y)` (image pixel coordinates) returns, else '' outside the image."""

    hovered = Signal(str)

    def __init__(self, placeholder: str = "No image", parent: QWidget | None = None):
        super().__init__(parent)
        self._scene = QGraphicsScene(self)
        self.setScene(self._scene)
        self.setRenderHints(QPainter.RenderHint.Antialiasing | QPainter.RenderHint.SmoothPixmapTransform)
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setBackgroundBrush(QColor(theme.SURFACE))
        self.setTransformationAnchor(QGraphicsView.ViewportAnchor.AnchorUnderMouse)
        self.setDragMode(QGraphicsView.DragMode.ScrollHandDrag)
        self.setMouseTracking(True)
        self.viewport().setMouseTracking(True)
        self._placeholder = placeholder
        self._image_item = QGraphicsPixmapItem()
        self._image_item.setTransformationMode(Qt.TransformationMode.SmoothTransformation)
        self._scene.addItem(self._image_item)
        self._boxes: list[BoxItem] = []
        self._hot: BoxItem | None = None
        self._fitted = True
        self._has_image = False
        self.describe: Callable[[int, int], str] | None = None
        self.last_hover = ""

    # content -------------------------------------------------------------------------------
    def set_image(self, rgb: np.ndarray | None, size: tuple[int, int] | None = None) -> None:
        """Show a new image (RGB uint8); keeps the zoom when the size is unchanged. size: the
        (height, width) in image pixels when `rgb` is a smaller rendering of it (e.g. drawn at
        `display_size`): scene coordinates stay the image's own pixels."""
        if rgb is None:
            self._image_item.setPixmap(QPixmap())
            self._has_image = False
            self.set_boxes([])
            self.viewport().update()
            return
        height, width = size or rgb.shape[:2]
        same_size = self._has_image and self._scene.sceneRect().size().toTuple() == (width, height)
        shown_h, shown_w = display_size(height, width)
        if rgb.shape[:2] != (shown_h, shown_w):
            rgb = cv2.resize(rgb, (shown_w, shown_h), interpolation=cv2.INTER_AREA)
        self._image_item.setPixmap(QPixmap.fromImage(to_qimage(rgb)))
        self._image_item.setScale(width / shown_w)
        self._has_image = True
        self._scene.setSceneRect(QRectF(0, 0, width, height))
        if not same_size:
            self.fit()

    def set_image_visible(self, visible: bool) -> None:
        self._image_item.setVisible(visible)

    def set_boxes(self, boxes: Sequence[Box]) -> None:
        """Replace the boxes; the best is expected last so it is drawn on top."""
        for item in self._boxes:
            self._scene.removeItem(item)
        self._hot = None
        self._boxes = [BoxItem(box) for box in boxes]
        for item in self._boxes:
            self._scene.addItem(item)

    def box_items(self) -> list[BoxItem]:
        return list(self._boxes)

    def has_image(self) -> bool:
        return self._has_image

    def render_image(self) -> QImage:
        """The composited layers at the image's own pixel size (what the user sees, unzoomed)."""
        rect = self._scene.sceneRect()
        image = QImage(int(rect.width()), int(rect.height()), QImage.Format.Format_RGB32)
        image.fill(QColor("black"))
        painter = QPainter(image)
        self._scene.render(painter, QRectF(image.rect()), rect)
        painter.end()
        return image

    def highlight(self, index: int | None) -> None:
        """Highlight box `index` (as given to set_boxes), e.g. from a selected table row."""
        self._set_hot(self._boxes[index] if index is not None and 0 <= index < len(self._boxes) else None)

    # zoom ----------------------------------------------------------------------------------
    def fit(self) -> None:
        if self._has_image:
            self.fitInView(self._scene.sceneRect(), Qt.AspectRatioMode.KeepAspectRatio)
        self._fitted = True

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        if self._fitted:
            self.fit()

    def wheelEvent(self, event: QWheelEvent) -> None:
        if not self._has_image or event.angleDelta().y() == 0:
            return
        factor = ZOOM_STEP if event.angleDelta().y() > 0 else 1 / ZOOM_STEP
        self.scale(factor, factor)
        fitted = min(self.viewport().width() / max(1.0, self._scene.sceneRect().width()),
                     self.viewport().height() / max(1.0, self._scene.sceneRect().height()))
        if self.transform().m11() <= fitted:
            self.fit()  # never smaller than fitted: there is nothing to see around the image
        else:
            self._fitted = False
            if self.transform().m11() > fitted * MAX_ZOOM:
                self.scale(1 / factor, 1 / factor)

    def mouseDoubleClickEvent(self, event: QMouseEvent) -> None:
        self.fit()
        super().mouseDoubleClickEvent(event)

    # hover ---------------------------------------------------------------------------------
    def describe_at(self, x: float, y: float) -> str:
        """What is at image pixel (x, y): the smallest box holding it, else `describe`."""
        if not self._has_image:
            return ""
        rect = self._scene.sceneRect()
        if not rect.contains(QPointF(x, y)):
            return ""
        box = self._box_at(QPointF(x, y))
        if box is not None:
            return box.box.details
        if self.describe is None:
            return f"pixel {int(x)}, {int(y)}"
        return self.describe(int(x), int(y))

    def _box_at(self, point: QPointF) -> BoxItem | None:
        inside = [item for item in self._boxes if item.rect().contains(point)]
        return min(inside, key=BoxItem.area) if inside else None

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        super().mouseMoveEvent(event)
        point = self.mapToScene(event.position().toPoint())
        self._set_hot(self._box_at(point) if self._has_image else None)
        text = self.describe_at(point.x(), point.y())
        if text != self.last_hover:
            self.last_hover = text
            self.hovered.emit(text)

    def leaveEvent(self, event) -> None:
        super().leaveEvent(event)
        self._set_hot(None)
        if self.last_hover:
            self.last_hover = ""
            self.hovered.emit("")

    def _set_hot(self, item: BoxItem | None) -> None:
        if item is self._hot:
            return
        if self._hot is not None:
            self._hot.set_highlighted(False)
        self._hot = item
        if item is not None:
            item.set_highlighted(True)

    def drawForeground(self, painter: QPainter, rect: QRectF) -> None:
        if self._has_image:
            return
        painter.save()
        painter.resetTransform()
        painter.setPen(QColor(theme.MUTED))
        painter.drawText(self.viewport().rect(), Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap,
                         self._placeholder)
        painter.restore()
