"""ImageNet classification behind the TaskRunner contract: torchvision's eval preprocessing and
top-K labels, for one BGR frame (`run`, the live pipeline and the GUI) or a batch of RGB images
(`predict`, the `classify` command and folder evaluation). One runner, one preprocessing, one
label list, so every caller gets the same numbers."""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
import torch
from torch import nn

from engine import paths
from engine.errors import InvalidInput, check_range
from engine.models import catalog
from engine.tasks import draw as overlay
from engine.tasks.base import UNTRAINED, FrameResult, StageTimes
from engine.tasks.inference import network_on_path
from engine.threads import torch_threads
from engine.weights.load import load_weights

__all__ = ["Preprocess", "Prediction", "ClassifyResult", "ClassifyRunner", "classification_models",
           "load_classifier", "draw_classification"]


@dataclass(frozen=True, kw_only=True)
class Preprocess:
    """torchvision's ImageClassification on a uint8 tensor: shorter side to `resize` (bilinear,
    antialias, rounded back to uint8 as torchvision's tensor path does), centre crop, /255,
    mean/std."""

    resize: int = 256
    crop: int = 224
    mean: tuple[float, ...] = catalog.IMAGENET_MEAN
    std: tuple[float, ...] = catalog.IMAGENET_STD

    @staticmethod
    def resized_size(height: int, width: int, short: int) -> tuple[int, int]:
        """torchvision's rule: the shorter side becomes `short`, the longer one is truncated."""
        if width <= height:
            return int(short * height / width), short
        return short, int(short * width / height)

    def __call__(self, rgb: np.ndarray) -> torch.Tensor:
        """3×crop×crop float tensor from an H×W×3 RGB uint8 array."""
        if rgb.ndim != 3 or rgb.shape[2] != 3 or rgb.dtype != np.uint8:
            raise InvalidInput(f"expected an H×W×3 uint8 RGB image, got {rgb.dtype} {rgb.shape}")
        image = torch.from_numpy(np.ascontiguousarray(rgb)).permute(2, 0, 1)[None].float()
        size = self.resized_size(rgb.shape[0], rgb.shape[1], self.resize)
        image = nn.functional.interpolate(image, size=size, mode="bilinear", align_corners=False, antialias=True)
        image = image.round().clamp(0, 255)[0]
        top = int(round((size[0] - self.crop) / 2.0))
        left = int(round((size[1] - self.crop) / 2.0))
        image = image[:, top:top + self.crop, left:left + self.crop] / 255.0
        mean = torch.tensor(self.mean).view(3, 1, 1)
        std = torch.tensor(self.std).view(3, 1, 1)
        return (image - mean) / std


@dataclass(frozen=True, kw_only=True)
class Prediction:
    index: int
    label: str
    probability: float

    def to_json(self) -> dict:
        return {"index": self.index, "label": self.label, "probability": self.probability}


@dataclass(frozen=True, eq=False, kw_only=True)
class ClassifyResult(FrameResult):
    top: tuple[Prediction, ...]  # best first
    task: str = "classify"

    def to_json(self) -> dict:
        return {**self.json_head(), "top": [p.to_json() for p in self.top]}


class ClassifyRunner:
    """A loaded classifier. `run` takes a BGR frame and times its stages on the runner's
    inference path; `predict` / `probabilities` score batches of RGB images on the network as
    built (the reference path: batch shapes vary, and accuracy figures are the papers')."""

    task = "classify"

    def __init__(self, model_name: str, network: nn.Module, labels: Sequence[str], weights: str | None, *,
                 preprocess: Preprocess, topk: int = 5, threads: int | None = None):
        self.labels = list(labels)
        check_range("topk", topk, 1, len(self.labels))
        self.model, self.network = model_name, network.eval()
        self.preprocess, self.weights, self.topk, self.threads = preprocess, weights, topk, threads
        self.path = "reference"
        self._forward = self.network

    def use_path(self, path: str) -> None:
        """Run the network on an engine.runtime inference path (see engine/tasks/inference.py)."""
        self._forward, self.path = network_on_path(self.model, self.network, path, self.threads,
                                                   self.preprocess.crop)

    @property
    def untrained(self) -> bool:
        return self.weights is None

    @property
    def note(self) -> str:
        return UNTRAINED if self.untrained else ""

    def describe(self) -> dict:
        return {"model": self.model, "weights": self.weights, "untrained": self.untrained, "note": self.note}

    def _top(self, probabilities: torch.Tensor, k: int) -> tuple[Prediction, ...]:
        values, indices = probabilities.topk(min(k, probabilities.shape[0]))
        return tuple(Prediction(index=int(i), label=self.labels[int(i)], probability=float(p))
                     for p, i in zip(values, indices))

    @torch.inference_mode()
    def probabilities(self, images: Sequence[np.ndarray]) -> torch.Tensor:
        """N×classes softmax of RGB uint8 images."""
        batch = torch.stack([self.preprocess(image) for image in images])
        return self.network(batch).softmax(dim=1)

    def predict(self, images: Sequence[np.ndarray], topk: int = 5) -> list[tuple[Prediction, ...]]:
        """The best `topk` classes of each RGB uint8 image, best first."""
        return [self._top(row, topk) for row in self.probabilities(images)]

    def run(self, frame_bgr: np.ndarray) -> ClassifyResult:
        with torch_threads(self.threads):  # the runner's thread count for this frame (None: as set)
            return self._run(overlay.ensure_bgr(frame_bgr))

    def _run(self, frame: np.ndarray) -> ClassifyResult:
        start = time.perf_counter()
        batch = self.preprocess(cv2.cvtColor(frame, cv2.COLOR_BGR2RGB))[None]
        t_pre = time.perf_counter()
        with torch.inference_mode():
            logits = self._forward(batch)
        t_inf = time.perf_counter()
        top = self._top(logits.softmax(dim=1)[0], self.topk)
        t_post = time.perf_counter()
        times = StageTimes(1000 * (t_pre - start), 1000 * (t_inf - t_pre), 1000 * (t_post - t_inf))
        return ClassifyResult(model=self.model, weights=self.weights, frame_size=frame.shape[:2], timings=times,
                              top=top)

    def draw(self, frame_bgr: np.ndarray, result: ClassifyResult, *, lines: int = 3,
             show_untrained: bool = True) -> np.ndarray:
        return draw_classification(frame_bgr, result, lines=lines, show_untrained=show_untrained)


def classification_models() -> list[str]:
    return [n for n in catalog.MODELS.names() if catalog.model_info(n).task == "classification"]


def load_classifier(model_name: str, weights: str | Path | None = "default", progress=None, *,
                    threads: int | None = None) -> ClassifyRunner:
    """The classify branch of engine.tasks.make_runner. weights: 'default' (the cached / fetched
    registered weights), a checkpoint path, or None for random weights (labelled untrained)."""
    info = catalog.model_info(model_name)
    if info.task != "classification":
        raise InvalidInput(f"{model_name} is a {info.task} model; classification models: "
                           f"{', '.join(classification_models())}")
    network = catalog.build(model_name)
    preprocess = Preprocess(crop=info.input.size, mean=info.input.mean, std=info.input.std)
    used = None
    if weights is not None:
        entry = load_weights(network, model_name, weights, progress)
        used = entry.name if entry else str(weights)
        if entry and entry.preprocess.get("resize"):
            preprocess = Preprocess(resize=int(entry.preprocess["resize"]), crop=int(entry.preprocess["crop"]),
                                    mean=info.input.mean, std=info.input.std)
    return ClassifyRunner(model_name, network, paths.labels(info.labels), used, preprocess=preprocess,
                          threads=threads)


def draw_classification(frame_bgr: np.ndarray, result: ClassifyResult, *, lines: int = 3,
                        show_untrained: bool = True) -> np.ndarray:
    """The best `lines` labels with their probabilities, top-left."""
    image = overlay.ensure_bgr(frame_bgr).copy()
    scale, thickness = overlay.text_scale(image.shape)
    y = 0
    for p in result.top[:lines]:
        _, h = overlay.put_text(image, f"{p.probability:6.1%}  {p.label}", (0, y), scale, thickness)
        y += h
    if result.untrained and show_untrained:
        overlay.banner(image, UNTRAINED)
    return image
