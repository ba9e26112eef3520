"""The UI stall meter: a deliberate 80 ms block of the event loop shows up as the longest stall
and as a remembered long gap; a free-running loop records none that long."""

from __future__ import annotations

import time

from PySide6.QtCore import QTimer

from gui.widgets.stall_meter import StallMeter


def test_a_blocked_event_loop_is_measured(qtbot):
    meter = StallMeter(interval_ms=10)
    meter.start()
    qtbot.waitUntil(lambda: meter.ticks >= 3, timeout=5000)  # free-running: ticks arrive
    QTimer.singleShot(0, lambda: time.sleep(0.08))  # the UI thread busy for 80 ms
    qtbot.waitUntil(lambda: meter.stall_ms >= 60, timeout=5000)
    meter.stop()
    assert 60 <= meter.stall_ms < 1000
    assert any(gap >= 70 for _, gap in meter.long_gaps)
    assert all(gap > StallMeter.LONG_MS for _, gap in meter.long_gaps)
    meter.start()  # a fresh measurement forgets the old gaps
    assert meter.long_gaps == [] and meter.stall_ms == 0.0
    meter.stop()
