"""The one list of inference paths (DESIGN.md §5): what each is, whether it is exact, and whether
it can run here, with the reason when not. The profiler, the CLI's `--path`, the bench and the
GUI's pickers all read this list; `prepare` builds what it names.

Availability is decided without importing the runtimes (`importlib.util.find_spec`), so asking
costs nothing at start-up.
"""

from __future__ import annotations

import importlib.util
from dataclasses import dataclass
from functools import cache

from engine.errors import InvalidInput, UnknownName
from engine.models import catalog
from engine.runtime import cpu


@dataclass(frozen=True, kw_only=True)
class PathSpec:
    name: str
    exact: bool  # float32 throughout: the reference's outputs within rounding
    package: str  # the Python package that runs it ("torch" for the torch paths)
    module: str  # its import name
    summary: str
    tasks: tuple[str, ...] | None = None  # None: every task
    needs_bf16: bool = False  # needs native bfloat16 dot products (AVX512-BF16 / AMX)
    per_layer: bool = True  # the profiler can time its layers (hooks, or the runtime's own profiler)
    no_layers_why: str = ""  # when it cannot: why, in words a user can act on


SPECS: tuple[PathSpec, ...] = (
    PathSpec(name="reference", exact=True, package="torch", module="torch",
             summary="the papers' model in eager PyTorch, as built"),
    PathSpec(name="fast", exact=True, package="torch", module="torch",
             summary="PyTorch, batch-norm folded, channels_last, inference mode"),
    PathSpec(name="bf16", exact=False, package="torch", module="torch", needs_bf16=True,
             summary="PyTorch fast path under bfloat16 autocast"),
    PathSpec(name="int8", exact=False, package="onnxruntime", module="onnxruntime", tasks=("classification",),
             summary="ONNX Runtime, static int8 quantisation (QDQ) calibrated on real photos"),
    PathSpec(name="openvino-int8", exact=False, package="openvino", module="openvino", tasks=("classification",),
             summary="OpenVINO on the same int8 QDQ export (OpenVINO reads QDQ models as int8)"),
    PathSpec(name="onnxruntime", exact=True, package="onnxruntime", module="onnxruntime",
             summary="ONNX Runtime on the ONNX export, spinning off"),
    PathSpec(name="openvino", exact=True, package="openvino", module="openvino",
             summary="OpenVINO on the ONNX export, f32 inference precision"),
    PathSpec(name="openvino-bf16", exact=False, package="openvino", module="openvino", needs_bf16=True,
             summary="OpenVINO on the ONNX export, bf16 inference precision"),
    PathSpec(name="litert", exact=True, package="ai-edge-litert", module="ai_edge_litert",
             tasks=("classification",), per_layer=False,
             no_layers_why="LiteRT's Python interpreter exposes no per-op profiler (its C++ benchmark_model "
                           "--enable_op_profiling does); profile on openvino or onnxruntime for layers",
             summary="LiteRT's interpreter (XNNPACK) on a .tflite written from the export"),
)
PATHS: tuple[str, ...] = tuple(s.name for s in SPECS)
EXACT_PATHS: tuple[str, ...] = tuple(s.name for s in SPECS if s.exact)
PER_LAYER_PATHS: tuple[str, ...] = tuple(s.name for s in SPECS if s.per_layer)
_BY_NAME = {s.name: s for s in SPECS}


@dataclass(frozen=True, kw_only=True)
class PathStatus:
    """One path on this machine for one model: offered or not, and why not."""

    name: str
    exact: bool
    summary: str
    available: bool
    reason: str  # "" when available
    no_layers_why: str = ""  # set when the profiler cannot time this path's layers

    def to_json(self) -> dict:
        return dict(self.__dict__)


def spec(name: str) -> PathSpec:
    try:
        return _BY_NAME[name]
    except KeyError:
        raise UnknownName("inference path", name, PATHS) from None


@cache
def installed(module: str) -> bool:
    return importlib.util.find_spec(module) is not None


def _reason(s: PathSpec, task: str | None) -> str:
    if not installed(s.module):
        return f"{s.package} is not installed (pip install {s.package})"
    if s.needs_bf16 and not cpu.supports_bf16():
        return "this CPU has no native bfloat16 (AVX512-BF16 or AMX)"
    if task is not None and s.tasks is not None and task not in s.tasks:
        return f"runs {', '.join(s.tasks)} models only"
    return ""


def path_status(name: str, model: str | None = None) -> PathStatus:
    """Whether `name` runs here (for `model`'s task when given), with the reason when not."""
    s = spec(name)
    reason = _reason(s, catalog.model_info(model).task if model else None)
    return PathStatus(name=s.name, exact=s.exact, summary=s.summary, available=not reason, reason=reason,
                      no_layers_why=s.no_layers_why)


def path_statuses(model: str | None = None) -> list[PathStatus]:
    """Every path in the list's order, each with its availability (the GUI greys out the rest)."""
    return [path_status(name, model) for name in PATHS]


def available_paths(model: str | None = None) -> tuple[str, ...]:
    """The paths that run here (for `model` when given)."""
    return tuple(s.name for s in path_statuses(model) if s.available)


def check_path(name: str, model: str | None = None) -> None:
    """UnknownName listing every path for a name not in the list; InvalidInput with the reason
    and the paths that do run for one that cannot run here."""
    status = path_status(name, model)
    if not status.available:
        target = f" for {model}" if model else ""
        raise InvalidInput(f"path {name} is not available{target} on this machine: {status.reason}; "
                           f"available: {', '.join(available_paths(model))}")
