"""Every model the app can build: name -> builder, task, options, input convention.

Detection and segmentation models register themselves here too (engine.models.detection,
engine.models.segmentation), so `list_models()` and the CLI see them without changes here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from torch import nn

from engine.errors import InvalidInput, UnknownName, check_range
from engine.models.mobilenet_v1 import mobilenet_v1
from engine.models.mobilenet_v2 import mobilenet_v2
from engine.models.mobilenet_v3 import mobilenet_v3_large, mobilenet_v3_small
from engine.registry import Registry

IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)
WIDTH_RANGE = (0.1, 3.0)
RESOLUTION_RANGE = (32, 2048)  # below 32 the last stride-2 stage has nothing left to halve


@dataclass(frozen=True)
class InputSpec:
    """How a model wants its input: size, value range, normalisation."""

    size: int
    value_range: tuple[float, float] = (0.0, 1.0)
    mean: tuple[float, ...] = IMAGENET_MEAN
    std: tuple[float, ...] = IMAGENET_STD
    layout: str = "N×3×H×W, mean/std-normalised RGB"


@dataclass(frozen=True)
class ModelInfo:
    name: str
    task: str  # classification | detection | segmentation
    family: str  # v1 | v2 | v3-large | v3-small (the backbone; keys into the papers' tables)
    description: str
    builder: Callable[..., nn.Module] = field(repr=False, compare=False)
    input: InputSpec = InputSpec(size=224)
    labels: str = "imagenet"
    options: tuple[str, ...] = ()  # boolean options the builder accepts
    has_width: bool = True  # False for fixed ports (the width multiplier does not apply)

    def to_json(self) -> dict:
        from engine.weights import weights_for  # late: weights imports the catalog

        return {
            "name": self.name, "task": self.task, "family": self.family,
            "description": self.description, "labels": self.labels,
            "options": list(self.options), "has_width": self.has_width,
            "input": {
                "size": self.input.size, "value_range": list(self.input.value_range),
                "mean": list(self.input.mean), "std": list(self.input.std), "layout": self.input.layout,
            },
            "weights": weights_for(self.name),
        }


MODELS: Registry[ModelInfo] = Registry("model")
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


def model_info(name: str) -> ModelInfo:
    return MODELS.get(name)


def check_config(info: ModelInfo, width: float, options: dict) -> None:
    """Validate width and options before anything is built; messages list what is valid."""
    for key, value in options.items():
        if key not in info.options:
            valid = info.options or ("(none)",)
            raise UnknownName(f"option for {info.name}", key, valid)
        if not isinstance(value, bool):
            raise InvalidInput(f"option {key} must be true or false, got {value!r}")
    if not isinstance(width, (int, float)) or isinstance(width, bool):
        raise InvalidInput(f"width must be a number, got {width!r}")
    if not info.has_width and width != 1.0:
        raise InvalidInput(f"{info.name} is a fixed port; width must be 1.0, got {width:g}")
    check_range("width", float(width), *WIDTH_RANGE)


def check_resolution(resolution: int) -> None:
    if isinstance(resolution, bool) or not isinstance(resolution, int):
        raise InvalidInput(f"resolution must be a whole number of pixels, got {resolution!r}")
    check_range("resolution", resolution, *RESOLUTION_RANGE, unit=" px")


def build(name: str, width: float = 1.0, **options) -> nn.Module:
    info = model_info(name)
    check_config(info, width, options)
    kwargs = dict(options)
    if info.has_width:
        kwargs["width"] = float(width)
    return info.builder(**kwargs).eval()


# Task models (detection, segmentation, ports) register themselves in MODELS when imported.
# One import line per module below; keep the list sorted.
import engine.models.task_models  # noqa: E402,F401
