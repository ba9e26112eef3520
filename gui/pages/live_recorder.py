"""Snapshots and recordings of the Live page's lanes: the newest annotated frames side by side as
one PNG into `snapshot_dir`, or every frame as an MP4 into `record_dir`, written atomically.
The folders default to the desktop's Pictures and Movies (QStandardPaths), are created when
first needed (a fresh account has no ~/Pictures) and can be changed. Messages go out as
signals, so the page decides where they show (status bar, the controls' error line)."""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
from PySide6.QtCore import QObject, QStandardPaths, Signal
from PySide6.QtWidgets import QFileDialog, QWidget

from engine import api

__all__ = ["LiveRecorder"]


def default_folder(location: QStandardPaths.StandardLocation) -> str:
    """The desktop's folder for `location` (Pictures, Movies), or the home folder."""
    return QStandardPaths.writableLocation(location) or str(Path.home())


def _stamp() -> str:
    return time.strftime("%Y%m%d-%H%M%S") + f"-{int(time.time() * 1000) % 1000:03d}"


class LiveRecorder(QObject):
    message = Signal(str)  # a one-line status
    error = Signal(str)  # something the user must see (could not save)
    recording_changed = Signal(bool)

    def __init__(self, parent: QObject | None = None):
        super().__init__(parent)
        self.snapshot_dir = default_folder(QStandardPaths.StandardLocation.PicturesLocation)
        self.record_dir = default_folder(QStandardPaths.StandardLocation.MoviesLocation)
        self.last_saved: Path | None = None
        self._record_path: Path | None = None

    @property
    def save_dir(self) -> str:
        """The snapshot folder (setting it sets both folders: tests, a dropped folder)."""
        return self.snapshot_dir

    @save_dir.setter
    def save_dir(self, folder: str) -> None:
        self.snapshot_dir = self.record_dir = str(folder)

    def _folder(self, folder: str) -> Path | None:
        """`folder`, created if missing; None (and an error line) when it cannot be."""
        try:
            Path(folder).mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            self.error.emit(f"could not create the folder {folder}: {exc.strerror or exc}; "
                            "choose another with Folders…")
            return None
        return Path(folder)

    def snapshot(self, pipeline: api.LivePipeline | None, lanes: int) -> Path | None:
        """Save the lanes' newest annotated frames (side by side) as one PNG, atomically."""
        images = [] if pipeline is None else [pipeline.snapshot(i) for i in range(lanes)]
        images = [image for image in images if image is not None]
        if not images:
            self.message.emit("Nothing to snapshot yet: start the live view first")
            return None
        if len({image.shape[0] for image in images}) > 1:
            images = images[:1]
        folder = self._folder(self.snapshot_dir)
        if folder is None:
            return None
        try:
            path = api.save_png(np.hstack(images), folder / f"live-{_stamp()}.png")
        except (OSError, api.StudioError) as exc:
            self.error.emit(f"could not save the snapshot in {folder}: {exc}")
            return None
        self.last_saved = path
        self.message.emit(f"Snapshot saved to {path}")
        return path

    def toggle(self, pipeline: api.LivePipeline | None, lanes: int, fps: float) -> None:
        """Start recording what the lanes show (both side by side, as on screen), or stop."""
        if pipeline is not None and pipeline.recording:
            self.stop(pipeline)
            return
        latest = None if pipeline is None or not pipeline.running else pipeline.latest(0)
        if latest is None:
            self.message.emit("Nothing to record yet: start the live view first")
            return
        height, width = latest.annotated.shape[:2]
        folder = self._folder(self.record_dir)
        if folder is None:
            return
        path = folder / f"live-{_stamp()}.mp4"
        try:
            writer = api.AtomicVideoWriter(path, fps, (width * lanes, height))
            pipeline.start_recording(writer, lane=None if lanes > 1 else 0)
        except api.StudioError as exc:
            self.error.emit(str(exc))
            return
        self._record_path = path
        self.recording_changed.emit(True)
        what = "both lanes side by side" if lanes > 1 else "the live view"
        self.message.emit(f"Recording {what} to {path} (R stops)")

    def stop(self, pipeline: api.LivePipeline | None) -> None:
        """Finish a recording in progress (the file appears only now, complete)."""
        if pipeline is None or not pipeline.recording:
            return
        self.recording_changed.emit(False)
        try:
            pipeline.stop_recording()
        except (OSError, api.StudioError) as exc:
            self.error.emit(f"recording not saved: {exc}")
            return
        self.last_saved = self._record_path
        self.message.emit(f"Recording saved to {self._record_path}")

    def ask_folder(self, parent: QWidget, kind: str = "snapshot") -> None:
        """Let the user choose the snapshot ("snapshot") or the recording ("record") folder."""
        attr = "snapshot_dir" if kind == "snapshot" else "record_dir"
        what = "snapshots" if kind == "snapshot" else "recordings"
        folder = QFileDialog.getExistingDirectory(parent, f"Save {what} in", getattr(self, attr))
        if folder:
            setattr(self, attr, folder)
            self.message.emit(f"Live {what} go to {folder}")

    def save_settings(self, settings) -> None:
        settings.setValue("snapshot_dir", self.snapshot_dir)
        settings.setValue("record_dir", self.record_dir)

    def restore_settings(self, settings) -> None:
        """The remembered folders (they need not exist yet: they are created when first used)."""
        old = settings.value("save_dir")  # one folder for both, before they were separate
        self.snapshot_dir = str(settings.value("snapshot_dir") or old or self.snapshot_dir)
        self.record_dir = str(settings.value("record_dir") or old or self.record_dir)
