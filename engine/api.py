"""The facade the GUI and the CLI use. Results are frozen dataclasses with `to_json()`.

Everything here is Qt-free and may be slow: callers on a UI thread must run it in a worker.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import torch
from torch import nn

from engine.analysis.layers import BlockRow, LayerRow, analyze_layers, roll_up
from engine.analysis.memory import Table3Memory, eager_peak_bytes, table3_peak
from engine.models import catalog
from engine.models.catalog import ModelInfo
from engine.tradeoffs.published import PublishedRow, published_for
from engine.profiling.latency import ProfileResult, export_trace, profile_model
from engine.weights import load_weights

# Re-exported so the GUI needs only `engine.api` (the engine's public surface in one place).
from engine.classify import (  # noqa: E402
    UNTRAINED, Classifier, EvalResult, Prediction, classification_models, evaluate_folder, load_classifier,
)
from engine.errors import Cancelled, InvalidInput, StudioError  # noqa: E402
from engine.images import read_image  # noqa: E402
from engine.paths import ASSETS  # noqa: E402
from engine.kernels.activations import run_activations  # noqa: E402
from engine.kernels.separable import run_separable, separable_layers  # noqa: E402
from engine.kernels.symconv import METHODS as SYMCONV_METHODS, convolve  # noqa: E402
from engine.kernels.symconv.experiment import SymconvResult, run_symconv  # noqa: E402
from engine.kernels.symconv.velocity import VELOCITY_MODELS  # noqa: E402
from engine.runtime import (  # noqa: E402
    EXACT_PATHS, PATHS, Prepared, available_paths, fastest_exact_path, prepare, profile_nodes,
)
from engine.tasks import (  # noqa: E402
    DEFAULT_MODELS, ClassifyResult, DetectResult, SegmentResult, StageTimes, TaskResult, TaskRunner, make_runner,
    models_for,
)
from engine.tasks.detect import Detection  # noqa: E402
from engine.profiling.machine import fingerprint  # noqa: E402
from engine.results import (  # noqa: E402
    ResultsBusy, ResultsDB, ResultsUnavailable, default_path, export_csv, export_json, import_json, machine_id,
)
from engine.results.transfer import keep_unsaved, save_or_keep  # noqa: E402
from engine.results.store import RunRecord, options_key  # noqa: E402
from engine.tasks.draw import class_color  # noqa: E402
from engine.tradeoffs.pareto import latency_front, madds_front  # noqa: E402
from engine.tradeoffs.points import TradeoffPoint, published_top1, tradeoff_points  # noqa: E402
from engine.tradeoffs.recommend import Recommendation, recommend  # noqa: E402
from engine.tradeoffs.sweep import SWEEP_REPEATS, SweepConfig, SweepSummary, run_sweep, sweep_grid  # noqa: E402
from engine.tasks.segment import LEGEND_MIN  # noqa: E402
from engine.video.files import AtomicVideoWriter, open_video  # noqa: E402
from engine.video.pipeline import (  # noqa: E402
    LivePipeline, LiveResult, bare_model_ms, save_png,
)
from engine.video.sources import (  # noqa: E402
    DemoSource, FrameSource, ImageFolderSource, SourceError, VideoFileSource, WebcamSource, open_source,
    BACKENDS as CAMERA_BACKENDS,
)
from engine.video.stats import STAGES, LaneStatus, LiveStatus  # noqa: E402
from engine.weights.fetch import FetchResult, fetch, fetch_shipped, import_file, list_weights  # noqa: E402

__all__ = [
    "ModelInfo", "ModelStats", "LayerRow", "BlockRow", "PublishedRow",
    "list_models", "model_info", "build_model", "model_stats",
    "UNTRAINED", "Classifier", "EvalResult", "Prediction", "classification_models", "evaluate_folder",
    "load_classifier", "read_image", "ASSETS", "Cancelled", "InvalidInput", "StudioError",
    "run_activations", "run_separable", "separable_layers", "SYMCONV_METHODS", "VELOCITY_MODELS", "SymconvResult",
    "convolve", "run_symconv",
    "StageTimes", "TaskResult", "TaskRunner", "DEFAULT_MODELS", "ClassifyResult", "DetectResult", "Detection",
    "SegmentResult", "make_runner", "models_for", "AtomicVideoWriter", "open_video", "class_color", "LEGEND_MIN",
    "LivePipeline", "LiveResult", "bare_model_ms", "save_png", "DemoSource",
    "FrameSource", "ImageFolderSource",
    "SourceError", "VideoFileSource", "WebcamSource", "open_source", "CAMERA_BACKENDS",
    "STAGES", "LaneStatus", "LiveStatus",
    "fingerprint", "ResultsDB", "default_path", "export_csv", "export_json", "import_json", "machine_id", "RunRecord",
    "ResultsBusy", "ResultsUnavailable", "keep_unsaved", "save_or_keep",
    "options_key", "latency_front", "madds_front", "TradeoffPoint", "published_top1", "tradeoff_points",
    "Recommendation", "recommend", "SWEEP_REPEATS", "SweepConfig", "SweepSummary", "run_sweep", "sweep_grid",
    "FetchResult", "fetch", "fetch_shipped", "import_file", "list_weights",
    "ProfileResult", "export_trace", "profile_model",
    "EXACT_PATHS", "PATHS", "Prepared", "available_paths", "fastest_exact_path", "prepare", "profile_nodes",
]

MADDS_CONVENTION = (
    "MAdds = multiply-accumulates of convolutions and fully connected layers, as the MobileNet "
    "papers count them (torch FlopCounterMode FLOPs / 2); batch-norm, activations, additions and "
    "pooling are listed per layer but not counted. params = all trainable parameters."
)


@dataclass(frozen=True)
class ModelStats:
    model: str
    width: float
    resolution: int
    options: dict
    madds: int
    params: int
    peak_activation_bytes: int  # measured eager peak, fp32, batch 1
    table3: Table3Memory
    layers: tuple[LayerRow, ...]
    blocks: tuple[BlockRow, ...]
    published: tuple[PublishedRow, ...]

    def to_json(self) -> dict:
        return {
            "model": self.model, "width": self.width, "resolution": self.resolution,
            "options": self.options, "madds": self.madds, "params": self.params,
            "peak_activation_bytes": self.peak_activation_bytes,
            "peak_activation_table3": self.table3.to_json(),
            "conventions": {
                "madds": MADDS_CONVENTION,
                "peak_activation_bytes": "measured: largest total of activation tensors alive at "
                "once in one eager fp32 forward pass at batch 1 (input included, weights excluded)",
            },
            "layers": [row.to_json() for row in self.layers],
            "blocks": [row.to_json() for row in self.blocks],
            "published": [row.to_json() for row in self.published],
        }


TASK_ORDER = ("classification", "detection", "segmentation")


def list_models() -> list[ModelInfo]:
    """Classifiers, then detectors, then segmenters; within a task, in registration order
    (which package registers first depends on import order, so the task decides)."""
    infos = [catalog.MODELS.get(name) for name in catalog.MODELS.names()]
    return sorted(infos, key=lambda info: TASK_ORDER.index(info.task) if info.task in TASK_ORDER else len(TASK_ORDER))


def model_info(name: str) -> ModelInfo:
    return catalog.model_info(name)


def build_model(name: str, *, width: float = 1.0, weights: str | Path | None = None, **options) -> nn.Module:
    """A model in eval mode. weights=None: random init; 'default': the registered weights;
    a path: a checkpoint (torchvision's files load as they are)."""
    model = catalog.build(name, width, **options)
    if weights is not None:
        load_weights(model, name, weights)
    return model


def model_stats(name: str, *, width: float = 1.0, resolution: int = 224, **options) -> ModelStats:
    """Per-layer MAdds, parameters and activation memory of one configuration."""
    info = catalog.model_info(name)
    catalog.check_config(info, width, options)
    catalog.check_resolution(resolution)
    model = catalog.build(name, width, **options)
    example = torch.zeros(1, 3, resolution, resolution)
    rows = analyze_layers(model, example)
    comparable = info.task == "classification" and not (options.get("reduced_tail") or options.get("dilated"))
    published = published_for(info.family, float(width), resolution,
                              minimalistic=bool(options.get("minimalistic"))) if comparable else []
    return ModelStats(
        model=name, width=float(width), resolution=resolution, options=dict(options),
        madds=sum(r.madds for r in rows),
        params=sum(p.numel() for p in model.parameters() if p.requires_grad),
        peak_activation_bytes=eager_peak_bytes(model, example),
        table3=table3_peak(model, rows, tuple(example.shape)),
        layers=tuple(rows), blocks=tuple(roll_up(model, rows)), published=tuple(published),
    )
