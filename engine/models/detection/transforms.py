"""Input transforms: a list of 3xHxW float images in [0, 1] -> one batch at the network size,
and detections back to each image's pixels.

- `ResizeNormalize`: torchvision's GeneralizedRCNNTransform with a fixed size (normalise with
  mean/std, bilinear resize with align_corners=False).
- `TfResizeScale`: the TF Object Detection API Preprocessor of the person detector: the uint8
  values, TF's legacy ResizeBilinear (align_corners=False, half_pixel_centers=False: source
  coordinate = destination * in/out, no half-pixel shift), then x * 2/255 - 1.

A 4-D tensor (N, 3, H, W) is taken as a batch already at the working resolution: it is
normalised but not resized, so the analysis and profiler measure the resolution they ask for.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence

import cv2
import numpy as np
import torch
import torch.nn.functional as F
from torch import Tensor, nn

from engine.errors import InvalidInput
from engine.models.detection.anchors import ImageList


TF_SCALE = 0.007843137718737125  # the person detector graph's 2/255, as float32


def check_images(images: Sequence[Tensor] | Tensor) -> list[Tensor]:
    if isinstance(images, Tensor) and images.dim() == 4:
        return list(images)
    if isinstance(images, Tensor) or not all(isinstance(i, Tensor) for i in images):
        raise InvalidInput("detectors take a list of 3xHxW float tensors in [0, 1] (or an Nx3xHxW batch)")
    for image in images:
        if image.dim() != 3 or image.shape[0] != 3:
            raise InvalidInput(f"each image must be 3xHxW (RGB), got shape {tuple(image.shape)}")
    return list(images)


def resize_boxes(boxes: Tensor | np.ndarray, from_size: tuple[int, int], to_size: tuple[int, int],
                 ) -> Tensor | np.ndarray:
    """Corner boxes in from_size (h, w) pixels scaled to to_size, in the boxes' own dtype (a
    tensor or, for the live runners, a numpy array: the same float32 products)."""
    ratio_h, ratio_w = to_size[0] / from_size[0], to_size[1] / from_size[1]
    ratios = [ratio_w, ratio_h, ratio_w, ratio_h]
    if isinstance(boxes, np.ndarray):
        return boxes * np.asarray(ratios, boxes.dtype)
    return boxes * boxes.new_tensor(ratios)


class _Transform(nn.Module):
    size: tuple[int, int]

    def prepare(self, image: Tensor, resize: bool) -> Tensor:
        raise NotImplementedError

    def prepare_frame(self, frame_bgr: np.ndarray) -> Tensor:
        """One BGR uint8 frame (H×W×3) -> the 3×h×w network input, as `prepare` would make it
        from the frame's [0, 1] RGB tensor; transforms override this with a faster exact path."""
        rgb = torch.from_numpy(cv2.cvtColor(frame_bgr, cv2.COLOR_BGR2RGB)).permute(2, 0, 1).float().div_(255)
        return self.prepare(rgb, resize=True)

    def from_frame(self, frame_bgr: np.ndarray) -> ImageList:
        """The batch of one a live runner feeds the network, straight from a video frame."""
        prepared = self.prepare_frame(frame_bgr)
        return ImageList(prepared[None], [tuple(prepared.shape[-2:])])

    def forward(self, images: Sequence[Tensor] | Tensor, targets=None) -> tuple[ImageList, None]:
        batched = isinstance(images, Tensor)
        prepared = [self.prepare(img, resize=not batched) for img in check_images(images)]
        return ImageList(torch.stack(prepared), [tuple(p.shape[-2:]) for p in prepared]), targets

    def postprocess(self, detections: list[dict], image_sizes, original_sizes) -> list[dict]:
        for det, size, original in zip(detections, image_sizes, original_sizes):
            det["boxes"] = resize_boxes(det["boxes"], size, tuple(original))
        return detections


class ResizeNormalize(_Transform):
    def __init__(self, size: int, mean: Sequence[float], std: Sequence[float]):
        super().__init__()
        self.size = (size, size)
        self.register_buffer("mean", torch.tensor(mean).view(3, 1, 1), persistent=False)
        self.register_buffer("std", torch.tensor(std).view(3, 1, 1), persistent=False)

    def prepare(self, image: Tensor, resize: bool) -> Tensor:
        image = (image - self.mean) / self.std
        if resize:
            image = F.interpolate(image[None], size=self.size, mode="bilinear", align_corners=False)[0]
        return image


def _legacy_axis(n_in: int, n_out: int) -> tuple[Tensor, Tensor, Tensor]:
    """Source indices below / above and the float32 weight of the upper one, for TF's legacy
    mapping source = destination * in/out."""
    src = torch.arange(n_out, dtype=torch.float32) * (n_in / n_out)
    lo = src.floor().long().clamp(max=n_in - 1)
    hi = (lo + 1).clamp(max=n_in - 1)
    return lo, hi, src - lo.float()


def tf_legacy_resize_bilinear(image: Tensor, size: tuple[int, int]) -> Tensor:
    """TF1's ResizeBilinear(align_corners=False, half_pixel_centers=False) of a CxHxW tensor:
    interpolate along x, then along y, as TF does."""
    _, in_h, in_w = image.shape
    out_h, out_w = size
    x0, x1, fx = _legacy_axis(in_w, out_w)
    y0, y1, fy = _legacy_axis(in_h, out_h)
    fx, fy = fx.to(image.dtype), fy.to(image.dtype)
    left, right = image[:, :, x0], image[:, :, x1]
    rows = left + (right - left) * fx
    top, bottom = rows[:, y0, :], rows[:, y1, :]
    return top + (bottom - top) * fy[:, None]


@functools.lru_cache(maxsize=8)  # a live source keeps one frame size
def _legacy_axis_numpy(n_in: int, n_out: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    return tuple(t.numpy() for t in _legacy_axis(n_in, n_out))


def tf_legacy_resize_frame(frame_bgr: np.ndarray, size: tuple[int, int]) -> Tensor:
    """`TfResizeScale.prepare` of a BGR uint8 frame, bit for bit, in one compiled pass: the
    legacy resize reads only the four source pixels of each output pixel, so it costs
    out_h×out_w work instead of converting the whole frame to float first (a 640×480 frame
    went through ~10 full-size tensor passes)."""
    from engine.models.detection.tf_resize import resize_scale  # numba: compiled on first use

    x0, x1, fx = _legacy_axis_numpy(frame_bgr.shape[1], size[1])
    y0, y1, fy = _legacy_axis_numpy(frame_bgr.shape[0], size[0])
    out = np.empty((3, *size), np.float32)
    resize_scale(np.ascontiguousarray(frame_bgr), y0, y1, fy, x0, x1, fx, np.float32(TF_SCALE), out)
    return torch.from_numpy(out)


class TfResizeScale(_Transform):
    def __init__(self, size: int = 300):
        super().__init__()
        self.size = (size, size)

    def prepare(self, image: Tensor, resize: bool) -> Tensor:
        pixels = image * 255.0
        if resize and tuple(pixels.shape[-2:]) != self.size:
            pixels = tf_legacy_resize_bilinear(pixels, self.size)
        return self.scale(pixels)

    def prepare_frame(self, frame_bgr: np.ndarray) -> Tensor:
        if frame_bgr.shape[:2] == self.size:
            return super().prepare_frame(frame_bgr)
        return tf_legacy_resize_frame(frame_bgr, self.size)

    def warm_up(self) -> None:
        """Load the compiled resize now (~1 s the first time in a process: numba's import and
        its on-disk cache), so it is not charged to the first frame's preprocessing."""
        tf_legacy_resize_frame(np.zeros((2, 2, 3), np.uint8), (1, 1))

    @staticmethod
    def scale(pixels: Tensor) -> Tensor:
        """[0, 255] -> [-1, 1] with the TF graph's constant 2/255 rounded to float32."""
        return pixels * TF_SCALE - 1.0
