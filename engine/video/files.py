"""Video and image files for the task commands: open a video with one-line errors and iterate its
BGR frames; write an MP4 or an annotated image atomically (a temporary file in the target's
folder, moved into place only when everything was written), so an error or Ctrl-C never leaves
a partial file behind.
"""

from __future__ import annotations

import os

# FFmpeg prints its own complaints ("moov atom not found") straight to stderr; our errors are
# one line. Read once when the first capture opens, so it is set before cv2 is used for video.
os.environ.setdefault("OPENCV_FFMPEG_LOGLEVEL", "-8")  # AV_LOG_QUIET; set it to 24 to see them

from collections.abc import Iterator  # noqa: E402
from pathlib import Path  # noqa: E402

import cv2  # noqa: E402
import numpy as np  # noqa: E402

from engine.errors import InvalidInput  # noqa: E402
from engine.files import (  # noqa: E402
    check_output, check_regular, clean_stale, discard, publish, temp_beside, write_bytes,
)

VIDEO_SUFFIXES = (".mp4", ".avi", ".mov", ".mkv", ".webm", ".m4v", ".mpg", ".mpeg", ".wmv", ".gif")
VIDEO_OUT_SUFFIXES = (".mp4",)
IMAGE_OUT_SUFFIXES = (".png", ".jpg", ".jpeg", ".bmp", ".webp", ".tif", ".tiff")
DEFAULT_FPS = 25.0  # when a file does not say (some streams report 0)


def check_file(path: str | Path, what: str = "file") -> Path:
    """The path, if it names a non-empty, readable regular file (not a pipe or a device, which
    OpenCV would wait on forever); else InvalidInput saying what is wrong."""
    path = Path(path)
    if check_regular(path, what=f"a {what}") == 0:
        raise InvalidInput(f"{path} is empty (0 bytes)")
    if not os.access(path, os.R_OK):
        raise InvalidInput(f"{path} cannot be read (permission denied)")
    return path


class VideoFile:
    """An open video file: `fps`, `frame_count` (None when the container does not say),
    `size` (width, height); iterating yields H×W×3 uint8 BGR frames once."""

    def __init__(self, path: Path, capture: cv2.VideoCapture, first: np.ndarray):
        self.path = path
        self._capture = capture
        self._first: np.ndarray | None = first
        fps = capture.get(cv2.CAP_PROP_FPS)
        self.fps = float(fps) if fps and np.isfinite(fps) and 0 < fps < 1000 else DEFAULT_FPS
        count = int(capture.get(cv2.CAP_PROP_FRAME_COUNT) or 0)
        self.frame_count: int | None = count if count > 0 else None
        self.size = (first.shape[1], first.shape[0])

    def __iter__(self) -> Iterator[np.ndarray]:
        if self._first is not None:
            first, self._first = self._first, None
            yield first
        while self._capture.isOpened():
            ok, frame = self._capture.read()
            if not ok or frame is None:
                break
            yield frame

    def close(self) -> None:
        self._capture.release()

    def __enter__(self) -> VideoFile:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def open_video(path: str | Path) -> VideoFile:
    """Open a video file; a missing, empty, unreadable or undecodable file raises InvalidInput."""
    path = check_file(path, "video file")
    level = cv2.utils.logging.getLogLevel()
    cv2.utils.logging.setLogLevel(cv2.utils.logging.LOG_LEVEL_ERROR)  # no "[ WARN ] can't capture" line
    try:
        capture = cv2.VideoCapture(str(path), cv2.CAP_FFMPEG)
    finally:
        cv2.utils.logging.setLogLevel(level)
    if not capture.isOpened():
        capture.release()
        raise InvalidInput(f"{path} is not a video OpenCV can read (corrupt, or not one of "
                           f"{', '.join(s[1:].upper() for s in VIDEO_SUFFIXES)})")
    ok, first = capture.read()
    if not ok or first is None:
        capture.release()
        raise InvalidInput(f"{path} has no frame OpenCV can decode (corrupt, or an unsupported codec)")
    if first.ndim == 2:
        first = cv2.cvtColor(first, cv2.COLOR_GRAY2BGR)
    return VideoFile(path, capture, first)


def check_out(path: str | Path, suffixes: tuple[str, ...], what: str) -> Path:
    """An --out path that can be written (engine.files.check_output), checked before any work."""
    return check_output(path, option="--out", suffixes=suffixes, what=what)


def write_image(path: str | Path, image_bgr: np.ndarray) -> Path:
    """Encode by the extension (PNG, JPEG, ...) and move into place atomically."""
    path = check_out(path, IMAGE_OUT_SUFFIXES, "an image")
    ok, encoded = cv2.imencode(path.suffix.lower(), image_bgr)
    if not ok:
        raise InvalidInput(f"--out {path}: OpenCV could not encode a {image_bgr.shape} image as {path.suffix}")
    try:
        return write_bytes(path, encoded.tobytes())
    except OSError as exc:
        raise InvalidInput(f"--out {path}: cannot write ({exc.strerror or type(exc).__name__})") from None


class AtomicVideoWriter:
    """An MP4 ('mp4v') written to a temporary file beside `path` and moved onto it by `close()`.
    Used as a context manager, any exception (KeyboardInterrupt included) deletes the temporary
    file instead; `cancel()` does the same on purpose."""

    def __init__(self, path: str | Path, fps: float, size: tuple[int, int]):
        self.path = check_out(path, VIDEO_OUT_SUFFIXES, "a video")
        self.size = (int(size[0]), int(size[1]))
        self.frames = 0
        clean_stale(self.path.parent)  # what a killed run left
        self._tmp = temp_beside(self.path)  # the container follows the suffix, which the temporary keeps
        self._writer = cv2.VideoWriter(str(self._tmp), cv2.VideoWriter_fourcc(*"mp4v"), float(fps), self.size)
        if not self._writer.isOpened():
            self.cancel()
            raise InvalidInput(f"--out {self.path}: OpenCV cannot write an MP4 of {self.size[0]}×{self.size[1]} "
                               f"at {fps:g} fps here")

    def write(self, frame_bgr: np.ndarray) -> None:
        if (frame_bgr.shape[1], frame_bgr.shape[0]) != self.size or frame_bgr.ndim != 3:
            raise InvalidInput(f"frame of shape {frame_bgr.shape} does not fit a {self.size[0]}×{self.size[1]} video")
        self._writer.write(np.ascontiguousarray(frame_bgr))
        self.frames += 1

    def close(self) -> Path:
        self._writer.release()
        if self.frames == 0:
            self.cancel()
            raise InvalidInput(f"--out {self.path}: no frames to write")
        try:
            publish(self._tmp, self.path)
        finally:
            discard(self._tmp)
        return self.path

    def cancel(self) -> None:
        writer = getattr(self, "_writer", None)
        if writer is not None:
            writer.release()
        discard(self._tmp)

    abort = cancel  # the live pipeline's recorder interface: write / close / abort

    def __enter__(self) -> AtomicVideoWriter:
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        if exc_type is None:
            self.close()
        else:
            self.cancel()
