"""The facade the GUI and the CLI use. Results are frozen dataclasses with `to_json()`.

Everything here is Qt-free and may be slow: callers on a UI thread must run it in a worker.
"""

from __future__ import annotations



from engine.analysis.layers import BlockRow, LayerRow
from engine.analysis.stats import ModelStats, model_stats
from engine.models.catalog import ModelInfo, build_model, list_models, model_info
from engine.analysis.published import PublishedRow
from engine.profiling.latency import ProfileResult, export_trace, profile_model

# Re-exported so the GUI needs only `engine.api` (the engine's public surface in one place).
from engine.tasks.classify import (  # noqa: E402
    ClassifyRunner, Prediction, classification_models, load_classifier,
)
from engine.tasks.evaluate import EvalResult, evaluate_folder  # noqa: E402
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
    DEFAULT_MODELS, UNTRAINED, ClassifyResult, DetectResult, SegmentResult, StageTimes, TaskResult, TaskRunner,
    make_runner, models_for,
)
from engine.tasks.detect import Detection  # noqa: E402
from engine.profiling.machine import fingerprint  # noqa: E402
from engine.results import ResultsDB, default_path, export_csv, export_json, import_json, machine_id  # noqa: E402
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
    DemoSource, FrameSource, ImageFolderSource, SourceError, SourceKind, SourceSpec, VideoFileSource, WebcamSource,
    open_source, BACKENDS as CAMERA_BACKENDS,
)
from engine.video.stats import STAGES, LaneState, LaneStatus, LiveState, LiveStatus  # noqa: E402
from engine.weights.fetch import FetchResult, fetch, fetch_shipped, import_file, list_weights  # noqa: E402

__all__ = [
    "ModelInfo", "ModelStats", "LayerRow", "BlockRow", "PublishedRow",
    "list_models", "model_info", "build_model", "model_stats",
    "UNTRAINED", "ClassifyRunner", "EvalResult", "Prediction", "classification_models", "evaluate_folder",
    "load_classifier", "read_image", "ASSETS", "Cancelled", "InvalidInput", "StudioError",
    "run_activations", "run_separable", "separable_layers", "SYMCONV_METHODS", "VELOCITY_MODELS", "SymconvResult",
    "convolve", "run_symconv",
    "StageTimes", "TaskResult", "TaskRunner", "DEFAULT_MODELS", "ClassifyResult", "DetectResult", "Detection",
    "SegmentResult", "make_runner", "models_for", "AtomicVideoWriter", "open_video", "class_color", "LEGEND_MIN",
    "LivePipeline", "LiveResult", "bare_model_ms", "save_png", "DemoSource",
    "FrameSource", "ImageFolderSource",
    "SourceError", "SourceKind", "SourceSpec", "VideoFileSource", "WebcamSource", "open_source", "CAMERA_BACKENDS",
    "STAGES", "LaneState", "LaneStatus", "LiveState", "LiveStatus",
    "fingerprint", "ResultsDB", "default_path", "export_csv", "export_json", "import_json", "machine_id", "RunRecord",
    "options_key", "latency_front", "madds_front", "TradeoffPoint", "published_top1", "tradeoff_points",
    "Recommendation", "recommend", "SWEEP_REPEATS", "SweepConfig", "SweepSummary", "run_sweep", "sweep_grid",
    "FetchResult", "fetch", "fetch_shipped", "import_file", "list_weights",
    "ProfileResult", "export_trace", "profile_model",
    "EXACT_PATHS", "PATHS", "Prepared", "available_paths", "fastest_exact_path", "prepare", "profile_nodes",
]
