"""The facade the GUI and the CLI use: the engine's public surface in one place. It only
re-exports (nothing here computes); results are frozen dataclasses with `to_json()`.

Everything here is Qt-free and may be slow: callers on a UI thread must run it in a worker.
No module inside the engine imports this one (the CLI, a client like the GUI, excepted):
.importlinter holds the contracts.
"""

from __future__ import annotations

from engine.analysis.layers import BlockRow, LayerRow
from engine.analysis.published import PublishedCard, PublishedFigure, PublishedRow, published_card, published_for
from engine.analysis.stats import ModelStats, model_stats
from engine.errors import Cancelled, InvalidInput, StudioError, UnknownName, WeightsUnavailable, check_range
from engine.files import atomic_path, check_output, write_bytes, write_text, write_with
from engine.images import IMAGE_SUFFIXES, read_image
from engine.kernels.activations import NAMES as ACTIVATION_NAMES, run_activations
from engine.kernels.separable import SeparableLayer, costs as separable_costs, run_separable, separable_layers
from engine.kernels.symconv import METHODS as SYMCONV_METHODS, convolve
from engine.kernels.symconv.experiment import SymconvResult, run_symconv
from engine.kernels.symconv.velocity import VELOCITY_MODELS
from engine.models.catalog import ModelInfo, build_model, check_resolution, list_models, model_info
from engine.models.detection.agreement import FrameAgreement, frame_agreement
from engine.paths import ASSETS, user_folders
from engine.profiling.inference_paths import path_names
from engine.profiling.latency import ProfileResult, export_trace, profile_model
from engine.profiling.machine import fingerprint
from engine.results import (
    ResultsBusy, ResultsDB, ResultsUnavailable, export_csv, export_json, import_json, machine_id,
)
from engine.results import default_path as results_path  # default_path below is the inference path's
from engine.results.transfer import keep_unsaved, save_or_keep
from engine.results.store import RunRecord, options_key
from engine.tasks.samples import (
    SampleAccuracy, cached_sample_path, evaluate_samples, read_samples, sample_path, sample_sets, wilson_interval,
)
from engine.runtime import (
    EXACT_PATHS, PATHS, PathStatus, Prepared, available_paths, export_onnx, fastest_exact_path, network_of, op_counts,
    path_status, path_statuses, prepare, profile_nodes,
)
from engine.threads import torch_threads
from engine.tasks import (
    DEFAULT_MODELS, TASKS, UNTRAINED, ClassifyResult, DetectResult, SegmentResult, StageTimes, TaskResult, TaskRunner,
    cached_weights, make_runner, models_for, runner_path, untrained_reason,
)
from engine.tasks.classify import ClassifyRunner, Prediction, classification_models, load_classifier
from engine.tasks.detect import Detection
from engine.tasks.draw import MASK_MODES, class_color
from engine.tasks.evaluate import EvalResult, evaluate_folder, save_evaluation
from engine.tasks.segment import LEGEND_MIN
from engine.tasks.agreement import PathAgreement, path_agreement
from engine.tasks.agreement import remembered as remembered_agreement
from engine.tradeoffs.fastest import (
    FastestChoice, cached_choice, default_path, measure_fastest, sweep_path,
)
from engine.tradeoffs.pareto import latency_front, madds_front
from engine.tradeoffs.points import TradeoffPoint, published_top1, tradeoff_points
from engine.tradeoffs.recommend import Recommendation, recommend
from engine.tradeoffs.sweep import (
    BACKBONES as SWEEP_BACKBONES, SWEEP_REPEATS, SWEEP_WARMUP, SweepConfig, SweepSummary, run_sweep, sweep_grid,
)
from engine.video.files import (
    IMAGE_OUT_SUFFIXES, VIDEO_OUT_SUFFIXES, AtomicVideoWriter, check_file, check_out, open_video, write_image,
)
from engine.video.agreement import LIVE_DEFAULT_PAIR, AgreementTracker, LaneAgreement, person_agreement
from engine.video.demo import VIDEO_CREDIT as DEMO_VIDEO_CREDIT, demo_video
from engine.video.lanes import LiveResult
from engine.video.pipeline import PACES, LivePipeline
from engine.video.recording import save_png
from engine.video.stats import bare_model_ms
from engine.video.sources import (
    BACKENDS as CAMERA_BACKENDS, VALID_SPECS as SOURCE_SPECS, DemoSource, DemoVideoSource, FrameSource,
    ImageFolderSource, SourceError, SourceKind, SourceSpec, VideoFileSource, WebcamSource, open_demo, open_source,
)
from engine.video.stats import STAGES, LaneState, LaneStatus, LiveState, LiveStatus
from engine.weights.cache import root as weights_cache_root
from engine.weights.fetch import FetchResult, fetch, fetch_shipped, import_file, list_weights
from engine.weights.manifest import entries as weight_entries

__all__ = [
    # models and their numbers
    "ModelInfo", "ModelStats", "LayerRow", "BlockRow", "PublishedRow", "published_for", "PublishedCard", "PublishedFigure", "published_card",
    "list_models", "model_info", "build_model", "model_stats", "check_resolution",
    # errors and shared helpers
    "Cancelled", "InvalidInput", "StudioError", "UnknownName", "WeightsUnavailable", "check_range",
    "ASSETS", "user_folders", "read_image", "torch_threads",
    # classification (the Classify page)
    "IMAGE_SUFFIXES", "UNTRAINED", "ClassifyRunner", "EvalResult", "Prediction", "classification_models",
    "evaluate_folder", "load_classifier", "save_evaluation",
    # labelled sample sets (measured accuracy with its Wilson interval)
    "SampleAccuracy", "cached_sample_path", "evaluate_samples", "read_samples", "sample_path", "sample_sets",
    "wilson_interval",
    # kernels
    "ACTIVATION_NAMES", "run_activations", "SeparableLayer", "separable_costs", "run_separable", "separable_layers",
    "SYMCONV_METHODS", "VELOCITY_MODELS", "SymconvResult", "convolve", "run_symconv",
    # task runners and overlays
    "TASKS", "StageTimes", "TaskResult", "TaskRunner", "DEFAULT_MODELS", "ClassifyResult", "DetectResult",
    "Detection", "SegmentResult", "cached_weights", "make_runner", "models_for", "runner_path", "untrained_reason", "class_color", "LEGEND_MIN", "MASK_MODES",
    # video: files, sources, the live pipeline
    "IMAGE_OUT_SUFFIXES", "VIDEO_OUT_SUFFIXES", "AtomicVideoWriter", "check_file", "check_out", "open_video",
    "write_image", "PACES", "LivePipeline", "LiveResult", "bare_model_ms", "save_png", "CAMERA_BACKENDS",
    "SOURCE_SPECS", "DemoSource", "FrameSource", "ImageFolderSource", "SourceError", "SourceKind", "SourceSpec",
    "VideoFileSource", "WebcamSource", "open_source", "DemoVideoSource", "open_demo", "DEMO_VIDEO_CREDIT",
    "demo_video", "STAGES", "LaneState", "LaneStatus", "LiveState", "LiveStatus",
    # two detectors side by side: per-frame agreement
    "FrameAgreement", "frame_agreement", "LIVE_DEFAULT_PAIR", "AgreementTracker", "LaneAgreement", "person_agreement",
    # profiling, results, trade-offs
    "path_names", "ProfileResult", "export_trace", "profile_model", "fingerprint",
    "ResultsBusy", "ResultsUnavailable", "keep_unsaved", "save_or_keep",
    "atomic_path", "check_output", "write_bytes", "write_text", "write_with",
    "ResultsDB", "results_path", "export_csv", "export_json", "import_json", "machine_id", "RunRecord",
    "options_key", "latency_front", "madds_front", "TradeoffPoint", "published_top1", "tradeoff_points",
    "Recommendation", "recommend", "SWEEP_BACKBONES", "SWEEP_REPEATS", "SWEEP_WARMUP", "SweepConfig",
    "SweepSummary", "run_sweep", "sweep_grid",
    # inference paths
    "EXACT_PATHS", "PATHS", "Prepared", "available_paths", "fastest_exact_path", "prepare", "profile_nodes",
    "PathStatus", "path_status", "path_statuses", "PathAgreement", "path_agreement", "remembered_agreement",
    "FastestChoice", "cached_choice", "default_path", "measure_fastest", "sweep_path",
    "export_onnx", "network_of", "op_counts",
    # weights
    "FetchResult", "fetch", "fetch_shipped", "import_file", "list_weights", "weights_cache_root", "weight_entries",
]
