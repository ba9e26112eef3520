"""How long the UI thread was ever busy: a 10 ms timer on the UI thread whose longest gap
between ticks (minus the interval) is the longest time the event loop could not react."""

from __future__ import annotations

import time

from PySide6.QtCore import QObject, Qt, QTimer

__all__ = ["StallMeter"]


class StallMeter(QObject):
    def __init__(self, interval_ms: int = 10, parent: QObject | None = None):
        super().__init__(parent)
        self.interval_ms = interval_ms
        self._timer = QTimer(self)
        self._timer.setTimerType(Qt.TimerType.PreciseTimer)
        self._timer.setInterval(interval_ms)
        self._timer.timeout.connect(self._tick)
        self._last: float | None = None
        self._started = 0.0
        self.max_gap_ms = 0.0
        self.ticks = 0
        self.long_gaps: list[tuple[float, float]] = []  # (seconds since start, gap ms) of gaps over LONG_MS

    LONG_MS = 30.0
    KEEP = 200  # long gaps remembered (the first ones; a count beyond that is enough)

    def start(self) -> None:
        """Start measuring afresh."""
        self.max_gap_ms, self.ticks, self._last = 0.0, 0, time.perf_counter()
        self._started = self._last
        self.long_gaps = []
        self._timer.start()

    def stop(self) -> None:
        self._timer.stop()
        self._last = None

    @property
    def active(self) -> bool:
        return self._timer.isActive()

    @property
    def stall_ms(self) -> float:
        """The longest gap beyond the timer's own interval (0 when the loop never lagged)."""
        return max(0.0, self.max_gap_ms - self.interval_ms)

    def _tick(self) -> None:
        now = time.perf_counter()
        if self._last is not None:
            gap = 1000 * (now - self._last)
            self.max_gap_ms = max(self.max_gap_ms, gap)
            if gap > self.LONG_MS and len(self.long_gaps) < self.KEEP:
                self.long_gaps.append((now - self._started, gap))
        self._last = now
        self.ticks += 1
