"""Labelled sample sets for measured accuracy: `imagenet-sample-20`, the 20 ImageNet-labelled
photos of the foolbox 3.3.4 wheel (MIT), fetched and cached like weights (manifest entry of
kind "sample-set": a zip of `NN_LABEL.jpg`, LABEL the 0-based ImageNet index).

A photo that fails to decode is reported by name and skipped; the rest still count.
"""

from __future__ import annotations

import math
import re
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from engine.errors import InvalidInput, UnknownName

NAME = re.compile(r"^(\d+)_(\d+)\.jpg$")


@dataclass(frozen=True)
class Sample:
    name: str  # NN_LABEL.jpg
    label: int  # 0-based index into the set's label list
    rgb: np.ndarray  # H x W x 3 uint8


def sample_sets() -> list[str]:
    from engine.weights import manifest

    return [e.name for e in manifest.entries() if e.kind == "sample-set"]


def sample_path(name: str, progress: Callable[..., None] | None = None) -> Path:
    """The cached, hash-verified zip of a sample set (fetched from its registry package if
    missing; WeightsUnavailable when it cannot be had)."""
    from engine.weights import fetch, manifest

    if name not in sample_sets():
        raise UnknownName("sample set", name, sample_sets())
    path, _ = fetch.ensure(manifest.get(name), progress or (lambda *a, **k: None))
    return path


def cached_sample_path(name: str) -> Path | None:
    """The verified zip when the cache holds it, else None (never fetches)."""
    from engine.weights import cache, manifest

    if name not in sample_sets():
        raise UnknownName("sample set", name, sample_sets())
    entry = manifest.get(name)
    state = cache.check(cache.converted_path(entry.name, entry.suffix))
    return state.path if state.ok else None


def read_samples(path: Path, warn: Callable[[str], None] = lambda message: None) -> Iterator[Sample]:
    """The photos of a sample-set zip in name order; `warn` hears one line per unreadable one."""
    try:
        archive = zipfile.ZipFile(path)
    except (OSError, zipfile.BadZipFile) as exc:
        raise InvalidInput(f"sample set {path} is not a readable zip ({exc})") from None
    with archive:
        for name in sorted(n for n in archive.namelist() if NAME.match(n)):
            try:
                data = np.frombuffer(archive.read(name), np.uint8)
            except (OSError, zipfile.BadZipFile) as exc:
                warn(f"{name}: cannot be read from {path.name} ({exc}); skipped")
                continue
            bgr = cv2.imdecode(data, cv2.IMREAD_COLOR) if data.size else None
            if bgr is None:
                warn(f"{name}: not a decodable image; skipped")
                continue
            yield Sample(name, int(NAME.match(name).group(2)), cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB))


def wilson_interval(successes: int, total: int, z: float = 1.959963984540054) -> tuple[float, float]:
    """Wilson score interval of a proportion (95 % by default): honest at n = 20, where the
    normal approximation would leave [0, 1]."""
    if total <= 0:
        raise InvalidInput("a proportion needs at least one trial")
    if not 0 <= successes <= total:
        raise InvalidInput(f"successes {successes} must be between 0 and {total}")
    p, z2 = successes / total, z * z
    centre = (p + z2 / (2 * total)) / (1 + z2 / total)
    half = z * math.sqrt(p * (1 - p) / total + z2 / (4 * total * total)) / (1 + z2 / total)
    return max(0.0, centre - half), min(1.0, centre + half)


@dataclass(frozen=True)
class SampleAccuracy:
    """A classifier's measured top-1 / top-5 on a sample set, with the 95 % Wilson interval of
    its top-1 (wide at 20 images: say so wherever it is shown)."""

    sample_set: str
    model: str
    weights: str | None
    path: str
    images: int
    top1_correct: int
    top5_correct: int
    skipped: tuple[str, ...]  # one line per photo that could not be read

    @property
    def top1(self) -> float:
        return self.top1_correct / self.images

    @property
    def top5(self) -> float:
        return self.top5_correct / self.images

    @property
    def top1_interval(self) -> tuple[float, float]:
        return wilson_interval(self.top1_correct, self.images)

    def to_json(self) -> dict:
        low, high = self.top1_interval
        return {"sample_set": self.sample_set, "model": self.model, "weights": self.weights, "path": self.path,
                "images": self.images, "top1": self.top1, "top5": self.top5, "top1_correct": self.top1_correct,
                "top1_interval95": [low, high], "interval": "Wilson 95 %", "skipped": list(self.skipped)}


def evaluate_samples(classifier, sample_set: str = "imagenet-sample-20", *, path: Path | None = None,
                     warn: Callable[[str], None] = lambda message: None,
                     progress: Callable[[int, int], None] | None = None) -> SampleAccuracy:
    """Top-1 / top-5 of a classify runner (engine.tasks.classify.ClassifyRunner, on whatever
    inference path it uses) over a sample set; unreadable photos are named and skipped."""
    skipped: list[str] = []

    def note(message: str) -> None:
        skipped.append(message)
        warn(message)

    photos = list(read_samples(path or sample_path(sample_set), note))
    if not photos:
        raise InvalidInput(f"sample set {sample_set} has no readable photo")
    top1 = top5 = 0
    for start in range(0, len(photos), 8):
        chunk = photos[start:start + 8]
        best5 = classifier.probabilities([p.rgb for p in chunk]).topk(5, dim=1).indices.tolist()
        for photo, row in zip(chunk, best5):
            top1 += int(row[0] == photo.label)
            top5 += int(photo.label in row)
        if progress:
            progress(start + len(chunk), len(photos))
    return SampleAccuracy(sample_set, classifier.model, classifier.weights, getattr(classifier, "path", "reference"),
                          len(photos), top1, top5, tuple(skipped))
