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

    def decode(self, codes: Tensor, anchors: Tensor) -> Tensor:
        """codes (N, 4) in this coder's order, anchors (N, 4) corner boxes -> (N, 4) corner boxes."""
        codes = codes / codes.new_tensor(self.weights)
        if self.order == "yxhw":
            codes = codes[:, [1, 0, 3, 2]]
        dx, dy, dw, dh = codes.unbind(1)
        if self.size_clip is not None:
            dw, dh = dw.clamp(max=self.size_clip), dh.clamp(max=self.size_clip)
        widths = anchors[:, 2] - anchors[:, 0]
        heights = anchors[:, 3] - anchors[:, 1]
        cx = (anchors[:, 0] + anchors[:, 2]) / 2
        cy = (anchors[:, 1] + anchors[:, 3]) / 2
        pcx, pcy = dx * widths + cx, dy * heights + cy
        pw, ph = torch.exp(dw) * widths, torch.exp(dh) * heights
        return torch.stack([pcx - pw / 2, pcy - ph / 2, pcx + pw / 2, pcy + ph / 2], dim=1)

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
