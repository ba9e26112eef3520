"""Inference paths for every model the app builds, listed with what each needs in
engine.runtime.available: the torch paths ("reference", "fast", "bf16"), the runtimes on the one
verified ONNX export ("onnxruntime", "openvino", "openvino-bf16", "litert" via a written
.tflite) and int8 (one QDQ file, run by ONNX Runtime as "int8" or OpenVINO as "openvino-int8").
`prepare` is the entry point."""

from engine.runtime.cpu import PeakFma, peak_fma, supports_bf16
from engine.runtime.network import max_relative_error, network_of
from engine.runtime.node_times import NodeTime, profile_nodes
from engine.runtime.onnx_path import export_onnx, op_counts
from engine.runtime.available import EXACT_PATHS, PATHS, PER_LAYER_PATHS, PathStatus, available_paths, check_path, path_status, path_statuses
from engine.runtime.prepare import Prepared, fastest_exact_path, prepare

__all__ = [
    "PATHS", "EXACT_PATHS", "PER_LAYER_PATHS", "PathStatus", "path_status", "path_statuses", "check_path", "Prepared", "prepare", "available_paths", "fastest_exact_path",
    "network_of", "max_relative_error", "export_onnx", "op_counts", "profile_nodes", "NodeTime",
    "PeakFma", "peak_fma", "supports_bf16",
]
