"""Frame sources for the live pipeline: webcam, video file, image folder and the built-in demo
clip, behind one small interface so the pipeline, the CLI and the GUI never care which it is.

`read()` returns a BGR uint8 frame, or None when there is none this time; `ended` then says
whether that None is the end of the stream (file over, folder done) or just "no frame yet" (a
camera warming up). Faults raise `SourceError` with a one-line message; opening a source
checks everything it can up front so a bad spec fails before any model loads.
"""

from __future__ import annotations

import contextlib
import time
from abc import ABC, abstractmethod
from collections.abc import Iterator
from dataclasses import KW_ONLY, dataclass
from enum import StrEnum
from pathlib import Path

import cv2
import numpy as np

from engine.errors import InvalidInput
from engine.images import IMAGE_SUFFIXES, read_image
from engine.video.demo import VIDEO_CREDIT, clip_length, demo_frame, demo_video

VALID_SPECS = "demo, webcam:N (camera index, e.g. webcam:0), a video file, or a folder of images"
BACKENDS = {"any": cv2.CAP_ANY, "v4l2": cv2.CAP_V4L2, "dshow": cv2.CAP_DSHOW, "msmf": cv2.CAP_MSMF,
            "avfoundation": cv2.CAP_AVFOUNDATION, "gstreamer": cv2.CAP_GSTREAMER, "ffmpeg": cv2.CAP_FFMPEG}


class SourceError(InvalidInput):
    """A source that cannot be opened or stopped working; the message says what to do instead."""


class FrameSource(ABC):
    """One stream of BGR frames. Not thread-safe: the pipeline's capture thread owns it."""

    name: str = "source"
    fps: float = 30.0  # nominal rate: the camera's, the file's, or the clip's
    size: tuple[int, int] | None = None  # (width, height) when known
    # True when read() returns at once (file, folder, demo): a live pipeline paces it at `fps`.
    # False for cameras, whose read() waits for the device's own clock.
    paced_by_caller: bool = True
    # True when close() from another thread makes a blocked read() return; the pipeline then
    # uses it to stop within its deadline. OpenCV captures are closed by their own thread only.
    close_unblocks: bool = False
    ended: bool = False

    @abstractmethod
    def read(self) -> np.ndarray | None:
        """The next frame, or None (see `ended`). Raises SourceError on a fault."""

    def close(self) -> None:
        """Release the device or file; reading after close ends the stream."""
        self.ended = True

    def __enter__(self) -> FrameSource:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.name}>"


@contextlib.contextmanager
def _quiet_opencv() -> Iterator[None]:
    """OpenCV prints a warning per backend it tries for a missing camera; we raise one clear
    error instead."""
    level = cv2.utils.logging.getLogLevel()
    cv2.utils.logging.setLogLevel(cv2.utils.logging.LOG_LEVEL_SILENT)
    try:
        yield
    finally:
        cv2.utils.logging.setLogLevel(level)


class WebcamSource(FrameSource):
    """A camera by index. Many cameras deliver nothing (or black frames) for a moment after
    opening: within `grace_s` those are "no frame yet", not the end of the stream."""

    paced_by_caller = False

    def __init__(self, index: int, backend: str | None = None, size: tuple[int, int] | None = None,
                 grace_s: float = 3.0):
        if backend is not None and backend not in BACKENDS:
            raise SourceError(f"unknown camera backend {backend!r}; valid: {', '.join(BACKENDS)}")
        self.name = f"webcam:{index}"
        with _quiet_opencv():
            self._cap = cv2.VideoCapture(index, BACKENDS[backend or "any"])
            if not self._cap.isOpened():
                self._cap.release()
                raise SourceError(f"no camera at index {index}; use the demo clip (--source demo) "
                                  f"or another index (webcam:0 is usually the built-in camera)")
            if size is not None:
                self._cap.set(cv2.CAP_PROP_FRAME_WIDTH, size[0])
                self._cap.set(cv2.CAP_PROP_FRAME_HEIGHT, size[1])
        fps = self._cap.get(cv2.CAP_PROP_FPS)
        self.fps = fps if 1 <= fps <= 240 else 30.0
        width, height = int(self._cap.get(cv2.CAP_PROP_FRAME_WIDTH)), int(self._cap.get(cv2.CAP_PROP_FRAME_HEIGHT))
        self.size = (width, height) if width and height else size
        self._grace = WarmUp(grace_s)

    def read(self) -> np.ndarray | None:
        if self.ended:
            return None
        with _quiet_opencv():
            ok, frame = self._cap.read()
        frame = frame if ok else None
        verdict = self._grace.check(frame)
        if verdict == "frame":
            self.size = (frame.shape[1], frame.shape[0])
            return frame
        if verdict == "dead":
            raise SourceError(f"{self.name} opened but delivered no frame in {self._grace.grace_s:g} s; "
                              f"is another program using it? The demo clip (--source demo) needs no camera")
        return None  # warming up, or a dropped read: the pipeline's stall watch reports long gaps

    def close(self) -> None:
        super().close()
        self._cap.release()


class WarmUp:
    """Tells a camera's warm-up (no frame or a black frame shortly after opening) from a camera
    that never delivers. Kept apart from WebcamSource so it is testable without a camera."""

    def __init__(self, grace_s: float, clock=time.monotonic):
        self.grace_s, self._clock = grace_s, clock
        self._opened = clock()
        self.delivered = False

    def check(self, frame: np.ndarray | None) -> str:
        """'frame' (use it), 'skip' (no frame yet), or 'dead' (nothing within the grace period)."""
        empty = frame is None or frame.size == 0
        if not empty and not self.delivered and not frame.any():
            empty = self._clock() - self._opened < self.grace_s  # black warm-up frames: skip them
        if not empty:
            self.delivered = True
            return "frame"
        if not self.delivered and self._clock() - self._opened >= self.grace_s:
            return "dead"
        return "skip"


class VideoFileSource(FrameSource):
    """A video file through OpenCV; `loop` restarts it at the end instead of ending."""

    def __init__(self, path: str | Path, loop: bool = False):
        path = Path(path)
        self.name, self.loop = str(path), loop
        if not path.is_file():
            raise SourceError(f"no such video file: {path}")
        with _quiet_opencv():
            self._cap = cv2.VideoCapture(str(path))
            first = self._cap.read()[1] if self._cap.isOpened() else None
        if first is None or first.size == 0:
            self._cap.release()
            raise SourceError(f"cannot decode video {path}: not a video OpenCV can read, or corrupt")
        fps = self._cap.get(cv2.CAP_PROP_FPS)
        self.fps = fps if 1 <= fps <= 240 else 30.0
        self.size = (first.shape[1], first.shape[0])
        self._pending: np.ndarray | None = first
        self.frames_read = 0

    def read(self) -> np.ndarray | None:
        if self.ended:
            return None
        frame, self._pending = self._pending, None
        if frame is None:
            with _quiet_opencv():
                ok, frame = self._cap.read()
            if not ok or frame is None:
                if not self.loop or self.frames_read == 0:
                    self.ended = True
                    return None
                self._cap.set(cv2.CAP_PROP_POS_FRAMES, 0)
                with _quiet_opencv():
                    ok, frame = self._cap.read()
                if not ok or frame is None:
                    raise SourceError(f"cannot rewind video {self.name} to loop it")
        self.frames_read += 1
        return frame

    def close(self) -> None:
        super().close()
        self._cap.release()


class ImageFolderSource(FrameSource):
    """The images of a folder in name order, one per frame; `loop` starts over at the end."""

    def __init__(self, folder: str | Path, loop: bool = False, fps: float = 5.0):
        folder = Path(folder)
        self.name, self.loop, self.fps = str(folder), loop, fps
        if not folder.is_dir():
            raise SourceError(f"no such folder: {folder}")
        self.files = sorted(p for p in folder.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES and p.is_file())
        if not self.files:
            raise SourceError(f"no images in {folder}; valid image types: {', '.join(sorted(IMAGE_SUFFIXES))}")
        self._next = 0

    def read(self) -> np.ndarray | None:
        if self._next >= len(self.files):
            if not self.loop:
                self.ended = True
            self._next = 0
        if self.ended:
            return None
        path = self.files[self._next]
        self._next += 1
        try:  # bounded like every image the app reads: regular file, size and pixel limits
            frame = cv2.cvtColor(read_image(path), cv2.COLOR_RGB2BGR)
        except InvalidInput as exc:
            raise SourceError(f"cannot read image {path}: {exc}") from None
        self.size = (frame.shape[1], frame.shape[0])
        return frame


class DemoSource(FrameSource):
    """The built-in demo clip (engine.video.demo): loops forever unless `loop=False`."""

    def __init__(self, size: tuple[int, int] = (640, 480), fps: float = 30.0, loop: bool = True):
        if not (16 <= size[0] <= 4096 and 16 <= size[1] <= 4096):
            raise SourceError(f"demo size {size[0]}x{size[1]} is out of range; valid: 16 to 4096 pixels a side")
        if not 1 <= fps <= 240:
            raise SourceError(f"demo fps {fps:g} is out of range; valid: 1 to 240")
        self.name, self.size, self.fps, self.loop = "demo", tuple(size), float(fps), loop
        self.frame_number = 0

    def read(self) -> np.ndarray | None:
        if self.ended or (not self.loop and self.frame_number >= clip_length(self.fps)):
            self.ended = True
            return None
        frame = demo_frame(self.frame_number, self.size, self.fps)
        self.frame_number += 1
        return frame


class DemoVideoSource(VideoFileSource):
    """The demo video, looping, named with its credit."""

    def __init__(self, path: str | Path):
        super().__init__(path, loop=True)
        self.name = f"demo video ({VIDEO_CREDIT})"


def open_demo(size: tuple[int, int] = (640, 480), fps: float = 30.0) -> FrameSource:
    """The demo video when the cache holds one OpenCV decodes, else the slideshow, whose name
    says why it is showing (one line, e.g. how to fetch the video)."""
    path, why = demo_video()
    if path is not None:
        try:
            return DemoVideoSource(path)
        except SourceError as exc:
            why = f"{exc}; showing the slideshow"
    slideshow = DemoSource(size, fps)
    slideshow.name = f"demo slideshow ({why})"
    return slideshow


class SourceKind(StrEnum):
    DEMO = "demo"
    WEBCAM = "webcam"
    FILE = "file"
    FOLDER = "folder"


@dataclass(frozen=True)
class SourceSpec:
    """What to open, as plain data (the GUI's source picker and the CLI's --source both make
    one); `open()` is the one factory of frame sources, slow for cameras (run it off a UI
    thread)."""

    kind: SourceKind
    _: KW_ONLY
    camera: int = 0
    path: str = ""
    loop: bool = False
    demo_size: tuple[int, int] = (640, 480)
    backend: str = "any"  # OpenCV camera backend, a key of BACKENDS
    capture_size: tuple[int, int] | None = None  # asked of the camera; None = its default

    def __post_init__(self) -> None:
        if self.kind not in tuple(SourceKind):
            raise SourceError(f"unknown source kind {self.kind!r}; valid: {', '.join(SourceKind)}")
        object.__setattr__(self, "kind", SourceKind(self.kind))

    @classmethod
    def parse(cls, text: str, *, loop: bool = False, size: tuple[int, int] | None = None,
              backend: str | None = None) -> SourceSpec:
        """"demo", "webcam" / "webcam:N", a video file or an image folder; `size` is the demo
        clip's frame size or the capture size asked of a camera."""
        text = text.strip()
        if text == "demo":
            return cls(SourceKind.DEMO, demo_size=size or (640, 480))
        if text == "webcam" or text.startswith("webcam:"):
            index = text.partition(":")[2] or "0"
            if not index.isdigit():
                raise SourceError(f"bad camera index in {text!r}; valid sources: {VALID_SPECS}")
            return cls(SourceKind.WEBCAM, camera=int(index), backend=backend or "any", capture_size=size)
        path = Path(text).expanduser()
        if path.is_dir():
            return cls(SourceKind.FOLDER, path=str(path), loop=loop)
        if path.is_file():
            return cls(SourceKind.FILE, path=str(path), loop=loop)
        raise SourceError(f"no such file or folder {text!r}; valid sources: {VALID_SPECS}")

    def open(self) -> FrameSource:
        if self.kind == SourceKind.DEMO:
            return open_demo(self.demo_size)
        if self.kind == SourceKind.WEBCAM:
            return WebcamSource(self.camera, backend=self.backend, size=self.capture_size)
        if not self.path:
            what = "video file" if self.kind == SourceKind.FILE else "image folder"
            raise SourceError(f"no {what} chosen; pick one, or use the demo clip")
        if self.kind == SourceKind.FILE:
            return VideoFileSource(Path(self.path), loop=self.loop)
        return ImageFolderSource(Path(self.path), loop=self.loop)

    def describe(self) -> str:
        if self.kind == SourceKind.DEMO:
            return "the demo video" if demo_video(verify=False)[0] is not None else "the demo slideshow"
        if self.kind == SourceKind.WEBCAM:
            size = f" at {self.capture_size[0]}×{self.capture_size[1]}" if self.capture_size else ""
            backend = f" ({self.backend})" if self.backend != "any" else ""
            return f"webcam {self.camera}{backend}{size}"
        return Path(self.path).name or self.path


def open_source(spec: str, *, loop: bool = False, size: tuple[int, int] | None = None,
                backend: str | None = None) -> FrameSource:
    """A source from a spec: "demo", "webcam" / "webcam:N", a video file, or an image folder."""
    return SourceSpec.parse(spec, loop=loop, size=size, backend=backend).open()
