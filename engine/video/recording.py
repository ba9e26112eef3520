"""Recording for the live pipeline: annotated frames into a writer (the atomic MP4 writer of
engine.video.files fits), one lane's or every lane's side by side. A writer that fails (a full
disk) ends the recording with a message; it never stops the worker that fed it. Snapshots
(`save_png`) are written whole or not at all."""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Protocol

import cv2
import numpy as np

from engine.errors import InvalidInput
from engine.files import write_bytes

__all__ = ["FrameWriter", "Recorder", "save_png"]


class FrameWriter(Protocol):
    """What recording needs of a writer."""

    def write(self, frame: np.ndarray) -> None: ...

    def close(self) -> None: ...

    def abort(self) -> None: ...


class Recorder:
    """One recording at a time; thread-safe (lane workers feed it, the display starts and
    stops it). `error` says why the last recording stopped by itself ('' if it did not)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._active: tuple[FrameWriter, int | None] | None = None
        self.error = ""

    def start(self, writer: FrameWriter, lane: int | None) -> None:
        """Record `lane`'s frames, or with lane=None every lane side by side (lane 0 sets the pace)."""
        with self._lock:
            if self._active is not None:
                raise InvalidInput("already recording; stop the current recording first")
            self._active, self.error = (writer, lane), ""

    def stop(self, commit: bool = True) -> None:
        """Close the writer (commit) or abort it; a recording with no frame leaves no file."""
        with self._lock:
            active, self._active = self._active, None
            if active is not None:
                empty = getattr(active[0], "frames", None) == 0  # nothing recorded: no file, no error
                (active[0].close if commit and not empty else active[0].abort)()

    @property
    def active(self) -> bool:
        return self._active is not None

    def feed(self, lane: int, annotated: np.ndarray, others: Callable[[], Sequence[np.ndarray | None]]) -> None:
        """A lane's newest annotated frame. Side by side, `others()` gives the other lanes'
        newest frames (None before their first): each fills its place, black until it has one."""
        with self._lock:
            if self._active is None:
                return
            writer, wanted = self._active
            if lane != (0 if wanted is None else wanted):  # side by side: lane 0's frames set the pace
                return
            try:
                writer.write(annotated if wanted is not None else side_by_side(annotated, others()))
            except Exception as exc:  # a full disk must not kill the worker: report and give up recording
                self.error = f"recording stopped: {exc}"
                self._active = None
                try:
                    writer.abort()
                except Exception:
                    pass


def side_by_side(first: np.ndarray, others: Sequence[np.ndarray | None]) -> np.ndarray:
    """`first` and the other lanes' frames in a row; a missing or differently sized one is black."""
    images = [first] + [image if image is not None and image.shape == first.shape else np.zeros_like(first)
                        for image in others]
    return images[0] if len(images) == 1 else np.hstack(images)


def save_png(image: np.ndarray, path: str | Path) -> Path:
    """Write a snapshot atomically (engine.files): never a half-written PNG."""
    path = Path(path)
    ok, data = cv2.imencode(".png", image)
    if not ok:
        raise InvalidInput(f"cannot encode a {image.dtype} {image.shape} image as PNG")
    write_bytes(path, data.tobytes())
    return path
