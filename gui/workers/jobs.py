"""One-shot engine calls off the UI thread, where only the newest request matters.

A page submits a callable; it runs on a private one-thread QThreadPool. While one job runs,
newer submissions wait in a single slot, each replacing the one before, so typing 0.5 -> 0.75
-> 1.0 quickly computes at most two configurations, and only the last result is delivered.
Engine errors (StudioError) arrive as their one-line message; anything else as the exception
type and message, with the traceback on stderr, so the window keeps working either way.
"""

from __future__ import annotations

import traceback
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal

from engine.api import StudioError

__all__ = ["LatestJobRunner"]


class _Relay(QObject):
    """Lives on the UI thread; the worker emits through it, so the slot runs on the UI thread."""

    done = Signal(int, bool, object)


@dataclass
class _Job:
    serial: int
    fn: Callable[[], Any]
    label: str


class _Runnable(QRunnable):
    def __init__(self, job: _Job, relay: _Relay):
        super().__init__()
        self.setAutoDelete(False)  # Python keeps the reference until `done` arrives
        self._job, self._relay = job, relay

    def run(self) -> None:
        try:
            result = self._job.fn()
        except StudioError as exc:
            self._relay.done.emit(self._job.serial, False, str(exc))
        except Exception as exc:  # a bug, not bad input: report it, keep the window alive
            traceback.print_exc()
            self._relay.done.emit(self._job.serial, False, f"{type(exc).__name__}: {exc}")
        else:
            self._relay.done.emit(self._job.serial, True, result)


class LatestJobRunner(QObject):
    """Runs submitted callables one at a time; a newer submission supersedes older ones.

    Signals: `succeeded(serial, result)`, `failed(serial, message)` for the newest job only;
    `busy_changed(busy, label)` when work starts or the queue drains.
    """

    succeeded = Signal(int, object)
    failed = Signal(int, str)
    busy_changed = Signal(bool, str)

    def __init__(self, parent: QObject | None = None):
        super().__init__(parent)
        self._pool = QThreadPool(self)
        self._pool.setMaxThreadCount(1)
        self._relay = _Relay(self)
        self._relay.done.connect(self._on_done)
        self._serial = 0
        self._running: _Runnable | None = None
        self._pending: _Job | None = None

    def submit(self, fn: Callable[[], Any], label: str = "") -> int:
        self._serial += 1
        job = _Job(self._serial, fn, label)
        if self._running is None:
            self._start(job)
        else:
            self._pending = job
            self.busy_changed.emit(True, label)
        return job.serial

    def is_busy(self) -> bool:
        return self._running is not None

    def latest_serial(self) -> int:
        return self._serial

    def wait(self, timeout_ms: int = -1) -> bool:
        """Block until the pool is idle (used on shutdown so no thread outlives the window)."""
        self._pending = None
        return self._pool.waitForDone(timeout_ms)

    def _start(self, job: _Job) -> None:
        self._running = _Runnable(job, self._relay)
        self.busy_changed.emit(True, job.label)
        self._pool.start(self._running)

    def _on_done(self, serial: int, ok: bool, payload: object) -> None:
        self._running = None
        if self._pending is not None:
            job, self._pending = self._pending, None
            self._start(job)  # this result is stale: the newer job replaces it
            return
        if serial == self._serial:
            if ok:
                self.succeeded.emit(serial, payload)
            else:
                self.failed.emit(serial, str(payload))
        self.busy_changed.emit(False, "")
