"""Every model the app can build: name -> builder, task, options, input convention.

The types and the registry live in engine.models.info; this module registers the four
classifiers and imports every module that registers task models (engine.models.task_models),
so a lookup here sees every model. Registration modules import engine.models.info, never this.
"""

from __future__ import annotations

from pathlib import Path

from torch import nn

from engine.models.info import (  # noqa: F401  (the catalog's types, re-exported for lookups)
    IMAGENET_MEAN, IMAGENET_STD, MODELS, RESOLUTION_RANGE, WIDTH_RANGE, InputSpec, ModelInfo, check_config,
    check_resolution,
)
from engine.models.mobilenet_v1 import mobilenet_v1
from engine.models.mobilenet_v2 import mobilenet_v2
from engine.models.mobilenet_v3 import mobilenet_v3_large, mobilenet_v3_small
from engine.weights.load import load_weights

V3_OPTIONS = ("minimalistic", "reduced_tail", "dilated")

MODELS.add("mobilenet_v1", ModelInfo(
    name="mobilenet_v1", task="classification", family="v1", builder=mobilenet_v1,
    description="MobileNetV1: depthwise-separable convolutions, width multiplier alpha",
))
MODELS.add("mobilenet_v2", ModelInfo(
    name="mobilenet_v2", task="classification", family="v2", builder=mobilenet_v2,
    description="MobileNetV2: inverted residuals and linear bottlenecks (torchvision layout)",
))
MODELS.add("mobilenet_v3_large", ModelInfo(
    name="mobilenet_v3_large", task="classification", family="v3-large", builder=mobilenet_v3_large,
    description="MobileNetV3-Large: NAS + NetAdapt, h-swish, squeeze-excite (torchvision layout)",
    options=V3_OPTIONS,
))
MODELS.add("mobilenet_v3_small", ModelInfo(
    name="mobilenet_v3_small", task="classification", family="v3-small", builder=mobilenet_v3_small,
    description="MobileNetV3-Small: NAS + NetAdapt, h-swish, squeeze-excite (torchvision layout)",
    options=V3_OPTIONS,
))


TASK_ORDER = ("classification", "detection", "segmentation")


def list_models() -> list[ModelInfo]:
    """Classifiers, then detectors, then segmenters; within a task, in registration order
    (which package registers first depends on import order, so the task decides)."""
    infos = [MODELS.get(name) for name in MODELS.names()]
    return sorted(infos, key=lambda info: TASK_ORDER.index(info.task) if info.task in TASK_ORDER else len(TASK_ORDER))


def model_info(name: str) -> ModelInfo:
    return MODELS.get(name)


def build(name: str, width: float = 1.0, **options) -> nn.Module:
    info = model_info(name)
    check_config(info, width, options)
    kwargs = dict(options)
    if info.has_width:
        kwargs["width"] = float(width)
    return info.builder(**kwargs).eval()


def build_model(name: str, *, width: float = 1.0, weights: str | Path | None = None, **options) -> nn.Module:
    """A model in eval mode. weights=None: random init; 'default': the registered weights;
    a path: a checkpoint (torchvision's files load as they are)."""
    model = build(name, width, **options)
    if weights is not None:
        load_weights(model, name, weights)
    return model


# Task models (detection, segmentation, ports) register themselves in MODELS when imported.
# One import line per module below; keep the list sorted.
import engine.models.task_models  # noqa: E402,F401
