"""Box coding for SSD: offsets relative to an anchor -> corner boxes (x1, y1, x2, y2).

Both checkpoints use the Faster R-CNN parameterisation with weights (10, 10, 5, 5):
centre offsets divided by 10 and scaled by the anchor size, log-size offsets divided by 5.
They differ in the order of the four numbers: torchvision emits (dx, dy, dw, dh), the TF
Object Detection API (ty, tx, th, tw); `order` names it. torchvision also clamps the log-size
offsets at log(1000/16) before exp(), TF does not (`size_clip=None`).
"""

from __future__ import annotations

import math

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
        self._cache: dict[tuple, Tensor] = {}

    def decode(self, codes: Tensor, anchors: Tensor) -> Tensor:
        """codes (N, 4) in this coder's order, anchors (N, 4) corner boxes -> (N, 4) corner boxes.
        x and y go through each step together, as (N, 2) pairs: the same float32 arithmetic per
        element as one coordinate at a time, in half the tensor calls (a live frame decodes a
        few dozen candidates, where each call's dispatch, not the arithmetic, is the cost)."""
        codes = codes / self._weights(codes)
        if self.order == "yxhw":
            codes = codes[:, self._xywh(codes)]
        shift, scale = codes[:, :2], codes[:, 2:]
        if self.size_clip is not None:
            scale = scale.clamp(max=self.size_clip)
        size = anchors[:, 2:] - anchors[:, :2]
        centre = shift * size + (anchors[:, :2] + anchors[:, 2:]) / 2
        half = torch.exp(scale) * size / 2
        return torch.cat([centre - half, centre + half], dim=1)

    def _weights(self, like: Tensor) -> Tensor:
        """The weights as a tensor like `like`, made once per dtype and device."""
        key = ("weights", like.dtype, like.device)
        if key not in self._cache:
            self._cache[key] = like.new_tensor(self.weights)
        return self._cache[key]

    def _xywh(self, like: Tensor) -> Tensor:
        """Column order (ty, tx, th, tw) -> (tx, ty, tw, th), as an index tensor made once."""
        key = ("order", like.device)
        if key not in self._cache:
            self._cache[key] = torch.tensor([1, 0, 3, 2], device=like.device)
        return self._cache[key]

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
