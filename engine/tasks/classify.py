"""ImageNet classification behind the TaskRunner contract, on top of engine.classify's
Classifier (same preprocessing and labels as the `classify` command)."""

from __future__ import annotations

import time
from dataclasses import dataclass

import cv2
import numpy as np
import torch

from engine.classify import UNTRAINED, Classifier, Prediction
from engine.errors import check_range
from engine.tasks import draw as overlay
from engine.tasks.base import StageTimes


@dataclass(frozen=True, eq=False)
class ClassifyResult:
    model: str
    weights: str | None  # manifest entry or checkpoint path; None = random weights
    frame_size: tuple[int, int]  # (height, width)
    timings: StageTimes
    top: tuple[Prediction, ...]  # best first
    task: str = "classify"

    @property
    def untrained(self) -> bool:
        return self.weights is None

    def to_json(self) -> dict:
        return {"task": self.task, "model": self.model, "weights": self.weights, "untrained": self.untrained,
                "note": UNTRAINED if self.untrained else "", "frame_size": list(self.frame_size),
                "timings_ms": self.timings.to_json(), "top": [p.to_json() for p in self.top]}


class ClassifyRunner:
    task = "classify"

    def __init__(self, classifier: Classifier, *, topk: int = 5, threads: int | None = None):
        check_range("topk", topk, 1, len(classifier.labels))
        self.classifier, self.topk, self.threads = classifier, topk, threads
        self.model = classifier.model_name
        self.path = "reference"
        self._forward = classifier.model

    def use_path(self, path: str) -> None:
        """Run the network on an engine.runtime inference path (see engine/tasks/inference.py)."""
        from engine.tasks.inference import network_on_path

        self._forward, self.path = network_on_path(self.model, self.classifier.model, path, self.threads,
                                                   self.classifier.preprocess.crop)

    @property
    def untrained(self) -> bool:
        return self.classifier.untrained

    @property
    def weights(self) -> str | None:
        return self.classifier.weights

    def run(self, frame_bgr: np.ndarray) -> ClassifyResult:
        if self.threads:
            torch.set_num_threads(self.threads)  # per calling thread with OpenMP builds
        frame = overlay.ensure_bgr(frame_bgr)
        clf = self.classifier
        start = time.perf_counter()
        batch = clf.preprocess(cv2.cvtColor(frame, cv2.COLOR_BGR2RGB))[None]
        t_pre = time.perf_counter()
        with torch.inference_mode():
            logits = self._forward(batch)
        t_inf = time.perf_counter()
        values, indices = logits.softmax(dim=1)[0].topk(self.topk)
        top = tuple(Prediction(int(i), clf.labels[int(i)], float(p)) for p, i in zip(values, indices))
        t_post = time.perf_counter()
        times = StageTimes(1000 * (t_pre - start), 1000 * (t_inf - t_pre), 1000 * (t_post - t_inf))
        return ClassifyResult(self.model, clf.weights, frame.shape[:2], times, top)

    def draw(self, frame_bgr: np.ndarray, result: ClassifyResult, *, lines: int = 3,
             show_untrained: bool = True) -> np.ndarray:
        return draw_classification(frame_bgr, result, lines=lines, show_untrained=show_untrained)


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
