"""Top-1 / top-5 accuracy of a classify runner over FOLDER/<class>/<image>, class folders named
by ImageNet index or label text; and `save_evaluation`, the one way an evaluation (a folder's or
a sample set's) reaches the results database, for the CLI's `evaluate` and the Classify page alike."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import torch

from engine.errors import InvalidInput
from engine.images import IMAGE_SUFFIXES, read_image
from engine.profiling.machine import fingerprint
from engine.results.store import AccuracyRecord, ResultsDB
from engine.runtime.available import EXACT_PATHS
from engine.tasks.classify import ClassifyRunner
from engine.tasks.samples import SampleAccuracy

__all__ = ["EvalResult", "class_index", "labelled_images", "evaluate_folder", "save_evaluation"]


@dataclass(frozen=True, kw_only=True)
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


def evaluate_folder(classifier: ClassifyRunner, folder: str | Path, limit: int | None = None,
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
    return EvalResult(model=classifier.model, weights=classifier.weights, images=len(items),
                      top1=top1 / len(items), top5=top5 / len(items), classes=len(per_class),
                      per_class=dict(sorted(per_class.items())))


def save_evaluation(classifier: ClassifyRunner, result: EvalResult | SampleAccuracy, dataset: str,
                    db: ResultsDB | None = None) -> AccuracyRecord | None:
    """Store an evaluation's top-1 / top-5 with its image count n (from which the Trade-offs page
    draws the Wilson interval), so the trade-offs join it with this configuration's measured
    latency. Nothing is stored (None) for random weights, whose accuracy is no trade-off point,
    nor for an inexact path (bf16, int8): the record has no path, and the Trade-offs page would
    take that top-1 for the model's own."""
    if classifier.untrained or classifier.path not in EXACT_PATHS:
        return None
    own = db is None
    db = ResultsDB() if own else db
    try:
        return db.save_accuracy(model=result.model, width=1.0,  # classifiers load at width 1.0 (catalog.build)
                                resolution=classifier.preprocess.crop,
                                weights=str(result.weights), dataset=dataset, top1=result.top1, top5=result.top5,
                                n=result.images, fingerprint=fingerprint(threads=torch.get_num_threads(),
                                                                         device="cpu", backend="torch eager"))
    finally:
        if own:
            db.close()
