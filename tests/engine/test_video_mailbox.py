"""The one-slot mailbox: latest wins, drops counted exactly, close wakes waiters."""

import threading
import time

import pytest

from engine.video.mailbox import Mailbox


def test_latest_wins_and_replaced_items_are_counted():
    box = Mailbox()
    assert box.put("a") is False
    assert box.put("b") is True
    assert box.put("c") is True
    assert box.take(timeout=0) == "c"
    assert box.take(timeout=0.01) is None  # nothing queued behind it
    stats = box.stats()
    assert (stats.put, stats.replaced, stats.taken, stats.pending) == (3, 2, 1, 0)


def test_counting_identity_holds_at_every_step():
    box = Mailbox()
    for step in range(20):
        box.put(step)
        if step % 3 == 0:
            box.take(timeout=0)
            if step % 2 == 0:
                box.done()
        s = box.stats()
        assert s.put == s.replaced + s.discarded + s.taken + s.pending
        assert s.taken == s.done + s.in_progress
    box.close()
    s = box.stats()
    assert s.pending == 0 and s.put == s.dropped + s.taken


def test_close_wakes_a_waiting_consumer_and_ignores_later_puts():
    box = Mailbox()
    got = []
    waiter = threading.Thread(target=lambda: got.append(box.take(timeout=5)))
    waiter.start()
    time.sleep(0.05)
    started = time.monotonic()
    box.close()
    waiter.join(1)
    assert not waiter.is_alive() and got == [None]
    assert time.monotonic() - started < 0.5
    assert box.put("late") is False and box.stats().put == 0


def test_take_returns_an_item_put_from_another_thread():
    box = Mailbox()
    threading.Timer(0.05, box.put, args=("frame",)).start()
    assert box.take(timeout=2) == "frame"


def test_peek_keeps_the_item_and_reports_its_sequence():
    box = Mailbox()
    assert box.peek() == (0, None)
    box.put("r1")
    box.put("r2")
    assert box.peek() == (2, "r2")
    assert box.peek() == (2, "r2")


def test_wait_ready_returns_when_the_consumer_takes():
    box = Mailbox()
    box.put(1)
    assert box.wait_ready(0.01) is False
    threading.Timer(0.05, box.take).start()
    assert box.wait_ready(2) is True


def test_a_holding_consumer_keeps_the_producer_waiting_until_it_releases():
    box = Mailbox()
    box.put(1)
    assert box.take(timeout=0, hold=True) == 1
    assert box.empty and box.wait_ready(0.01) is False  # empty, but held
    threading.Timer(0.05, box.release).start()
    assert box.wait_ready(2) is True
    box.put(2)
    assert box.take(timeout=0, hold=True) == 2
    box.done()  # done releases too: a consumer that never reaches release() cannot stall the producer
    assert box.wait_ready(0) is True
    assert box.stats().done == 1 and box.stats().taken == 2


def test_done_without_take_is_a_bug():
    with pytest.raises(RuntimeError):
        Mailbox().done()
