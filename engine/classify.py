"""ImageNet classification with real weights: torchvision's eval preprocessing, top-K labels,
and top-1/top-5 evaluation over a folder of class sub-folders."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch
from torch import nn

from engine import paths
from engine.errors import InvalidInput
from engine.images import read_image
from engine.models import catalog
from engine.weights.load import load_weights

UNTRAINED = "untrained — for latency only"
IMAGE_SUFFIXES = {".jpg", ".jpeg", ".png", ".bmp", ".webp", ".tif", ".tiff", ".ppm", ".pgm", ".jpe"}


@dataclass(frozen=True)
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


@dataclass(frozen=True)
class Prediction:
    index: int
    label: str
    probability: float

    def to_json(self) -> dict:
        return {"index": self.index, "label": self.label, "probability": self.probability}


@dataclass
class Classifier:
    model_name: str
    model: nn.Module
    preprocess: Preprocess
    labels: list[str]
    weights: str | None  # manifest entry name or checkpoint path; None = random init
    note: str = ""  # UNTRAINED for random weights

    @property
    def untrained(self) -> bool:
        return self.weights is None

    @torch.inference_mode()
    def probabilities(self, images: Sequence[np.ndarray]) -> torch.Tensor:
        batch = torch.stack([self.preprocess(image) for image in images])
        return self.model(batch).softmax(dim=1)

    def predict(self, images: Sequence[np.ndarray], topk: int = 5) -> list[list[Prediction]]:
        probs = self.probabilities(images)
        values, indices = probs.topk(min(topk, probs.shape[1]), dim=1)
        return [[Prediction(int(i), self.labels[int(i)], float(p)) for p, i in zip(row_p, row_i)]
                for row_p, row_i in zip(values, indices)]

    def describe(self) -> dict:
        return {"model": self.model_name, "weights": self.weights, "untrained": self.untrained,
                "note": self.note}


def classification_models() -> list[str]:
    return [n for n in catalog.MODELS.names() if catalog.model_info(n).task == "classification"]


def load_classifier(model_name: str, weights: str | Path | None = "default", progress=None) -> Classifier:
    """weights: 'default' (the cached / fetched registered weights), a checkpoint path, or None
    for random weights (labelled untrained)."""
    info = catalog.model_info(model_name)
    if info.task != "classification":
        raise InvalidInput(f"{model_name} is a {info.task} model; classification models: "
                           f"{', '.join(classification_models())}")
    model = catalog.build(model_name)
    preprocess = Preprocess(crop=info.input.size, mean=info.input.mean, std=info.input.std)
    if weights is None:
        used, note = None, UNTRAINED
    else:
        entry = load_weights(model, model_name, weights, progress)
        used, note = (entry.name if entry else str(weights)), ""
        if entry and entry.preprocess.get("resize"):
            preprocess = Preprocess(resize=int(entry.preprocess["resize"]), crop=int(entry.preprocess["crop"]),
                                    mean=info.input.mean, std=info.input.std)
    return Classifier(model_name, model.eval(), preprocess, paths.labels(info.labels), used, note)


@dataclass(frozen=True)
class EvalResult:
    model: str
    weights: str | None
    images: int
    top1: float  # fraction correct
    top5: float
    classes: int
    per_class: dict = field(default_factory=dict)  # class index -> (images, top-1 correct)

    def to_json(self) -> dict:
        return {"model": self.model, "weights": self.weights, "images": self.images,
                "top1": self.top1, "top5": self.top5, "classes": self.classes,
                "per_class": {str(k): {"images": n, "top1_correct": c} for k, (n, c) in self.per_class.items()}}


def class_index(folder_name: str, labels: list[str]) -> int | None:
    """A class sub-folder's ImageNet index: the index itself (0-999) or the exact label text,
    case-insensitive."""
    if folder_name.isdigit() and int(folder_name) < len(labels):
        return int(folder_name)
    lowered = [label.lower() for label in labels]
    name = folder_name.strip().lower()
    return lowered.index(name) if name in lowered else None


def labelled_images(folder: str | Path, labels: list[str], limit: int | None = None) -> list[tuple[Path, int]]:
    """(image, class index) pairs; with a limit, taken round-robin across classes so a short
    run still samples every class."""
    folder = Path(folder)
    if not folder.is_dir():
        raise InvalidInput(f"{folder} is not a folder")
    subdirs = sorted(p for p in folder.iterdir() if p.is_dir())
    if not subdirs:
        raise InvalidInput(f"{folder} has no class sub-folders (name each by ImageNet class index "
                           f"0-{len(labels) - 1} or by its label text, e.g. '0' or 'tench')")
    unknown = [d.name for d in subdirs if class_index(d.name, labels) is None]
    if unknown:
        raise InvalidInput(f"{folder}: unknown class folder(s) {', '.join(unknown[:5])}; accepted: an ImageNet "
                           f"class index 0-{len(labels) - 1} or the exact label text from assets/labels/"
                           f"imagenet.txt (case-insensitive), e.g. '281' or 'tabby'")
    per_class = [[(f, class_index(d.name, labels)) for f in sorted(d.iterdir())
                  if f.is_file() and f.suffix.lower() in IMAGE_SUFFIXES] for d in subdirs]
    order = [item for group in _round_robin(per_class) for item in group]
    if not order:
        raise InvalidInput(f"{folder}: the class folders hold no images ({', '.join(sorted(IMAGE_SUFFIXES))})")
    return order[:limit] if limit else order


def _round_robin(groups: list[list]) -> list[list]:
    longest = max((len(g) for g in groups), default=0)
    return [[g[i] for g in groups if i < len(g)] for i in range(longest)]


def evaluate_folder(classifier: Classifier, folder: str | Path, limit: int | None = None,
                    batch: int = 16, progress: Callable[[int, int], None] | None = None) -> EvalResult:
    """Top-1 / top-5 accuracy over FOLDER/<class>/<image>."""
    if limit is not None and limit < 1:
        raise InvalidInput(f"limit must be at least 1, got {limit}")
    items = labelled_images(folder, classifier.labels, limit)
    top1 = top5 = 0
    per_class: dict[int, tuple[int, int]] = {}
    for start in range(0, len(items), batch):
        chunk = items[start:start + batch]
        probs = classifier.probabilities([read_image(path) for path, _ in chunk])
        best5 = probs.topk(5, dim=1).indices
        for (_, target), row in zip(chunk, best5.tolist()):
            hit1 = int(row[0] == target)
            top1 += hit1
            top5 += int(target in row)
            n, c = per_class.get(target, (0, 0))
            per_class[target] = (n + 1, c + hit1)
        if progress:
            progress(start + len(chunk), len(items))
    return EvalResult(classifier.model_name, classifier.weights, len(items), top1 / len(items),
                      top5 / len(items), len(per_class), dict(sorted(per_class.items())))
