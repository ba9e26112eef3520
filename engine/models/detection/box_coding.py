"""Box coding for SSD: offsets relative to an anchor -> corner boxes (x1, y1, x2, y2).

Both checkpoints use the Faster R-CNN parameterisation with weights (10, 10, 5, 5):
centre offsets divided by 10 and scaled by the anchor size, log-size offsets divided by 5.
They differ in the order of the four numbers: torchvision emits (dx, dy, dw, dh), the TF
Object Detection API (ty, tx, th, tw); `order` names it. torchvision also clamps the log-size
offsets at log(1000/16) before exp(), TF does not (`size_clip=None`).
"""

from __future__ import annotations

import math

import numpy as np
import torch
from torch import Tensor

TORCHVISION_CLIP = math.log(1000.0 / 16)  # 4.135167


class BoxCoder:
    def __init__(
        self,
        weights: tuple[float, float, float, float] = (10.0, 10.0, 5.0, 5.0),
        order: str = "xywh",
        size_clip: float | None = TORCHVISION_CLIP,
    ):
        if order not in ("xywh", "yxhw"):
            raise ValueError(f"order must be 'xywh' or 'yxhw', got {order!r}")
        self.weights, self.order, self.size_clip = weights, order, size_clip

    def decode(self, codes: Tensor, anchors: Tensor) -> Tensor:
        """codes (N, 4) in this coder's order, anchors (N, 4) corner boxes -> (N, 4) float32
        corner boxes, in one compiled pass (engine.models.detection.box_kernels: a live frame
        decodes a few dozen candidates, where each tensor call's dispatch was the cost)."""
        from engine.models.detection.box_kernels import decode_rows  # numba: compiled on first use

        out = np.empty((codes.shape[0], 4), np.float32)
        decode_rows(as_array(codes), as_array(anchors), *self.kernel_args(), out)
        return torch.from_numpy(out).to(codes.device)

    def kernel_args(self) -> tuple[np.ndarray, bool, np.float32]:
        """(weights, yx_first, size_clip) as the compiled kernels take them (no clip: inf)."""
        clip = np.float32(np.inf if self.size_clip is None else self.size_clip)
        return np.asarray(self.weights, np.float32), self.order == "yxhw", clip

    def encode(self, boxes: Tensor, anchors: Tensor) -> Tensor:
        """The inverse of decode (for tests and training tools)."""
        aw, ah = anchors[:, 2] - anchors[:, 0], anchors[:, 3] - anchors[:, 1]
        acx, acy = anchors[:, 0] + aw / 2, anchors[:, 1] + ah / 2
        bw, bh = boxes[:, 2] - boxes[:, 0], boxes[:, 3] - boxes[:, 1]
        bcx, bcy = boxes[:, 0] + bw / 2, boxes[:, 1] + bh / 2
        codes = torch.stack([(bcx - acx) / aw, (bcy - acy) / ah, torch.log(bw / aw), torch.log(bh / ah)], 1)
        if self.order == "yxhw":
            codes = codes[:, [1, 0, 3, 2]]
        return codes * codes.new_tensor(self.weights)


def as_array(values: Tensor, dtype=np.float32) -> np.ndarray:
    """A C-contiguous numpy view (or copy) of a tensor, detached, on the CPU, as the compiled
    kernels take it (engine.models.detection.box_kernels)."""
    return np.ascontiguousarray(values.detach().cpu().numpy(), dtype)
