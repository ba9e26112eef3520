"""Default boxes (anchors) for SSD heads, as corner boxes (x1, y1, x2, y2) in pixels of the
network input, one row per (feature-map row, column, anchor) with the anchor index fastest and
feature maps concatenated in order — the order the heads emit their predictions in.

Two generators, because the two checkpoints we load were trained with different ones:
- `DefaultBoxGenerator`: torchvision's SSD semantics (scales interpolated between min and max
  ratio plus 1.0; per location (s, s), (s', s') with s' = sqrt(s_k s_k+1), then (w, h) and (h, w)
  for each aspect ratio; widths and heights clipped to [0, 1]).
- `TfSsdAnchorGenerator`: the TF Object Detection API's MultipleGridAnchorGenerator as built by
  `ssd_anchor_generator` (scale/aspect-ratio list per layer, an interpolated-scale anchor, a
  reduced lowest layer; anchors not clipped).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import NamedTuple

import torch
from torch import Tensor, nn


class ImageList(NamedTuple):
    """A batch at the network's input size plus each image's size inside it (torchvision's)."""

    tensors: Tensor
    image_sizes: list[tuple[int, int]]


def interpolated_scales(num_layers: int, min_scale: float, max_scale: float) -> list[float]:
    """SSD's linearly spaced scales (SSD paper eq. 4), plus 1.0 for the last interpolation."""
    if num_layers == 1:
        return [min_scale, 1.0]
    step = (max_scale - min_scale) / (num_layers - 1)
    return [min_scale + step * k for k in range(num_layers)] + [1.0]


def _grid(boxes_wh: Tensor, rows: int, cols: int, dtype: torch.dtype) -> Tensor:
    """(cx, cy, w, h) normalised, for a rows x cols grid with cell centres at (i + 0.5) / size."""
    cy = (torch.arange(rows, dtype=dtype) + 0.5) / rows
    cx = (torch.arange(cols, dtype=dtype) + 0.5) / cols
    yy, xx = torch.meshgrid(cy, cx, indexing="ij")
    centres = torch.stack([xx.reshape(-1), yy.reshape(-1)], dim=1)  # (rows*cols, 2)
    a = boxes_wh.shape[0]
    return torch.cat([centres.repeat_interleave(a, dim=0), boxes_wh.to(dtype).repeat(rows * cols, 1)], dim=1)


def _to_pixels(cxcywh: Tensor, height: int, width: int) -> Tensor:
    half = cxcywh[:, 2:] / 2
    corners = torch.cat([cxcywh[:, :2] - half, cxcywh[:, :2] + half], dim=1)
    return corners * corners.new_tensor([width, height, width, height])


class DefaultBoxGenerator(nn.Module):
    def __init__(
        self,
        aspect_ratios: Sequence[Sequence[float]],
        min_ratio: float = 0.15,
        max_ratio: float = 0.9,
        scales: Sequence[float] | None = None,
        clip: bool = True,
    ):
        super().__init__()
        self.aspect_ratios = [list(r) for r in aspect_ratios]
        self.clip = clip
        n = len(self.aspect_ratios)
        self.scales = list(scales) if scales is not None else interpolated_scales(n, min_ratio, max_ratio)
        self.wh_pairs = [self._wh_pairs(k) for k in range(n)]

    def _wh_pairs(self, k: int) -> Tensor:
        s_k = self.scales[k]
        s_prime = math.sqrt(self.scales[k] * self.scales[k + 1])
        pairs = [(s_k, s_k), (s_prime, s_prime)]
        for ar in self.aspect_ratios[k]:
            w, h = s_k * math.sqrt(ar), s_k / math.sqrt(ar)
            pairs += [(w, h), (h, w)]
        wh = torch.tensor(pairs, dtype=torch.float32)
        return wh.clamp(0, 1) if self.clip else wh

    def num_anchors_per_location(self) -> list[int]:
        return [2 + 2 * len(r) for r in self.aspect_ratios]

    def forward(self, image_list: ImageList, feature_maps: Sequence[Tensor]) -> list[Tensor]:
        height, width = image_list.tensors.shape[-2:]
        dtype = feature_maps[0].dtype
        boxes = torch.cat([
            _grid(wh, f.shape[-2], f.shape[-1], dtype) for wh, f in zip(self.wh_pairs, feature_maps)
        ])
        pixels = _to_pixels(boxes, height, width).to(feature_maps[0].device)
        return [pixels for _ in image_list.image_sizes]


class TfSsdAnchorGenerator(nn.Module):
    """TF's `ssd_anchor_generator`: per anchor h = s / sqrt(ar), w = s * sqrt(ar) (base anchor
    1x1; the input is square so TF's aspect correction is the identity), grid stride
    1 / size and offset stride / 2. Computed in float32 as the graph does."""

    def __init__(
        self,
        num_layers: int = 6,
        min_scale: float = 0.2,
        max_scale: float = 0.95,
        aspect_ratios: Sequence[float] = (1.0, 2.0, 0.5, 3.0, 0.3333),
        interpolated_scale_aspect_ratio: float = 1.0,
        reduce_boxes_in_lowest_layer: bool = True,
    ):
        super().__init__()
        scales = interpolated_scales(num_layers, min_scale, max_scale)
        self.box_specs: list[list[tuple[float, float]]] = []
        for k in range(num_layers):
            if k == 0 and reduce_boxes_in_lowest_layer:
                specs = [(0.1, 1.0), (scales[k], 2.0), (scales[k], 0.5)]
            else:
                specs = [(scales[k], ar) for ar in aspect_ratios]
                if interpolated_scale_aspect_ratio > 0:
                    specs.append((math.sqrt(scales[k] * scales[k + 1]), interpolated_scale_aspect_ratio))
            self.box_specs.append(specs)

    def num_anchors_per_location(self) -> list[int]:
        return [len(s) for s in self.box_specs]

    def normalized_anchors(self, grid_sizes: Sequence[tuple[int, int]]) -> Tensor:
        """(ymin, xmin, ymax, xmax) in [0, 1] units, TF's own layout (for comparison with it)."""
        layers = []
        for specs, (rows, cols) in zip(self.box_specs, grid_sizes):
            scale = torch.tensor([s for s, _ in specs], dtype=torch.float32)
            ratio = torch.sqrt(torch.tensor([a for _, a in specs], dtype=torch.float32))
            heights, widths = scale / ratio, scale * ratio
            stride_y = torch.tensor(1.0 / rows, dtype=torch.float32)
            stride_x = torch.tensor(1.0 / cols, dtype=torch.float32)
            cy = torch.arange(rows, dtype=torch.float32) * stride_y + 0.5 * stride_y
            cx = torch.arange(cols, dtype=torch.float32) * stride_x + 0.5 * stride_x
            yy, xx = torch.meshgrid(cy, cx, indexing="ij")
            a = len(specs)
            yc = yy.reshape(-1, 1).expand(-1, a)
            xc = xx.reshape(-1, 1).expand(-1, a)
            h, w = heights.expand_as(yc), widths.expand_as(xc)
            layers.append(torch.stack([yc - 0.5 * h, xc - 0.5 * w, yc + 0.5 * h, xc + 0.5 * w], -1).reshape(-1, 4))
        return torch.cat(layers)

    def forward(self, image_list: ImageList, feature_maps: Sequence[Tensor]) -> list[Tensor]:
        height, width = image_list.tensors.shape[-2:]
        yxyx = self.normalized_anchors([tuple(f.shape[-2:]) for f in feature_maps])
        xyxy = yxyx[:, [1, 0, 3, 2]] * yxyx.new_tensor([width, height, width, height])
        xyxy = xyxy.to(feature_maps[0].device, feature_maps[0].dtype)
        return [xyxy for _ in image_list.image_sizes]
