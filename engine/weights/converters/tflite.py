"""Read a TFLite flatbuffer without TensorFlow, and convert MediaPipe's selfie segmenter.

Why a small hand-written reader and not the `flatbuffers` runtime plus the generated schema:
the converter needs five tables (Model, SubGraph, Tensor, Buffer, Operator, OperatorCode) and
two option tables, read-only. Flatbuffers' wire format for that is a few dozen lines over
`struct`, while the generated TFLite schema module is ~20k lines we would have to vendor (it is
not on PyPI as a maintained package) plus a runtime dependency. The reader below is checked
end-to-end: the converted model reproduces the original interpreter's masks (see tests).

Wire format used: little-endian; a table starts with an int32 offset back to its vtable; the
vtable is uint16 [vtable size, table size, field offsets...] (0 = field absent, use the
default); offset fields (tables, vectors, strings) hold a uint32 relative to where they sit;
vectors and strings start with a uint32 length.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from engine.errors import InvalidInput
from engine.weights.cache import atomic_target

# TFLite enums (schema.fbs) for the few values we read.
BUILTIN = {0: "ADD", 1: "AVERAGE_POOL_2D", 2: "CONCATENATION", 3: "CONV_2D", 4: "DEPTHWISE_CONV_2D",
           6: "DEQUANTIZE", 14: "LOGISTIC", 18: "MUL", 19: "RELU", 21: "RELU6", 22: "RESHAPE",
           23: "RESIZE_BILINEAR", 32: "CUSTOM", 67: "TRANSPOSE_CONV", 117: "HARD_SWISH"}
DTYPES = {0: np.float32, 1: np.float16, 2: np.int32, 3: np.uint8, 4: np.int64, 9: np.int8}


class Table:
    """One flatbuffer table: typed access to its fields by index."""

    def __init__(self, buf: bytes, pos: int):
        self.buf, self.pos = buf, pos
        vtable = pos - struct.unpack_from("<i", buf, pos)[0]
        self._vt_size = struct.unpack_from("<H", buf, vtable)[0]
        self._vtable = vtable

    def _field(self, index: int) -> int | None:
        slot = 4 + 2 * index
        if slot >= self._vt_size:
            return None
        off = struct.unpack_from("<H", self.buf, self._vtable + slot)[0]
        return self.pos + off if off else None

    def scalar(self, index: int, fmt: str, default: int = 0) -> int:
        at = self._field(index)
        return default if at is None else struct.unpack_from("<" + fmt, self.buf, at)[0]

    def _target(self, index: int) -> int | None:
        at = self._field(index)
        return None if at is None else at + struct.unpack_from("<I", self.buf, at)[0]

    def table(self, index: int) -> Table | None:
        at = self._target(index)
        return None if at is None else Table(self.buf, at)

    def vector(self, index: int, fmt: str) -> list:
        at = self._target(index)
        if at is None:
            return []
        n = struct.unpack_from("<I", self.buf, at)[0]
        return list(struct.unpack_from(f"<{n}{fmt}", self.buf, at + 4))

    def raw(self, index: int) -> bytes:
        at = self._target(index)
        if at is None:
            return b""
        n = struct.unpack_from("<I", self.buf, at)[0]
        return self.buf[at + 4: at + 4 + n]

    def string(self, index: int) -> str:
        return self.raw(index).decode("utf-8")

    def tables(self, index: int) -> list[Table]:
        at = self._target(index)
        if at is None:
            return []
        n = struct.unpack_from("<I", self.buf, at)[0]
        slots = (at + 4 + 4 * i for i in range(n))
        return [Table(self.buf, s + struct.unpack_from("<I", self.buf, s)[0]) for s in slots]


@dataclass(frozen=True)
class Tensor:
    name: str
    shape: tuple[int, ...]
    data: np.ndarray | None  # constant data, None for activations
    scale: np.ndarray | None = None  # quantisation (QuantizationParameters), when the tensor has one
    zero_point: np.ndarray | None = None

    def dequantized(self) -> np.ndarray:
        """float32 values of a constant: scale * (q - zero_point) for a quantised integer tensor
        (per-tensor or per-axis-0), the plain values otherwise."""
        values = self.data.astype(np.float32)
        if self.scale is None or not np.issubdtype(self.data.dtype, np.integer):
            return values
        shape = (-1,) + (1,) * (values.ndim - 1) if self.scale.size > 1 else ()
        scale, zero = self.scale.reshape(shape), self.zero_point.astype(np.float32).reshape(shape)
        return (scale * (values - zero)).astype(np.float32)


@dataclass(frozen=True)
class Op:
    name: str  # builtin name, or the custom code for CUSTOM ops
    inputs: tuple[int, ...]
    outputs: tuple[int, ...]
    options: Table | None
    custom_options: bytes


@dataclass(frozen=True)
class Graph:
    tensors: list[Tensor]
    ops: list[Op]
    inputs: tuple[int, ...]
    outputs: tuple[int, ...]
    description: str

    def constant(self, index: int) -> np.ndarray:
        """A weight tensor's float32 values, following a DEQUANTIZE back to its fp16 source."""
        tensor = self.tensors[index]
        if tensor.data is not None:
            return tensor.dequantized()
        producer = next((op for op in self.ops if index in op.outputs), None)
        if producer is None or producer.name != "DEQUANTIZE":
            raise InvalidInput(f"tensor {tensor.name!r} is neither constant nor dequantised from one")
        return self.constant(producer.inputs[0])


def read_tflite(data: bytes) -> Graph:
    """The first subgraph of a TFLite model, with constant tensors decoded. A damaged file is
    one InvalidInput (offsets out of range, garbage shapes...), never a traceback."""
    if len(data) < 8 or data[4:8] != b"TFL3":
        raise InvalidInput("not a TFLite model (file identifier 'TFL3' missing)")
    try:
        return _read_tflite(data)
    except (IndexError, KeyError, ValueError, TypeError, OverflowError, struct.error, UnicodeDecodeError) as exc:
        raise InvalidInput(f"damaged TFLite model ({type(exc).__name__}: {exc})") from None


def _read_tflite(data: bytes) -> Graph:
    model = Table(data, struct.unpack_from("<I", data, 0)[0])
    codes = []
    for code in model.tables(1):
        builtin = max(code.scalar(0, "b"), code.scalar(3, "i"))
        codes.append(code.string(1) if builtin == 32 else BUILTIN.get(builtin, f"BUILTIN_{builtin}"))
    buffers = model.tables(4)
    subgraph = model.tables(2)[0]
    tensors = []
    for t in subgraph.tables(0):
        shape = tuple(t.vector(0, "i"))
        payload = buffers[t.scalar(2, "I")].raw(0)
        dtype = DTYPES.get(t.scalar(1, "b"))
        values = np.frombuffer(payload, dtype=dtype).reshape(shape) if payload and dtype else None
        quant = t.table(4)  # QuantizationParameters: min 0, max 1, scale 2, zero_point 3
        scale = np.asarray(quant.vector(2, "f"), np.float32) if quant is not None else np.zeros(0)
        zero = np.asarray(quant.vector(3, "q"), np.int64) if quant is not None else np.zeros(0)
        tensors.append(Tensor(t.string(3), shape, values, scale if scale.size else None,
                              zero if scale.size else None))
    ops = [
        Op(codes[o.scalar(0, "I")], tuple(o.vector(1, "i")), tuple(o.vector(2, "i")), o.table(4), o.raw(5))
        for o in subgraph.tables(3)
    ]
    return Graph(tensors, ops, tuple(subgraph.vector(1, "i")), tuple(subgraph.vector(2, "i")), model.string(3))


@dataclass(frozen=True)
class ConvOp:
    """A convolution of the graph in PyTorch layout, with what must match the module."""

    kind: str  # conv | depthwise | transposed
    name: str
    weight: torch.Tensor
    bias: torch.Tensor
    stride: int


def conv_ops(graph: Graph) -> list[ConvOp]:
    """Every convolution in execution order, weights permuted to PyTorch's layouts."""
    found = []
    for op in graph.ops:
        if op.name not in ("CONV_2D", "DEPTHWISE_CONV_2D", "Convolution2DTransposeBias"):
            continue
        x, w, b = op.inputs[:3]
        weight, bias = torch.from_numpy(graph.constant(w)), torch.from_numpy(graph.constant(b))
        if op.name == "Convolution2DTransposeBias":
            # custom_options: TfLiteTransposeConvParams {padding, stride_w, stride_h} as int32s
            padding, stride_w, stride_h = struct.unpack_from("<3i", op.custom_options)
            if (padding, stride_w, stride_h) != (1, 2, 2):  # kTfLitePaddingSame, 2, 2
                raise InvalidInput(f"unexpected transposed-conv params {(padding, stride_w, stride_h)}")
            found.append(ConvOp("transposed", graph.tensors[w].name, weight.permute(3, 0, 1, 2), bias, 2))
            continue
        opts = op.options
        stride_w, stride_h = opts.scalar(1, "i", 1), opts.scalar(2, "i", 1)
        act = opts.scalar(3 if op.name == "CONV_2D" else 4, "b")
        if stride_w != stride_h or act != 0:
            raise InvalidInput(f"{graph.tensors[w].name}: unsupported stride/activation {stride_w, stride_h, act}")
        kind = "conv" if op.name == "CONV_2D" else "depthwise"
        layout = (0, 3, 1, 2) if kind == "conv" else (3, 0, 1, 2)
        found.append(ConvOp(kind, graph.tensors[w].name, weight.permute(*layout).contiguous(), bias, stride_w))
    return found


def module_convs(module: torch.nn.Module) -> list[tuple[str, torch.nn.Module]]:
    return [(n, m) for n, m in module.named_modules() if isinstance(m, (torch.nn.Conv2d, torch.nn.ConvTranspose2d))]


def fill_from_graph(module: torch.nn.Module, graph: Graph) -> dict[str, torch.Tensor]:
    """A state dict for `module` from the graph's convolutions, matched in execution order; the
    kind, shape and stride of every pair must agree, so a wrong structure cannot load."""
    ops, convs = conv_ops(graph), module_convs(module)
    if len(ops) != len(convs):
        raise InvalidInput(f"graph has {len(ops)} convolutions, the module {len(convs)}")
    state = {}
    for op, (name, conv) in zip(ops, convs):
        kind = ("transposed" if isinstance(conv, torch.nn.ConvTranspose2d)
                else "depthwise" if conv.groups > 1 else "conv")
        if (kind, tuple(conv.weight.shape), conv.stride[0]) != (op.kind, tuple(op.weight.shape), op.stride):
            raise InvalidInput(
                f"graph conv {op.name} ({op.kind} {tuple(op.weight.shape)} s{op.stride}) does not match "
                f"module {name} ({kind} {tuple(conv.weight.shape)} s{conv.stride[0]})"
            )
        state[f"{name}.weight"] = op.weight.clone()
        state[f"{name}.bias"] = op.bias.clone()
    return state


def save_atomically(state: dict, dst: Path) -> None:
    with atomic_target(dst) as tmp:
        torch.save(state, tmp)


def convert_selfie(src_tflite: Path, dst_pth: Path) -> None:
    """MediaPipe's selfie_segmentation.tflite -> a state dict for SelfieSegmenter (strict)."""
    from engine.models.segmentation.selfie import SelfieSegmenter

    graph = read_tflite(Path(src_tflite).read_bytes())
    in_shape, out_shape = graph.tensors[graph.inputs[0]].shape, graph.tensors[graph.outputs[0]].shape
    if in_shape != (1, 256, 256, 3) or out_shape != (1, 256, 256, 1):
        raise InvalidInput(f"{src_tflite}: expected a 256x256x3 -> 256x256x1 model, got {in_shape} -> {out_shape}")
    model = SelfieSegmenter()
    state = fill_from_graph(model, graph)
    model.load_state_dict(state, strict=True)  # every parameter covered, nothing extra
    save_atomically(state, Path(dst_pth))


convert = convert_selfie  # the weights manifest names this converter 'tflite' (this module's name)
