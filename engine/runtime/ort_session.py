"""onnxruntime sessions as every path that runs onnxruntime opens them (the ONNX Runtime and int8
paths, the node profiler, the bench's bare runtime): on the CPU provider, sequential, all graph
optimisations, `intra_op_num_threads` = the threads asked for and spinning OFF
(`session.intra_op.allow_spinning` = 0): with spinning on, idle pool threads busy-wait between
ops and steal the CPU from the UI, the capture thread or a second model running side by side.
"""

from __future__ import annotations

from pathlib import Path


def session_options(threads: int, *, spinning: bool = False, profile_prefix: str | None = None):
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    options.log_severity_level = 3  # errors only: a QDQ model's fused Clip bounds print one notice per node
    options.add_session_config_entry("session.intra_op.allow_spinning", "1" if spinning else "0")
    options.add_session_config_entry("session.inter_op.allow_spinning", "1" if spinning else "0")
    if profile_prefix is not None:
        options.enable_profiling = True
        options.profile_file_prefix = profile_prefix
    return options


def open_session(path: str | Path, threads: int, *, spinning: bool = False, profile_prefix: str | None = None):
    import onnxruntime as ort

    return ort.InferenceSession(str(path), session_options(threads, spinning=spinning, profile_prefix=profile_prefix),
                                providers=["CPUExecutionProvider"])
