"""One long engine call off the UI thread, with determinate progress and a Cancel.

Unlike LatestJobRunner (where the newest request wins), a measurement is started on purpose and
runs to the end or until the user cancels: the job gets `progress(done, total)` and
`should_stop()` callbacks, the engine's convention (engine.profiling, sweeps). A cancelled job
ends with `cancelled`, never with an error, and the page keeps whatever it showed before."""

from __future__ import annotations

import threading
import traceback
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal

from engine.api import Cancelled, StudioError

__all__ = ["ProgressJob", "Work"]

Work = Callable[[Callable[[int, int], None], Callable[[], bool]], Any]


class _Relay(QObject):
    """Lives on the UI thread; signals emitted from the worker arrive there queued."""

    progress = Signal(int, int)
    done = Signal(str, object)  # "ok" | "failed" | "cancelled", payload


class _Runnable(QRunnable):
    def __init__(self, work: Work, relay: _Relay, stop: threading.Event):
        super().__init__()
        self.setAutoDelete(False)
        self._work, self._relay, self._stop = work, relay, stop

    def run(self) -> None:
        try:
            result = self._work(self._relay.progress.emit, self._stop.is_set)
        except Cancelled:
            self._relay.done.emit("cancelled", None)
        except StudioError as exc:
            self._relay.done.emit("cancelled" if self._stop.is_set() else "failed", str(exc))
        except Exception as exc:  # a bug, not bad input: report it, keep the window alive
            traceback.print_exc()
            self._relay.done.emit("failed", f"{type(exc).__name__}: {exc}")
        else:
            self._relay.done.emit("cancelled" if self._stop.is_set() else "ok", result)


class ProgressJob(QObject):
    """Signals: progress(done, total); succeeded(result); failed(message); cancelled();
    busy_changed(busy, label)."""

    progress = Signal(int, int)
    succeeded = Signal(object)
    failed = Signal(str)
    cancelled = Signal()
    busy_changed = Signal(bool, str)

    def __init__(self, parent: QObject | None = None):
        super().__init__(parent)
        self._pool = QThreadPool(self)
        self._pool.setMaxThreadCount(1)
        self._relay = _Relay(self)
        self._relay.progress.connect(self.progress)
        self._relay.done.connect(self._on_done)
        self._running: _Runnable | None = None
        self._stop = threading.Event()

    def start(self, work: Work, label: str = "") -> bool:
        """Run `work(progress, should_stop)`; False (and nothing started) while one is running."""
        if self._running is not None:
            return False
        self._stop = threading.Event()
        self._running = _Runnable(work, self._relay, self._stop)
        self.busy_changed.emit(True, label)
        self._pool.start(self._running)
        return True

    def cancel(self) -> None:
        """Ask the running job to stop at its next progress step."""
        self._stop.set()

    def is_busy(self) -> bool:
        return self._running is not None

    def is_cancelling(self) -> bool:
        return self._running is not None and self._stop.is_set()

    def wait(self, timeout_ms: int = -1) -> bool:
        """Cancel and block until the worker has returned (window closing)."""
        self.cancel()
        return self._pool.waitForDone(timeout_ms)

    def _on_done(self, outcome: str, payload: object) -> None:
        self._running = None
        if outcome == "ok":
            self.succeeded.emit(payload)
        elif outcome == "cancelled":
            self.cancelled.emit()
        else:
            self.failed.emit(str(payload))
        self.busy_changed.emit(False, "")
