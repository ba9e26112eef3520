"""The one way the GUI runs engine work off the UI thread: `JobRunner`.

A page submits `work(job)`; it runs on the runner's private one-thread QThreadPool, and the
outcome comes back as a Qt signal on the UI thread. `job` carries the engine's own callbacks:
`job.progress(done, total)` and `job.should_stop()` for the functions that take `progress=` and
`should_stop=` (profiling, sweeps, kernels), and `job.report(message, done, total)` for the
weights fetcher, whose progress callback may raise `Cancelled`. The cancel convention is the
engine's: `cancel()` sets the job's stop flag, the engine sees it at its next check and raises
`Cancelled`, unwinding through its atomic writes; the runner then emits `cancelled`.

While a job runs, newer submissions wait in a single slot, each replacing the one before, so
typing 0.5 -> 0.75 -> 1.0 quickly computes at most two configurations and only the newest
result is delivered. Pages that must not queue (a measurement, a download) check `is_busy()`.
Engine errors (StudioError) arrive as their one-line message; anything else as the exception
type and message, with the traceback on stderr only, so the page shows one line and keeps working.
"""

from __future__ import annotations

import threading
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal

from engine.api import Cancelled, StudioError

__all__ = ["Job", "JobRunner", "Work"]


class _Relay(QObject):
    """Lives on the UI thread; the worker emits through it, so connected slots run on the UI
    thread (a slot connected with Qt.DirectConnection runs on the worker, before the next check)."""

    progress = Signal(int, object, object, str)  # serial, done, total (None: a status line), message
    partial = Signal(int, object)  # serial, a piece of the result that is ready early
    done = Signal(int, str, object)  # serial, "ok" | "failed" | "cancelled", result or message


@dataclass
class Job:
    """What `work` gets: this job's serial and the engine's progress and cancel callbacks."""

    serial: int
    fn: Callable[[Job], Any]
    label: str
    relay: _Relay
    stop: threading.Event = field(default_factory=threading.Event)

    def should_stop(self) -> bool:
        return self.stop.is_set()

    def progress(self, done: int, total: int) -> None:
        self.relay.progress.emit(self.serial, done, total, "")

    def report(self, message: str, done: int | None = None, total: int | None = None) -> None:
        """The weights fetcher's progress shape; raises Cancelled once cancel was asked."""
        self.relay.progress.emit(self.serial, done, total, message)
        if self.stop.is_set():
            raise Cancelled("cancelled by the user")

    def emit(self, payload: object) -> None:
        """Hand the page part of the result now (a sweep's stored row, a fresh listing)."""
        self.relay.partial.emit(self.serial, payload)


Work = Callable[[Job], Any]


class _Runnable(QRunnable):
    def __init__(self, job: Job):
        super().__init__()
        self.setAutoDelete(False)  # Python keeps the reference until `done` arrives
        self.job = job

    def run(self) -> None:
        job = self.job
        try:
            outcome, payload = "ok", job.fn(job)
        except Cancelled:
            outcome, payload = "cancelled", None
        except StudioError as exc:
            outcome, payload = ("cancelled" if job.stop.is_set() else "failed"), str(exc)
        except Exception as exc:  # a bug, not bad input: report it, keep the window alive
            traceback.print_exc()
            outcome, payload = "failed", f"{type(exc).__name__}: {exc}"
        job.relay.done.emit(job.serial, outcome, payload)


class JobRunner(QObject):
    """Runs submitted work one job at a time; a newer submission supersedes a waiting one.

    Signals (for the newest job only): `progress(done, total, message)`, `partial(serial, payload)`,
    `succeeded(serial, result)`, `failed(serial, message)`, `cancelled(serial)`;
    `busy_changed(busy, label)` when work starts or the queue drains.
    """

    progress = Signal(object, object, str)
    partial = Signal(int, object)
    succeeded = Signal(int, object)
    failed = Signal(int, str)
    cancelled = Signal(int)
    busy_changed = Signal(bool, str)

    def __init__(self, parent: QObject | None = None):
        super().__init__(parent)
        self._pool = QThreadPool(self)
        self._pool.setMaxThreadCount(1)
        self.relay = _Relay(self)
        self.relay.progress.connect(self._on_progress)
        self.relay.partial.connect(self._on_partial)
        self.relay.done.connect(self._on_done)
        self._serial = 0
        self._running: _Runnable | None = None
        self._pending: Job | None = None

    def submit(self, work: Work, label: str = "") -> int:
        """Run `work(job)` off the UI thread (after the running job, replacing any waiting one)."""
        self._serial += 1
        job = Job(self._serial, work, label, self.relay)
        if self._running is None:
            self._start(job)
        else:
            self._pending = job
            self.busy_changed.emit(True, label)
        return job.serial

    def cancel(self) -> None:
        """Ask the running job to stop at the engine's next check, and drop a waiting one.
        Only sets flags, so it may be called from any thread."""
        self._pending = None
        running = self._running
        if running is not None:
            running.job.stop.set()

    def is_busy(self) -> bool:
        return self._running is not None

    def is_cancelling(self) -> bool:
        running = self._running
        return running is not None and running.job.stop.is_set()

    def latest_serial(self) -> int:
        return self._serial

    def wait(self, timeout_ms: int = -1) -> bool:
        """Cancel and block until the worker has returned (the window closing)."""
        self.cancel()
        return self._pool.waitForDone(timeout_ms)

    def _start(self, job: Job) -> None:
        self._running = _Runnable(job)
        self.busy_changed.emit(True, job.label)
        self._pool.start(self._running)

    def _current(self, serial: int) -> bool:
        return self._pending is None and serial == self._serial

    def _on_progress(self, serial: int, done: object, total: object, message: str) -> None:
        if self._current(serial):
            self.progress.emit(done, total, message)

    def _on_partial(self, serial: int, payload: object) -> None:
        if self._current(serial):
            self.partial.emit(serial, payload)

    def _on_done(self, serial: int, outcome: str, payload: object) -> None:
        self._running = None
        if self._pending is not None:
            job, self._pending = self._pending, None
            self._start(job)  # this result is stale: the newer job replaces it
            return
        if serial == self._serial:
            if outcome == "ok":
                self.succeeded.emit(serial, payload)
            elif outcome == "cancelled":
                self.cancelled.emit(serial)
            else:
                self.failed.emit(serial, str(payload))
        if self._running is None:  # a slot above may have submitted the next job
            self.busy_changed.emit(False, "")
