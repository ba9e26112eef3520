"""The SSDLite detector: transform -> backbone (six feature maps) -> head -> anchors ->
postprocess, with torchvision's sub-module API (`transform`, `backbone`, `head`,
`anchor_generator`, `postprocess_detections`).

Forward takes a list of 3xHxW float images in [0, 1] (or an Nx3xHxW batch, see transforms) and
returns one dict per image: `boxes` (x1, y1, x2, y2 in that image's pixels), `scores`, `labels`.
Inference only: the module behaves the same in train() mode.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace

import torch
from torch import Tensor, nn

from engine.models.detection.anchors import ImageList
from engine.models.detection.backbones import SSDLiteFeatureExtractor
from engine.models.detection.heads import SSDLiteHead
from engine.models.detection.transforms import _Transform

Postprocess = Callable[[dict[str, Tensor], list[Tensor], list[tuple[int, int]]], list[dict[str, Tensor]]]


class SSDLite(nn.Module):
    def __init__(
        self,
        backbone: SSDLiteFeatureExtractor,
        head: SSDLiteHead,
        anchor_generator: nn.Module,
        transform: _Transform,
        postprocess: Postprocess,
    ):
        super().__init__()
        self.transform = transform
        self.backbone = backbone
        self.anchor_generator = anchor_generator
        self.head = head
        self._postprocess = postprocess

    def postprocess_detections(
        self, head_outputs: dict[str, Tensor], image_anchors: list[Tensor], image_shapes: list[tuple[int, int]],
        score_floor: float | None = None,
    ) -> list[dict[str, Tensor]]:
        """Detections in network-input pixels (before mapping back to the original images).
        score_floor: drop candidates below it before NMS. Exact for every detection at or above
        it (greedy NMS visits boxes by decreasing score, so lower boxes never suppress higher
        ones, and the per-class caps fill from the top), and much cheaper: the TF person
        detector's own threshold is 1e-8, so NMS would otherwise sweep all 1917 anchors."""
        post = self._postprocess
        below = None if score_floor is None else score_floor * (1 - 1e-6)  # postprocess keeps score > thresh
        if below is not None and below > post.score_thresh:
            post = replace(post, score_thresh=below)
        return post(head_outputs, image_anchors, image_shapes)

    def raw_outputs(self, images: Sequence[Tensor] | Tensor) -> tuple[dict[str, Tensor], list[Tensor], ImageList]:
        """Head outputs, anchors and the prepared batch: everything before postprocessing."""
        image_list, _ = self.transform(images)
        features = list(self.backbone(image_list.tensors).values())
        head_outputs = self.head(features)
        anchors = self.anchor_generator(image_list, features)
        return head_outputs, anchors, image_list

    def forward(self, images: Sequence[Tensor] | Tensor) -> list[dict[str, Tensor]]:
        original_sizes = [tuple(img.shape[-2:]) for img in images]
        head_outputs, anchors, image_list = self.raw_outputs(images)
        detections = self.postprocess_detections(head_outputs, anchors, image_list.image_sizes)
        return self.transform.postprocess(detections, image_list.image_sizes, original_sizes)


def set_batchnorm(model: nn.Module, eps: float, momentum: float) -> nn.Module:
    """Batch-norm hyper-parameters of a detector (TF and torchvision's SSDLite: eps 0.001)."""
    for m in model.modules():
        if isinstance(m, nn.BatchNorm2d):
            m.eps, m.momentum = eps, momentum
    return model


@torch.no_grad()
def count_anchors(model: SSDLite, size: int) -> int:
    """Anchors the model generates for a size x size input (for checks and the GUI)."""
    was_training = model.training
    model.eval()  # a batch of one through batch-norm in train mode would fail at 1x1
    try:
        image_list, _ = model.transform(torch.zeros(1, 3, size, size))
        features = list(model.backbone(image_list.tensors).values())
        return model.anchor_generator(image_list, features)[0].shape[0]
    finally:
        model.train(was_training)
