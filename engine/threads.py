"""The one way the engine sets torch's intra-op thread count, and OpenCV's, for a block of work."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import cv2
import torch

from engine.errors import InvalidInput


@contextmanager
def torch_threads(threads: int | None) -> Iterator[int]:
    """Run a block with `threads` intra-op threads (None: leave as is), then restore; yields the
    count in effect. The pool is not touched when it already has that size (resizing it per call
    would cost more than a small model's forward)."""
    if threads is not None and threads < 1:
        raise InvalidInput(f"threads {threads}; valid: >= 1")
    before = torch.get_num_threads()
    change = threads is not None and threads != before
    if change:
        torch.set_num_threads(threads)
    try:
        yield torch.get_num_threads()
    finally:
        if change:
            torch.set_num_threads(before)


@contextmanager
def opencv_threads(threads: int) -> Iterator[int]:
    """Run a block with OpenCV's own thread pool at `threads` (1: each call on its caller's
    thread), then restore. The live pipeline runs with 1: its per-frame OpenCV calls are small,
    and the pool's helper threads took the cores the network and the pipeline's other stage
    thread were using (0.65 ms a frame of the person detector's ~2.4 ms overhead, 2 cores)."""
    if threads < 1:
        raise InvalidInput(f"threads {threads}; valid: >= 1")
    before = cv2.getNumThreads()
    cv2.setNumThreads(threads)
    try:
        yield cv2.getNumThreads()
    finally:
        cv2.setNumThreads(before)
