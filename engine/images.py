"""Reading still images into RGB uint8 arrays, with one-line errors for bad files."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np

from engine.errors import InvalidInput

READABLE = "JPEG, PNG, BMP, WebP, TIFF, PPM/PGM"
# what counts as an image in a folder (image sources, evaluation folders, the CLI)
IMAGE_SUFFIXES = {".jpg", ".jpeg", ".png", ".bmp", ".webp", ".tif", ".tiff", ".ppm", ".pgm", ".jpe"}


def decode_image(data: bytes, what: str = "image") -> np.ndarray:
    """H×W×3 RGB uint8 from encoded bytes. IMREAD_COLOR turns grayscale into 3 channels, drops
    alpha, scales 16-bit to 8-bit and applies the EXIF orientation."""
    if not data:
        raise InvalidInput(f"{what} is empty (0 bytes)")
    bgr = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR)
    if bgr is None:
        raise InvalidInput(f"{what} is not an image OpenCV can decode (readable: {READABLE})")
    return cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)


def read_image(path: str | Path) -> np.ndarray:
    """H×W×3 RGB uint8. Bytes are read by Python and decoded from memory, so paths that are
    not ASCII work on every OS (cv2.imread cannot open them on Windows)."""
    path = Path(path)
    if path.is_dir():
        raise InvalidInput(f"{path} is a directory, not an image file")
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise InvalidInput(f"{path} does not exist") from None
    except OSError as exc:
        raise InvalidInput(f"{path} cannot be read ({exc.strerror or type(exc).__name__})") from None
    return decode_image(data, str(path))
