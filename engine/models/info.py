"""The catalog's types: how a model is described (`ModelInfo`, `InputSpec`), the registry the
model packages add their entries to, and the checks of a configuration.

Imports nothing that registers models, so a registration module can import it without a
cycle; `engine.models.catalog` imports every registration and answers lookups.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from torch import nn

from engine.errors import InvalidInput, UnknownName, check_range
from engine.registry import Registry
from engine.weights.load import weights_for

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
