"""engine.threads.torch_threads: the one thread-count context manager."""

from __future__ import annotations

import pytest
import torch

from engine.errors import InvalidInput
from engine.threads import torch_threads


def test_sets_the_count_for_the_block_and_restores_it_after_an_error():
    before = torch.get_num_threads()
    wanted = 2 if before != 2 else 3
    with pytest.raises(RuntimeError):
        with torch_threads(wanted) as used:
            assert used == wanted == torch.get_num_threads()
            raise RuntimeError("inside the block")
    assert torch.get_num_threads() == before


def test_none_leaves_the_count_alone_and_a_bad_count_is_refused():
    before = torch.get_num_threads()
    with torch_threads(None) as used:
        assert used == before == torch.get_num_threads()
    with pytest.raises(InvalidInput, match="threads 0; valid: >= 1"):
        with torch_threads(0):
            pass
    assert torch.get_num_threads() == before


def test_opencv_threads_sets_its_pool_for_the_block_and_restores_it():
    import cv2

    from engine.threads import opencv_threads

    before = cv2.getNumThreads()
    with pytest.raises(RuntimeError):
        with opencv_threads(1) as used:
            assert used == cv2.getNumThreads() == 1
            raise RuntimeError("inside the block")
    assert cv2.getNumThreads() == before
    with pytest.raises(InvalidInput, match="threads 0; valid: >= 1"):
        with opencv_threads(0):
            pass
