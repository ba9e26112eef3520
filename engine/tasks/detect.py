"""Object detection behind the TaskRunner contract: one BGR frame in, every box above a low
score floor out (in the frame's own pixels), so a display threshold is a filter at draw time,
not another forward pass."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

import cv2
import numpy as np
import torch

from engine.errors import check_range
from engine.models.detection import postprocess
from engine.models.detection.anchors import ImageList
from engine.models.detection.transforms import resize_boxes
from engine.tasks import draw as overlay
from engine.tasks.base import UNTRAINED, FrameResult, PreparedFrame, StageTimes, StagedRunner
from engine.tasks.inference import network_on_path

SCORE_FLOOR = 0.05  # results keep boxes down to this score; displays choose their own threshold
MAX_SIDE = 2048  # larger frames are downscaled (area interpolation) before the model sees them


@dataclass(frozen=True)
class Detection:
    box: tuple[float, float, float, float]  # x1, y1, x2, y2 in the frame's pixels
    score: float
    label: int  # index into the model's label list (COCO's 91 entries, background = 0)
    name: str

    def to_json(self) -> dict:
        return {"box": [round(v, 2) for v in self.box], "score": round(self.score, 5),
                "label": self.label, "name": self.name}


@dataclass(frozen=True, eq=False)
class DetectResult(FrameResult):
    detections: tuple[Detection, ...]  # best score first
    score_floor: float = SCORE_FLOOR
    task: str = "detect"

    def above(self, score: float) -> DetectResult:
        """The same result keeping only detections scoring >= score."""
        return replace(self, detections=tuple(d for d in self.detections if d.score >= score))

    def to_json(self) -> dict:
        return {**self.json_head(), "score_floor": self.score_floor,
                "detections": [d.to_json() for d in self.detections]}


def working_scale(height: int, width: int, max_side: int = MAX_SIDE) -> float:
    """The factor (<= 1) that brings the longer side down to max_side."""
    return min(1.0, max_side / max(height, width))


class DetectRunner(StagedRunner):
    """A loaded SSDLite detector. `model` follows engine.models.detection.ssdlite.SSDLite
    (torchvision's sub-module API), so the three stages can be timed separately."""

    task = "detect"

    def __init__(self, model_name: str, model: torch.nn.Module, labels: Sequence[str], weights: str | None,
                 *, threads: int | None = None, score_floor: float = SCORE_FLOOR):
        check_range("score floor", score_floor, 0.0, 1.0)
        self.model, self.network = model_name, model.eval()
        self.labels = list(labels)
        self.weights = weights
        self.threads = threads
        self.score_floor = score_floor
        self.path = "reference"
        self._anchor_cache = None
        getattr(self.network.transform, "warm_up", lambda: None)()  # compiled steps load with the model
        postprocess.warm_up()
        self._prepared = None  # engine.runtime's network (backbone + head) when not on the reference path

    def use_path(self, path: str) -> None:
        """Run backbone + head on an engine.runtime inference path (engine/tasks/inference.py);
        the transform, anchors, decoding and NMS stay as they are."""
        size = self.network.transform.size[0]  # both SSDLite transforms resize to a fixed square
        self._prepared, self.path = network_on_path(self.model, self.network, path, self.threads, size)

    @property
    def untrained(self) -> bool:
        return self.weights is None

    def prepare(self, frame_bgr: np.ndarray) -> PreparedFrame:
        """The preprocess stage alone (BGR frame -> the network's input batch). The live pipeline
        runs it in its capture thread for the frame the worker takes next, while the network runs
        on the one before; `run_prepared` does the rest. Pure: safe from any thread."""
        frame = overlay.ensure_bgr(frame_bgr)
        height, width = frame.shape[:2]
        start = time.perf_counter()
        scale = working_scale(height, width)
        small = frame if scale == 1.0 else cv2.resize(
            frame, (max(1, round(width * scale)), max(1, round(height * scale))), interpolation=cv2.INTER_AREA)
        with torch.inference_mode():
            batch = self.network.transform.from_frame(small)
        return PreparedFrame(frame, batch, 1000 * (time.perf_counter() - start))

    def _finish(self, prepared: PreparedFrame, network_done: Callable[[], None] | None) -> DetectResult:
        frame, image_list = prepared.frame, prepared.batch
        height, width = frame.shape[:2]
        net = self.network
        t_pre = time.perf_counter()

        with torch.inference_mode():
            if self._prepared is None:
                features = list(net.backbone(image_list.tensors).values())
                head_outputs = net.head(features)
            else:
                features, head_outputs = None, self._prepared(image_list.tensors)
        t_inf = time.perf_counter()
        if network_done is not None:
            network_done()

        with torch.inference_mode():
            found = net.postprocess_detections(head_outputs, self._anchors(image_list, features),
                                               image_list.image_sizes, score_floor=self.score_floor)[0]
        # the rest in numpy: a live frame has a few boxes, where each tensor call's dispatch costs
        # more than its arithmetic (0.34 against 0.16 ms, cold, right after the network)
        scores = found["scores"].numpy()
        keep = scores >= self.score_floor
        boxes = resize_boxes(found["boxes"].numpy()[keep], image_list.image_sizes[0], (height, width))
        boxes = boxes.astype(np.float64)
        boxes[:, 0::2] = boxes[:, 0::2].clip(0, width)
        boxes[:, 1::2] = boxes[:, 1::2].clip(0, height)
        detections = sorted(
            (Detection(tuple(float(v) for v in box), float(s), int(c), self._name(int(c)))
             for box, s, c in zip(boxes, scores[keep].tolist(), found["labels"].numpy()[keep].tolist())),
            key=lambda d: -d.score)
        t_post = time.perf_counter()
        times = StageTimes(prepared.preprocess_ms, 1000 * (t_inf - t_pre), 1000 * (t_post - t_inf))
        return DetectResult(self.model, self.weights, (height, width), times, tuple(detections), self.score_floor)

    def _anchors(self, image_list: ImageList, features: list[torch.Tensor] | None) -> list[torch.Tensor]:
        """The anchors depend only on the input size (the feature maps' sizes follow from it),
        which a video keeps frame after frame: generate them once per size (0.5 ms a frame
        otherwise). features: the backbone's, or None on a runtime path, whose network returns
        only the head's outputs: the generator reads nothing but the maps' sizes."""
        key = (tuple(image_list.tensors.shape), tuple(image_list.image_sizes))
        if self._anchor_cache is None or self._anchor_cache[0] != key:
            if features is None:
                features = [torch.empty(1, 0, h, w)
                            for h, w in self._prepared.feature_shapes(image_list.tensors.shape[-2:])]
            self._anchor_cache = (key, self.network.anchor_generator(image_list, features))
        return self._anchor_cache[1]

    def _name(self, label: int) -> str:
        return self.labels[label] if 0 <= label < len(self.labels) else f"class {label}"

    def draw(self, frame_bgr: np.ndarray, result: DetectResult, *, score: float = 0.5,
             show_untrained: bool = True) -> np.ndarray:
        return draw_detections(frame_bgr, result, score=score, show_untrained=show_untrained)


def draw_detections(frame_bgr: np.ndarray, result: DetectResult, *, score: float = 0.5,
                    show_untrained: bool = True) -> np.ndarray:
    """Boxes scoring >= score with 'name score' labels, in one colour per class."""
    check_range("score", score, 0.0, 1.0)
    shown = result.above(score).detections
    image = overlay.draw_boxes(frame_bgr, np.array([d.box for d in shown]).reshape(-1, 4),
                               np.array([d.score for d in shown]), np.array([d.label for d in shown]),
                               [d.name for d in shown], score=score)
    if result.untrained and show_untrained:
        overlay.banner(image, UNTRAINED)
    return image
