"""The Live page's names from the engine's video package (through engine.api), and the source
picker's choice as a SourceSpec whose `open()` is slow (run it off the UI thread)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from engine import api
from engine.api import (  # noqa: F401  (re-exported for the Live page's modules)
    STAGES, DemoSource, FrameSource, ImageFolderSource, LaneStatus, LivePipeline, LiveResult, LiveStatus, SourceError,
    VideoFileSource, WebcamSource, save_png,
)

__all__ = ["SourceSpec", "LivePipeline", "LiveResult", "LiveStatus", "LaneStatus", "STAGES", "SourceError",
           "save_png"]

SOURCE_KINDS = ("demo", "webcam", "file", "folder")


@dataclass(frozen=True)
class SourceSpec:
    """What the source picker says; `open()` is slow for cameras (run it off the UI thread)."""

    kind: str  # one of SOURCE_KINDS
    camera: int = 0
    path: str = ""
    loop: bool = False
    demo_size: tuple[int, int] = (640, 480)
    backend: str = "any"  # OpenCV camera backend (api.CAMERA_BACKENDS)
    capture_size: tuple[int, int] | None = None  # asked of the camera; None = its default

    def open(self) -> FrameSource:
        if self.kind == "demo":
            return DemoSource(self.demo_size)
        if self.kind == "webcam":
            return WebcamSource(self.camera, backend=self.backend, size=self.capture_size)
        if not self.path:
            what = "video file" if self.kind == "file" else "image folder"
            raise SourceError(f"no {what} chosen; pick one with the “…” button, or use the demo clip")
        if self.kind == "file":
            return VideoFileSource(Path(self.path), loop=self.loop)
        if self.kind == "folder":
            return ImageFolderSource(Path(self.path), loop=self.loop)
        raise SourceError(f"unknown source kind {self.kind!r}; valid: {', '.join(SOURCE_KINDS)}")

    def describe(self) -> str:
        if self.kind == "demo":
            return "the demo clip"
        if self.kind == "webcam":
            size = f" at {self.capture_size[0]}×{self.capture_size[1]}" if self.capture_size else ""
            backend = f" ({self.backend})" if self.backend != "any" else ""
            return f"webcam {self.camera}{backend}{size}"
        return Path(self.path).name or self.path
