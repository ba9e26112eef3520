"""The TF person detector's input step as one compiled loop (see
transforms.tf_legacy_resize_frame): legacy bilinear resize of a BGR uint8 frame, RGB order,
then x * 2/255 - 1. Plain float32 arithmetic in the reference's order (interpolate along x,
then y; no fastmath, so no fused multiply-adds), which keeps it equal bit for bit."""

from __future__ import annotations

import numpy as np
from numba import njit


@njit(cache=True, nogil=True)
def resize_scale(frame, y0, y1, fy, x0, x1, fx, scale, out):  # pragma: no cover - compiled
    out_h, out_w = out.shape[1], out.shape[2]
    one = np.float32(1.0)
    for i in range(out_h):
        top_row, bottom_row, wy = y0[i], y1[i], fy[i]
        for j in range(out_w):
            left, right, wx = x0[j], x1[j], fx[j]
            for c in range(3):
                source = 2 - c  # BGR in, RGB out
                tl = np.float32(frame[top_row, left, source])
                tr = np.float32(frame[top_row, right, source])
                bl = np.float32(frame[bottom_row, left, source])
                br = np.float32(frame[bottom_row, right, source])
                top = tl + (tr - tl) * wx
                bottom = bl + (br - bl) * wx
                out[c, i, j] = (top + (bottom - top) * wy) * scale - one
