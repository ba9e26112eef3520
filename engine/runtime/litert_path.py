"""The `litert` path: LiteRT's interpreter (ai-edge-litert, XNNPACK delegate applied by default)
on a `.tflite` file written from the verified ONNX export (engine.runtime.tflite_writer).

TFLite graphs are NHWC: the runner transposes the app's NCHW input on the way in (and any 4-D
output on the way out). The Python interpreter exposes no per-op timings, so this path gets
whole-model timing only in the profiler.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch
from torch import Tensor

from engine.runtime import exports
from engine.runtime.network import Outputs, unflatten


def cached_tflite(onnx_file: Path, *, keep: bool) -> Path:
    """The verified .tflite for a (verified) ONNX export, written once per export."""
    from engine.runtime.tflite_writer import WRITER_VERSION, onnx_to_tflite

    return exports.cached_export("tflite", f"{Path(onnx_file).stem}-w{WRITER_VERSION}.tflite",
                                 lambda target: Path(target).write_bytes(onnx_to_tflite(onnx_file)), keep=keep)


def version() -> str:
    from importlib.metadata import version as package_version

    return package_version("ai-edge-litert")


class LiteRtRunner:
    """One interpreter behind the same call as the other paths (NCHW in, torch tensors out)."""

    takes_numpy = True

    def __init__(self, tflite_file: Path, keys: tuple[str, ...] | None, threads: int):
        from ai_edge_litert.interpreter import Interpreter

        self.tflite_path = Path(tflite_file)
        self.keys = keys
        self.threads = threads
        # from memory, not model_path: the interpreter would mmap the file, and a cache file
        # rewritten in place under it ends the process with SIGBUS
        self.interpreter = Interpreter(model_content=self.tflite_path.read_bytes(), num_threads=int(threads))
        self.interpreter.allocate_tensors()
        self.input_index = self.interpreter.get_input_details()[0]["index"]
        self.outputs = [d["index"] for d in self.interpreter.get_output_details()]

    def __call__(self, x: Tensor | np.ndarray) -> Outputs:
        array = x.detach().numpy() if isinstance(x, Tensor) else np.asarray(x)
        self.interpreter.set_tensor(self.input_index, np.ascontiguousarray(array.transpose(0, 2, 3, 1), np.float32))
        self.interpreter.invoke()
        values = []
        for index in self.outputs:
            value = self.interpreter.get_tensor(index)
            values.append(torch.from_numpy(np.ascontiguousarray(value.transpose(0, 3, 1, 2)) if value.ndim == 4
                                           else value.copy()))
        return unflatten(values, self.keys)
