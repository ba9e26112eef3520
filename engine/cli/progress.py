"""The CLI's one progress display, on stderr so `--json` output on stdout stays one document.

It takes the engine's progress convention: `progress(message)` is a status line, and
`progress(message, done, total)` counts a stream (bytes, frames, images, runs). On a terminal
each stream is a tqdm bar (rate and time left included); elsewhere (logs, CI, pipes) a stream
prints only its finished line, so logs stay short.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable

from tqdm import tqdm

FINAL = "{desc}: %s in {elapsed} ({rate_fmt})"  # %s: the amount, counted or in bytes


class StderrProgress:
    """unit names what a stream counts; bytes are shown scaled (kB, MB)."""

    def __init__(self, unit: str = "B", stream=None):
        self.stream = stream or sys.stderr
        self.tty = hasattr(self.stream, "isatty") and self.stream.isatty()
        self.unit, self.scale = unit, unit == "B"
        self._bar: tqdm | None = None
        self._stream: tuple[str, int, int | None, float] | None = None  # message, done, total, start
        self._last_status: str | None = None

    def __call__(self, message: str, done: int | None = None, total: int | None = None) -> None:
        if done is None:
            self.finish()
            if message != self._last_status:  # heartbeats repeat their message
                print(message, file=self.stream, flush=True)
            self._last_status = message
            return
        if self._stream is None or self._stream[0] != message:
            self.finish()
            self._stream = (message, 0, total, time.monotonic())
            if self.tty:
                self._bar = tqdm(total=total, desc=message, unit=self.unit, unit_scale=self.scale,
                                 file=self.stream, dynamic_ncols=True)
        self._stream = (message, done, total, self._stream[3])
        if self._bar is not None:
            self._bar.total = total
            self._bar.update(done - self._bar.n)
        if total and done >= total:
            self.finish()

    def counter(self, message: str) -> Callable[[int, int], None]:
        """A `(done, total)` callback (profiling, sweeps, evaluation) counting under `message`."""
        return lambda done, total: self(message, done, total)

    def note(self, text: str) -> None:
        """Text shown after the bar (e.g. the last configuration measured); off a terminal, none."""
        if self._bar is not None:
            self._bar.set_postfix_str(text, refresh=False)

    def finish(self) -> None:
        """Ends the open stream (needed when its total was unknown or never reached)."""
        if self._stream is None:
            return
        message, done, total, start = self._stream
        self._stream = None
        if self._bar is not None:
            self._bar.close()
            self._bar = None
            return
        amount = ("{n_fmt}B/{total_fmt}B" if self.scale else "{n_fmt}/{total_fmt} {unit}") if total else (
            "{n_fmt}B" if self.scale else "{n_fmt} {unit}")
        line = tqdm.format_meter(done, total, time.monotonic() - start, prefix=message, unit=self.unit,
                                 unit_scale=self.scale, bar_format=FINAL % amount)
        print(line, file=self.stream, flush=True)
