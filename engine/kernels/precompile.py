"""Compile the numba loops once at set-up (`make`) into numba's on-disk cache. A first compile
holds the GIL for about a second per kernel, which would otherwise freeze the window (or a
test running beside it) the first time a detector or the Kernels page runs.

    python -m engine.kernels.precompile
"""

from __future__ import annotations

import time

import numpy as np


def main() -> None:
    from engine.kernels.symconv import METHODS, convolve
    from engine.models.detection import postprocess
    from engine.models.detection.transforms import TfResizeScale

    start = time.perf_counter()
    TfResizeScale().warm_up()
    postprocess.warm_up()
    data = np.ones((9, 9), np.complex64)  # the same argument types as real calls: the same cache entry
    quarters = np.ones((1, 3, 3), np.complex64)
    op_index = np.zeros((9, 9), np.int32)
    for method in METHODS:
        convolve(data, quarters, op_index, method)
    print(f"numba kernels compiled and cached in {time.perf_counter() - start:.1f} s")


if __name__ == "__main__":
    main()
