"""A one-slot "latest wins" mailbox: the only way frames and results travel between the live
pipeline's threads. A new item replaces an untaken one (counted as dropped) instead of queueing
behind it, so however slow the consumer is, at most one item waits and memory stays flat.

Counting (all under one lock, so `stats()` is an exact snapshot):

    put == replaced + taken + pending + discarded      pending ∈ {0, 1}
    taken == done + in_progress                        (in_progress: taken, `done()` not yet called)

A consumer that takes an item calls `done()` when it has finished with it; the pipeline reports
`dropped = replaced + discarded` and `inferred = done`, which gives
`captured - inferred - dropped = pending + in_progress`, at most 2 (0 once stopped and drained).

A producer that must not drop (pace max) waits for the slot to be ready before its next put:
empty, and not held. A consumer that takes with `hold=True` holds the producer back until it
calls `release()` (or `done()`): the live detector lane holds while its network runs, so the
next frame is preprocessed beside its postprocessing, not on the cores the network is using
(issue 16: that contention cost 8-9 % of the network's speed on 2 cores).
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from typing import Generic, TypeVar

T = TypeVar("T")


@dataclass(frozen=True, kw_only=True)
class MailboxStats:
    put: int
    replaced: int  # overwritten before anyone took them
    discarded: int  # still in the slot when the mailbox was closed
    taken: int
    done: int
    pending: int  # 0 or 1: an item waiting in the slot

    @property
    def dropped(self) -> int:
        return self.replaced + self.discarded

    @property
    def in_progress(self) -> int:
        return self.taken - self.done


class Mailbox(Generic[T]):
    """One slot. `put` never blocks; `take` waits for an item (or close); `peek` looks without
    taking (the display's "latest result": read at screen rate, redrawn only when `seq` changed)."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._item: T | None = None
        self._has_item = False
        self._seq = 0  # number of the newest item ever put (1-based)
        self._closed = False
        self._held = False
        self._put = self._replaced = self._discarded = self._taken = self._done = 0

    def put(self, item: T) -> bool:
        """Store `item`, replacing any untaken one; True when one was replaced. Ignored once
        closed (returns False), so a producer racing a shutdown never raises."""
        with self._cond:
            if self._closed:
                return False
            replaced = self._has_item
            self._put += 1
            self._replaced += replaced
            self._seq += 1
            self._item, self._has_item = item, True
            self._cond.notify_all()
            return replaced

    def take(self, timeout: float | None = None, *, hold: bool = False) -> T | None:
        """Remove and return the item, waiting up to `timeout` s; None on timeout or close.
        hold: the producer's `wait_ready` waits on until `release()` or `done()`."""
        with self._cond:
            deadline = None if timeout is None else time.monotonic() + timeout
            while not self._has_item and not self._closed:
                left = None if deadline is None else deadline - time.monotonic()
                if left is not None and left <= 0:
                    return None
                self._cond.wait(left)
            if not self._has_item:
                return None
            item, self._item, self._has_item = self._item, None, False
            self._taken += 1
            self._held = hold
            self._cond.notify_all()
            return item

    def done(self) -> None:
        """The consumer finished with the item it took (see the module's counting)."""
        with self._cond:
            if self._done >= self._taken:
                raise RuntimeError("done() without a matching take()")
            self._done += 1
            self._held = False
            self._cond.notify_all()

    def release(self) -> None:
        """The consumer's heavy part of the item is over: a producer waiting in `wait_ready` goes on."""
        with self._cond:
            self._held = False
            self._cond.notify_all()

    def peek(self) -> tuple[int, T | None]:
        """(seq, item) of the newest item without taking it; (0, None) before the first put."""
        with self._cond:
            return self._seq, self._item

    def wait_ready(self, timeout: float | None = None) -> bool:
        """Wait until the slot is empty (the consumer took the item) and not held, or closed;
        True if ready. A producer that must not drop (process every frame) waits here before
        its next put."""
        with self._cond:
            ready = self._cond.wait_for(lambda: (not self._has_item and not self._held) or self._closed, timeout)
            return ready and not self._has_item and not self._held

    def close(self) -> None:
        """Wake every waiter; later puts are ignored. An untaken item is discarded (counted)."""
        with self._cond:
            if self._has_item:
                self._discarded += 1
                self._item, self._has_item = None, False
            self._closed = True
            self._cond.notify_all()

    @property
    def empty(self) -> bool:
        """No item waits in the slot (a producer's next put will be the consumer's next take
        unless another put replaces it)."""
        with self._cond:
            return not self._has_item

    @property
    def closed(self) -> bool:
        with self._cond:
            return self._closed

    def stats(self) -> MailboxStats:
        with self._cond:
            return MailboxStats(put=self._put, replaced=self._replaced, discarded=self._discarded, taken=self._taken,
                                done=self._done, pending=int(self._has_item))
