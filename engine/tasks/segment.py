"""Semantic segmentation behind the TaskRunner contract. Two kinds of model:
- class segmenters (LR-ASPP, R-ASPP, DeepLabV3; 21 VOC classes): torchvision's eval input
  (shorter side to 520, mean/std), softmax probabilities, argmax mask at the frame's size;
- the selfie segmenter: 256×256 RGB in [0, 1], a foreground probability, mask = p > 0.5.
Results keep the probabilities at network resolution and the mask at frame resolution, so
opacity and display mode change without re-running the network.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from enum import StrEnum

import cv2
import numpy as np
import torch
import torch.nn.functional as F

from engine import paths
from engine.errors import check_range
from engine.tasks import draw as overlay
from engine.tasks.base import UNTRAINED, FrameResult, PreparedFrame, StageTimes, StagedRunner
from engine.tasks.inference import network_on_path

LONG_SIDE_CAP = 4  # class segmenters: the longer side is at most 4x the shorter (working) side
BILINEAR_LIMIT = 1 << 26  # classes × pixels up to which logits are resized before the argmax
LEGEND_MIN = 0.001  # classes covering less than 0.1% of the frame stay out of the legend


class SegmentKind(StrEnum):
    CLASSES = "classes"  # one label per pixel (VOC segmenters)
    FOREGROUND = "foreground"  # a person probability per pixel (the selfie segmenter)


@dataclass(frozen=True, eq=False)
class SegmentResult(FrameResult):
    kind: SegmentKind
    labels: tuple[str, ...]  # class names; mask values index this (foreground: background, person)
    mask: np.ndarray  # H×W uint8 class index at the frame's size
    probabilities: np.ndarray  # C×h×w float32 at network size (foreground: 1×h×w person probability)
    coverage: dict[str, float]  # label -> fraction of the frame's pixels in the mask
    task: str = "segment"
    alpha: np.ndarray | None = None  # foreground: the H×W uint8 probability × 255 the mask came from

    def __post_init__(self) -> None:
        object.__setattr__(self, "kind", SegmentKind(self.kind))

    def foreground(self) -> np.ndarray:
        """H×W uint8 person probability × 255 at the frame's size (foreground models only)."""
        if self.kind != SegmentKind.FOREGROUND:
            raise ValueError("foreground() is for the selfie segmenter; class segmenters have a mask")
        if self.alpha is not None:  # made once by the runner: drawing every frame reuses it
            return self.alpha
        return overlay.foreground_alpha(self.probabilities[0], self.frame_size)

    def to_json(self) -> dict:
        return {**self.json_head(), "kind": self.kind.value, "labels": list(self.labels),
                "network_size": list(self.probabilities.shape[1:]),
                "coverage": {k: round(v, 6) for k, v in self.coverage.items()}}


def label_colours(labels: Sequence[str]) -> np.ndarray:
    """C×3 BGR colours: the VOC palette by class index, and a class that VOC also has (the
    selfie model's 'person') gets its VOC colour, so a person looks the same in every model."""
    voc = paths.labels("voc")
    table = overlay.palette(max(len(voc), len(labels)))
    return np.stack([table[voc.index(name)] if name in voc and i else table[i] for i, name in enumerate(labels)])


def working_size(height: int, width: int, short: int) -> tuple[int, int]:
    """(h, w) with the shorter side `short` (torchvision's Resize(520)) and the aspect kept, the
    longer side capped at LONG_SIDE_CAP × short for extreme panoramas."""
    ratio = min(max(height, width) / min(height, width), LONG_SIDE_CAP)
    long = int(short * ratio)
    return (long, short) if height > width else (short, long)


class SegmentRunner(StagedRunner):
    """A loaded segmenter; `kind` picks the input convention and the meaning of its output."""

    task = "segment"

    def __init__(self, model_name: str, model: torch.nn.Module, labels: Sequence[str], weights: str | None,
                 *, kind: SegmentKind, size: int, mean: Sequence[float] = (0.0, 0.0, 0.0),
                 std: Sequence[float] = (1.0, 1.0, 1.0), threads: int | None = None):
        if kind not in tuple(SegmentKind):
            raise ValueError(f"kind must be one of {', '.join(SegmentKind)}, got {kind!r}")
        kind = SegmentKind(kind)
        self.model, self.network = model_name, model.eval()
        self.labels = tuple(labels)
        self.weights, self.kind, self.size, self.threads = weights, kind, size, threads
        self.mean = np.array(mean, np.float32) * 255.0
        self.inv_std = 1.0 / (np.array(std, np.float32) * 255.0)
        self.colours = label_colours(self.labels)
        self.path = "reference"
        self._forward = self.network

    def use_path(self, path: str) -> None:
        """Run the network on an engine.runtime inference path (see engine/tasks/inference.py)."""
        self._forward, self.path = network_on_path(self.model, self.network, path, self.threads, self.size,
                                                   square_input=self.kind == SegmentKind.FOREGROUND)

    @property
    def untrained(self) -> bool:
        return self.weights is None

    def preprocess(self, frame: np.ndarray) -> torch.Tensor:
        """1×3×h×w normalised RGB at the working size."""
        height, width = frame.shape[:2]
        h, w = (self.size, self.size) if self.kind == SegmentKind.FOREGROUND else working_size(height, width, self.size)
        # MediaPipe's CPU ImageToTensorCalculator resizes with bilinear (cv::INTER_LINEAR), so
        # the selfie model gets that; torchvision's Resize(520) antialiases, which area
        # interpolation approximates when shrinking.
        shrink = h * w < height * width and self.kind != SegmentKind.FOREGROUND
        small = cv2.resize(frame, (w, h), interpolation=cv2.INTER_AREA if shrink else cv2.INTER_LINEAR)
        blob = cv2.dnn.blobFromImage(small, 1.0, swapRB=True)  # 1×3×h×w float32 RGB in one pass
        blob -= self.mean[None, :, None, None]
        blob *= self.inv_std[None, :, None, None]
        return torch.from_numpy(blob)

    def prepare(self, frame_bgr: np.ndarray) -> PreparedFrame:
        """The preprocess stage alone (BGR frame -> the network's input); the live pipeline runs
        it in its capture thread for the frame the worker takes next. Pure: safe from any thread."""
        frame = overlay.ensure_bgr(frame_bgr)
        start = time.perf_counter()
        batch = self.preprocess(frame)
        return PreparedFrame(frame, batch, 1000 * (time.perf_counter() - start))

    def _finish(self, prepared: PreparedFrame, network_done: Callable[[], None] | None) -> SegmentResult:
        frame = prepared.frame
        height, width = frame.shape[:2]
        t_pre = time.perf_counter()
        with torch.inference_mode():
            out = self._forward(prepared.batch)["out"][0]
        t_inf = time.perf_counter()
        if network_done is not None:
            network_done()
        with torch.inference_mode():
            alpha = None
            if self.kind == SegmentKind.FOREGROUND:
                probs = out.float().clamp(0, 1).numpy()
                alpha = overlay.foreground_alpha(probs[0], (height, width))
                mask = cv2.threshold(alpha, 127, 1, cv2.THRESH_BINARY)[1]  # p >= 0.5
                person = cv2.countNonZero(mask)
                counts = np.array([height * width - person, person])
            else:
                probs = out.softmax(0).numpy()
                mask = _upsampled_argmax(out, height, width)
                counts = np.bincount(mask.ravel(), minlength=len(self.labels))[: len(self.labels)]
        coverage = {name: float(c) / (height * width) for name, c in zip(self.labels, counts)}
        t_post = time.perf_counter()
        times = StageTimes(prepared.preprocess_ms, 1000 * (t_inf - t_pre), 1000 * (t_post - t_inf))
        return SegmentResult(self.model, self.weights, (height, width), times, self.kind, self.labels, mask,
                             np.ascontiguousarray(probs, np.float32), coverage, alpha=alpha)

    def draw(self, frame_bgr: np.ndarray, result: SegmentResult, *, opacity: float = 0.5, mode: str = "overlay",
             legend: bool = True, show_untrained: bool = True, size: tuple[int, int] | None = None) -> np.ndarray:
        return draw_segmentation(frame_bgr, result, self.colours, opacity=opacity, mode=mode, legend=legend,
                                 show_untrained=show_untrained, size=size)


def _upsampled_argmax(logits: torch.Tensor, height: int, width: int) -> np.ndarray:
    """H×W uint8 argmax of C×h×w logits at the frame's size: bilinear on the logits (as
    torchvision's models do at input size), or nearest on the argmax for huge frames."""
    if logits.shape[0] * height * width <= BILINEAR_LIMIT:
        big = F.interpolate(logits[None], size=(height, width), mode="bilinear", align_corners=False)[0]
        return big.argmax(0).to(torch.uint8).numpy()
    small = logits.argmax(0).to(torch.uint8).numpy()
    return cv2.resize(small, (width, height), interpolation=cv2.INTER_NEAREST)


def draw_segmentation(frame_bgr: np.ndarray, result: SegmentResult, colours: np.ndarray | None = None, *,
                      opacity: float = 0.5, mode: str = "overlay", legend: bool = True,
                      show_untrained: bool = True, size: tuple[int, int] | None = None) -> np.ndarray:
    """mode 'overlay': the frame tinted by class colour (soft edges for the selfie model);
    'mask': the colour mask alone; 'original': the frame untouched. A legend lists the classes
    present with their coverage. size: (h, w) to draw at instead of the frame's own, e.g. a
    huge photo's display size: the frame is shrunk (area), the mask scaled (nearest) and the
    foreground upsampled from the network's output straight to that size."""
    overlay.check_mode(mode)
    check_range("opacity", opacity, 0.0, 1.0)
    frame = overlay.ensure_bgr(frame_bgr)
    if frame.shape[:2] != tuple(result.frame_size):
        raise ValueError(f"frame {frame.shape[:2]} does not match the result's frame {result.frame_size}")
    colours = label_colours(result.labels) if colours is None else colours
    height, width = size or result.frame_size
    scaled = (height, width) != tuple(result.frame_size)
    if scaled:
        check_range("drawing height", height, 1, 1 << 16)
        check_range("drawing width", width, 1, 1 << 16)
        frame = cv2.resize(frame, (width, height), interpolation=cv2.INTER_AREA)
    if mode == "original":
        return frame.copy()
    mask = cv2.resize(result.mask, (width, height), interpolation=cv2.INTER_NEAREST) if scaled else result.mask
    if mode == "mask":
        image = overlay.colorize(mask, colours)
    elif result.kind == SegmentKind.FOREGROUND:
        alpha = overlay.foreground_alpha(result.probabilities[0], (height, width)) if scaled else result.foreground()
        image = overlay.tint(frame, colours[1], alpha, opacity)  # = blend_mask with mask alpha > 0
    else:
        image = overlay.blend_mask(frame, mask, colours, opacity)
    if legend:
        shown = [(f"{name} {share:.1%}", tuple(int(c) for c in colours[i]))
                 for i, (name, share) in enumerate(result.coverage.items()) if i and share >= LEGEND_MIN]
        overlay.legend(image, shown)
    if result.untrained and show_untrained:
        overlay.banner(image, UNTRAINED)
    return image
