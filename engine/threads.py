"""The one way the engine sets torch's intra-op thread count for a block of work."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

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
