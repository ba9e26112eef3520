"""int8: ONNX Runtime static quantisation in QDQ format of the classifiers' ONNX export (the
MobileNetV3 paper's Table 4 compares float and 8-bit), calibrated on real photos.

This replaces torch's FX graph-mode quantisation, which torch has deprecated
(`torch.ao.quantization`). QDQ is ONNX Runtime's supported static format: QuantizeLinear /
DequantizeLinear pairs around every quantisable op, which its graph optimiser fuses into int8
kernels (QLinearConv, ...); weights int8 per channel, activations uint8 per tensor (x86's
u8s8 kernels), MinMax calibration. `fallbacks` lists the ops left in float (not fed by a
DequantizeLinear), so a float island shows.

Calibration: `prepare(calibration=...)` takes network inputs; callers with real photos (the
bench, the agreement measurement) pass them. Without, smooth synthetic images stand in: fine
for latency, worse ranges for accuracy.
"""

from __future__ import annotations

import collections
import logging
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from torch import Tensor, nn

from engine.runtime import exports

BACKEND = "onnxruntime QDQ (u8 activations, s8 per-channel weights)"


@dataclass(frozen=True)
class Int8Report:
    backend: str
    calibration_images: int
    quantized_layers: int  # convolutions, fully connected layers and h-swishes fed int8 (via DequantizeLinear)
    fallbacks: tuple[str, ...]  # compute ops left in float (no DequantizeLinear feeding them)


def _report(qdq_file: Path, images: int) -> Int8Report:
    import onnx

    graph = onnx.load(str(qdq_file)).graph
    dequantised = {n.output[0] for n in graph.node if n.op_type == "DequantizeLinear"}
    compute = [n for n in graph.node if n.op_type not in ("QuantizeLinear", "DequantizeLinear", "Identity",
                                                          "Constant", "Flatten", "Reshape")]
    quantised = [n for n in compute if any(i in dequantised for i in n.input)]
    fallbacks = tuple(n.name for n in compute if n not in quantised)
    layers = sum(1 for n in quantised if n.op_type in ("Conv", "Gemm", "MatMul", "HardSwish"))
    return Int8Report(BACKEND, images, layers, fallbacks)


def _inline_constant_identities(source: Path, target: Path) -> None:
    """The export with its Identity-of-an-initialiser nodes removed (the TorchScript exporter
    shares equal bias tensors that way): the quantiser wants every bias as an initialiser, to
    quantise it with its conv. (onnxruntime's quant_pre_process would do this too, but it also
    splits HardSwish into HardSigmoid·x.)"""
    import onnx

    model = onnx.load(str(source))
    graph = model.graph
    initialisers = {i.name for i in graph.initializer}
    rename = {n.output[0]: n.input[0] for n in graph.node if n.op_type == "Identity" and n.input[0] in initialisers}
    keep = [n for n in graph.node if not (n.op_type == "Identity" and n.output[0] in rename)]
    for node in keep:
        node.input[:] = [rename.get(name, name) for name in node.input]
    del graph.node[:]
    graph.node.extend(keep)
    onnx.save(model, str(target))


class _Reader:
    """onnxruntime's CalibrationDataReader protocol over a list of N×3×H×W batches."""

    def __init__(self, batches: list[np.ndarray]):
        self.items = iter([{"input": b[i:i + 1]} for b in batches for i in range(len(b))])

    def get_next(self):
        return next(self.items, None)


def quantize_onnx(onnx_file: Path, calibration: Sequence[Tensor] | Tensor, *, keep: bool) -> tuple[Path, Int8Report]:
    """The QDQ int8 model of a float export, cached (verified) per export and calibration set."""
    from onnxruntime.quantization import CalibrationMethod, QuantFormat, QuantType, quantize_static

    batches = [calibration] if isinstance(calibration, Tensor) else list(calibration)
    arrays = [np.ascontiguousarray(torch.as_tensor(b).float().numpy()) for b in batches]
    digest = exports.fingerprint(nn.Module(), Path(onnx_file).name, *(a.tobytes().hex()[:64] + str(a.shape)
                                                                      for a in arrays))

    def write(target: Path) -> None:
        with tempfile.TemporaryDirectory() as tmp:
            clean = Path(tmp) / "float.onnx"
            _inline_constant_identities(onnx_file, clean)
            root = logging.getLogger()
            level = root.level
            root.setLevel(logging.ERROR)  # its "consider pre-processing" notices
            try:
                quantize_static(str(clean), str(target), _Reader(arrays), quant_format=QuantFormat.QDQ,
                                activation_type=QuantType.QUInt8, weight_type=QuantType.QInt8, per_channel=True,
                                calibrate_method=CalibrationMethod.MinMax)
            finally:
                root.setLevel(level)

    file = exports.cached_export("int8", f"{Path(onnx_file).stem}-qdq-{digest}.onnx", write, keep=keep)
    return file, _report(file, sum(len(a) for a in arrays))


def op_histogram(onnx_file: Path) -> dict[str, int]:
    import onnx

    return dict(collections.Counter(n.op_type for n in onnx.load(str(onnx_file)).graph.node))


def synthetic_calibration(resolution: int, count: int = 8, seed: int = 0) -> Tensor:
    """Smooth random images, mean/std-normalised scale: a stand-in when no real images are given
    (fine for latency; real images give better ranges and agreement)."""
    generator = torch.Generator().manual_seed(seed)
    coarse = torch.randn(count, 3, 8, 8, generator=generator)
    return nn.functional.interpolate(coarse, size=(resolution, resolution), mode="bilinear", align_corners=False)
