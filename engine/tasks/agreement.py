"""What a fast path costs in accuracy: its outputs against the reference path (eager, fp32) on
real photos, with the model's cached weights (DESIGN.md §5).

- classifiers: top-1 agreement and the largest absolute logit difference;
- detectors: box agreement, the share of detections matched one to one by a detection of the
  same class with IoU >= 0.5 (over the larger of the two counts, so extra boxes count too);
- segmenters: mask IoU (the selfie model's person mask; mean IoU over the classes present for
  the others).

Photos: the labelled sample set when it is cached (never fetched here), else the bundled ones.
Random weights (nothing cached) are measured too, and the result says so: agreement of an
untrained network says little about a trained one.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, fields
from pathlib import Path

import cv2
import numpy as np
import torch

from engine import files, paths
from engine.models import catalog
from engine.models.detection.agreement import match
from engine.runtime import prepare
from engine.tasks import CATALOG_TASK, cached_weights, make_runner

IOU_MATCH = 0.5
SAMPLE_SET = "imagenet-sample-20"


@dataclass(frozen=True, kw_only=True)
class PathAgreement:
    model: str
    path: str  # the path that ran (a runner may fall back, e.g. VOC segmenters to "fast")
    reference: str
    weights: str | None  # None: random weights
    images: int
    source: str  # which photos
    top1_agreement: float | None = None
    max_logit_diff: float | None = None
    box_agreement: float | None = None
    mask_iou: float | None = None
    measured_at: float = 0.0  # time.time() when measured

    def to_json(self) -> dict:
        return dict(self.__dict__)

    def summary(self) -> str:
        """One line for tables: the figures this task has."""
        parts = []
        if self.top1_agreement is not None:
            parts.append(f"top-1 {self.top1_agreement:.0%}, max Δlogit {self.max_logit_diff:.2g}")
        if self.box_agreement is not None:
            parts.append(f"boxes {self.box_agreement:.0%}")
        if self.mask_iou is not None:
            parts.append(f"mask IoU {self.mask_iou:.3f}")
        return "; ".join(parts) + ("" if self.weights else " (random weights)")


def bundled_photos() -> tuple[list[np.ndarray], str]:
    """The photos shipped in assets/ (RGB uint8)."""
    files = sorted((paths.ASSETS / "demo").glob("*.jpg")) + sorted((paths.ASSETS / "images").glob("*.png"))
    photos = [cv2.cvtColor(cv2.imread(str(f), cv2.IMREAD_COLOR), cv2.COLOR_BGR2RGB) for f in files]
    return photos, f"bundled photos ({', '.join(Path(f).name for f in files)})"


def real_photos() -> tuple[list[np.ndarray], str]:
    """RGB uint8 photos: the cached labelled sample set, else the bundled photos."""
    from engine.tasks.samples import cached_sample_path, read_samples

    try:
        cached = cached_sample_path(SAMPLE_SET)
    except Exception:  # no manifest entry in this build: the bundled photos still serve
        cached = None
    if cached is not None:
        photos = [sample.rgb for sample in read_samples(cached)]
        if photos:
            return photos, f"{SAMPLE_SET} ({len(photos)} labelled photos)"
    return bundled_photos()


def matched_boxes(want, got) -> int:
    """One-to-one matches of two detection lists (same label, IoU >= 0.5): the project's one
    detection matcher (engine.models.detection.agreement.match)."""
    pairs = match([d.box for d in want], [d.box for d in got], iou_min=IOU_MATCH, strict=False,
                  labels_a=[d.label for d in want], labels_b=[d.label for d in got])
    return len(pairs)


def mask_iou(want: np.ndarray, got: np.ndarray, classes: list[int]) -> float:
    """Mean IoU over `classes` present in either mask (1.0 when none is)."""
    ious = []
    for c in classes:
        a, b = want == c, got == c
        union = np.logical_or(a, b).sum()
        if union:
            ious.append(np.logical_and(a, b).sum() / union)
    return float(np.mean(ious)) if ious else 1.0


def _store_file() -> Path:
    return paths.cache_dir() / "path_agreement.json"


def _load_store() -> dict:
    return files.read_json_object(_store_file())


def remembered(model: str, path: str) -> PathAgreement | None:
    """The last accuracy cost measured for `model` on `path` against the reference, with real
    weights (what the Trade-offs page shows beside a path's latencies), or None."""
    record = _load_store().get(f"{model}|{path}")
    try:
        known = {f.name for f in fields(PathAgreement)}
        return PathAgreement(**{k: v for k, v in record.items() if k in known})
    except (AttributeError, TypeError):  # never measured, or a damaged record
        return None


def _remember(result: PathAgreement, asked: str) -> None:
    if result.weights is None or result.reference != "reference":
        return  # random weights or another baseline: not the figure a user compares paths by
    store = _load_store()
    store[f"{result.model}|{asked}"] = result.to_json()
    try:
        files.write_text(_store_file(), json.dumps(store, indent=2, sort_keys=True) + "\n", make_parents=True)
    except OSError:
        pass  # a cache that cannot be written only means measuring again next time


def path_agreement(model: str, path: str, *, threads: int = 2, reference: str = "reference",
                   photos: tuple[list[np.ndarray], str] | None = None) -> PathAgreement:
    """`path` against `reference` for `model` on real photos (see the module docstring); with
    real weights against the reference, remembered for `remembered`."""
    result = _measure(model, path, threads=threads, reference=reference, photos=photos)
    _remember(result, path)
    return result


def _measure(model: str, path: str, *, threads: int, reference: str,
             photos: tuple[list[np.ndarray], str] | None) -> PathAgreement:
    info = catalog.model_info(model)
    task = next(t for t, c in CATALOG_TASK.items() if c == info.task)
    images, source = photos if photos is not None else real_photos()
    weights = cached_weights(model)
    runner = make_runner(task, model, weights, threads=threads)
    common = dict(model=model, reference=reference, weights=weights, images=len(images), source=source,
                  measured_at=time.time())
    if task == "classify":
        batch = torch.stack([runner.preprocess(rgb) for rgb in images])
        size = runner.preprocess.crop
        want_path = prepare(model, module=runner.network, path=reference, threads=threads, resolution=size)
        # int8 is calibrated on the bundled photos (the evaluated ones are the sample set when cached)
        calibration = torch.stack([runner.preprocess(rgb) for rgb in bundled_photos()[0]]) if path.endswith("int8") else None
        got_path = prepare(model, module=runner.network, path=path, threads=threads, resolution=size,
                           calibration=calibration)
        with torch.inference_mode():
            want = torch.cat([want_path(x[None]) for x in batch]).float()
            got = torch.cat([got_path(x[None]) for x in batch]).float()
        return PathAgreement(path=got_path.path, **common,
                             top1_agreement=float((want.argmax(1) == got.argmax(1)).float().mean()),
                             max_logit_diff=float((want - got).abs().max()))
    frames = [cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR) for rgb in images]
    if reference != "reference":
        runner.use_path(reference)
    want = [runner.run(frame) for frame in frames]
    runner.use_path(path)
    got = [runner.run(frame) for frame in frames]
    if task == "detect":
        matched = sum(matched_boxes(w.detections, g.detections) for w, g in zip(want, got))
        total = sum(max(len(w.detections), len(g.detections)) for w, g in zip(want, got))
        return PathAgreement(path=runner.path, **common, box_agreement=matched / total if total else 1.0)
    classes = list(range(1, len(want[0].labels)))  # every class but the background
    iou = float(np.mean([mask_iou(w.mask, g.mask, classes) for w, g in zip(want, got)]))
    return PathAgreement(path=runner.path, **common, mask_iou=iou)
