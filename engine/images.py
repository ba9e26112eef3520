"""Reading still images into RGB uint8 arrays, with one-line errors for bad files.

Bounded: only regular files up to MAX_IMAGE_BYTES are read, and the pixel count is taken from
the header (Pillow reads only the header until asked for pixels) and refused above the limit
before anything is decoded: a 300 KB PNG claiming 50000×50000 costs nothing, and a real
20000×20000 photo does not take 6 GB. MOBILENET_STUDIO_MAX_MEGAPIXELS sets the limit.
"""

from __future__ import annotations

import io
import os
import warnings
from pathlib import Path

import cv2
import numpy as np
from PIL import Image, UnidentifiedImageError

from engine.errors import InvalidInput
from engine.files import read_limited

MAX_IMAGE_BYTES = 512 * 1024 * 1024
DEFAULT_MAX_MEGAPIXELS = 100.0
MAX_PIXELS_ENV = "MOBILENET_STUDIO_MAX_MEGAPIXELS"


def max_pixels() -> int:
    """The pixel limit: MOBILENET_STUDIO_MAX_MEGAPIXELS (default 100) million pixels."""
    text = os.environ.get(MAX_PIXELS_ENV, "")
    try:
        mp = float(text) if text else DEFAULT_MAX_MEGAPIXELS
    except ValueError:
        mp = -1.0
    if not 0.01 <= mp <= 10_000:  # NaN fails too
        raise InvalidInput(f"{MAX_PIXELS_ENV}={text!r} is not valid; valid: megapixels from 0.01 to 10000")
    return int(mp * 1e6)


def header_size(data: bytes, what: str = "image") -> tuple[int, int] | None:
    """(width, height) from the header alone, or None when Pillow does not know the format."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", Image.DecompressionBombWarning)
        try:
            with Image.open(io.BytesIO(data)) as image:
                return image.size
        except Image.DecompressionBombError as exc:  # Pillow's own cap, far above ours by default
            pixels = str(exc).split("(")[1].split(" ")[0] if "(" in str(exc) else "?"
            raise InvalidInput(f"{what} has {pixels} pixels; the limit is {max_pixels() / 1e6:g} MP") from None
        except (UnidentifiedImageError, OSError, ValueError, SyntaxError):
            return None


def check_pixels(data: bytes, what: str) -> None:
    size = header_size(data, what)
    limit = max_pixels()
    if size is not None and size[0] * size[1] > limit:
        w, h = size
        raise InvalidInput(f"{what} is {w}×{h} ({w * h / 1e6:.0f} MP); the limit is {limit / 1e6:g} MP "
                           f"(set {MAX_PIXELS_ENV} to allow more)")

READABLE = "JPEG, PNG, BMP, WebP, TIFF, PPM/PGM"
# what counts as an image in a folder (image sources, evaluation folders, the CLI)
IMAGE_SUFFIXES = {".jpg", ".jpeg", ".png", ".bmp", ".webp", ".tif", ".tiff", ".ppm", ".pgm", ".jpe"}


def decode_image(data: bytes, what: str = "image") -> np.ndarray:
    """H×W×3 RGB uint8 from encoded bytes. IMREAD_COLOR turns grayscale into 3 channels, drops
    alpha, scales 16-bit to 8-bit and applies the EXIF orientation."""
    if not data:
        raise InvalidInput(f"{what} is empty (0 bytes)")
    check_pixels(data, what)
    try:
        bgr = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR)
    except cv2.error:  # a format Pillow does not read, over OpenCV's own pixel cap
        bgr = None
    if bgr is None:
        raise InvalidInput(f"{what} is not an image OpenCV can decode (readable: {READABLE})")
    return cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)


def read_image(path: str | Path) -> np.ndarray:
    """H×W×3 RGB uint8. Bytes are read by Python and decoded from memory, so paths that are
    not ASCII work on every OS (cv2.imread cannot open them on Windows)."""
    data = read_limited(path, what="an image file", max_bytes=MAX_IMAGE_BYTES)
    return decode_image(data, str(path))
