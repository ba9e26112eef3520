"""to_qimage: RGB arrays, OpenCV's BGR frames (shown without a channel swap) and grey, each
pixel where it belongs, and the QImage owning its pixels."""

from __future__ import annotations

import numpy as np
import pytest

from gui.widgets.image_view import ImageView, to_qimage


def test_rgb_bgr_and_grey_pixels_land_where_they_belong(qapp):
    rgb = np.zeros((2, 3, 3), np.uint8)
    rgb[0, 0], rgb[1, 2] = (255, 10, 20), (5, 200, 90)
    for image in (to_qimage(rgb), to_qimage(np.ascontiguousarray(rgb[..., ::-1]), bgr=True)):
        assert (image.width(), image.height()) == (3, 2)
        assert image.pixelColor(0, 0).getRgb()[:3] == (255, 10, 20)
        assert image.pixelColor(2, 1).getRgb()[:3] == (5, 200, 90)
    grey = np.array([[0, 128], [255, 7]], np.uint8)
    assert to_qimage(grey).pixelColor(1, 0).getRgb()[:3] == (128, 128, 128)


def test_the_image_owns_its_pixels_and_bad_arrays_are_refused(qapp):
    frame = np.full((4, 4, 3), 50, np.uint8)
    view = ImageView()
    view.set_bgr(frame)
    frame[:] = 0  # the caller reuses its buffer: the view must not change
    assert view.image().pixelColor(1, 1).getRgb()[:3] == (50, 50, 50)
    with pytest.raises(ValueError, match="uint8"):
        to_qimage(np.zeros((4, 4, 3), np.float32))
    with pytest.raises(ValueError, match="H×W×3"):
        to_qimage(np.zeros((4, 4, 4), np.uint8))
