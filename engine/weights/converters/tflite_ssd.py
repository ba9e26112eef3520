"""Convert the two multi-class SSD MobileNetV2 TFLite files into state dicts for
engine.models.detection.tflite_ports (the project's own TFLite reader, no TensorFlow):

- `tflite-ssd-coco`: Coral's uint8 file. Every weight is dequantised, scale * (q - zero_point)
  (biases are int32 with scale = input scale * weight scale); the anchors are the file's own
  constant; the TFLite_Detection_PostProcess options are read from its custom options (a
  flexbuffer map) and kept in the state dict.
- `tflite-ssd-oidv4`: MediaPipe's fp16 file (weights expanded by DEQUANTIZE ops). Anchors and
  post-processing come from MediaPipe's graph, not from the file.

Convolutions are matched by role, not by position alone: `BoxPredictor_k/BoxEncodingPredictor`
and `BoxPredictor_k/ClassPredictor` go to the heads' k-th conv, every other conv, in execution
order, to the backbone and extra layers. Kind, shape, stride, padding and activation must agree
with the module, and the set of op types must be the expected one, so another file fails with a
one-line InvalidInput instead of loading wrongly.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import torch
from torch import nn

from engine.errors import InvalidInput
from engine.weights.convert import register_converter
from engine.weights.converters.tflite import Graph, read_tflite, save_atomically

SAME, NO_ACTIVATION, RELU6 = 0, 0, 3
COMMON_OPS = {"CONV_2D", "DEPTHWISE_CONV_2D", "ADD", "RESHAPE", "CONCATENATION"}
COCO_OPS = COMMON_OPS | {"LOGISTIC", "TFLite_Detection_PostProcess"}
OIDV4_OPS = COMMON_OPS | {"DEQUANTIZE"}
PREDICTOR = re.compile(r"^BoxPredictor_(\d+)/(BoxEncodingPredictor|ClassPredictor)/")


def check_ops(graph: Graph, expected: set[str], what: str) -> None:
    unexpected = sorted({op.name for op in graph.ops} - expected)
    if unexpected:
        raise InvalidInput(f"{what}: unexpected op {', '.join(unexpected)}; this converter knows "
                           f"{', '.join(sorted(expected))}")


def postprocess_options(graph: Graph) -> dict:
    """The TFLite_Detection_PostProcess op's custom options (a flexbuffer map), checked."""
    from flatbuffers import flexbuffers

    from engine.models.detection.tflite_ports import POSTPROCESS_KEYS

    ops = [op for op in graph.ops if op.name == "TFLite_Detection_PostProcess"]
    if len(ops) != 1:
        raise InvalidInput(f"expected one TFLite_Detection_PostProcess op, found {len(ops)}")
    try:
        options = flexbuffers.Loads(bytes(ops[0].custom_options))
    except Exception:  # flexbuffers raises whatever the bytes lead it to
        options = None
    if not isinstance(options, dict):
        raise InvalidInput("TFLite_Detection_PostProcess custom options are not a flexbuffer map "
                           f"with the keys {', '.join(POSTPROCESS_KEYS)}")
    missing = [k for k in POSTPROCESS_KEYS if k not in options]
    if missing:
        raise InvalidInput(f"TFLite_Detection_PostProcess custom options lack {', '.join(missing)}; "
                           f"expected the keys {', '.join(POSTPROCESS_KEYS)}")
    if options["use_regular_nms"] or options["max_classes_per_detection"] != 1:
        raise InvalidInput("TFLite_Detection_PostProcess with use_regular_nms or several classes per "
                           "detection; only the fast NMS with one class per box is ported")
    return {k: options[k] for k in POSTPROCESS_KEYS}


def _conv_weight(graph: Graph, op) -> tuple[str, torch.Tensor, torch.Tensor, int, int, int]:
    """(kind, weight in PyTorch layout, bias, stride, padding, fused activation) of a conv op."""
    weight, bias = graph.constant(op.inputs[1]), graph.constant(op.inputs[2])
    opts = op.options
    padding, stride_w, stride_h = opts.scalar(0, "b"), opts.scalar(1, "i", 1), opts.scalar(2, "i", 1)
    act = opts.scalar(3 if op.name == "CONV_2D" else 4, "b")
    if stride_w != stride_h:
        raise InvalidInput(f"{graph.tensors[op.outputs[0]].name}: unequal strides {stride_w}, {stride_h}")
    kind, layout = ("conv", (0, 3, 1, 2)) if op.name == "CONV_2D" else ("depthwise", (3, 0, 1, 2))
    return kind, torch.from_numpy(weight).permute(*layout).contiguous(), torch.from_numpy(bias), stride_w, padding, act


def _clamps_at_zero(graph: Graph, index: int) -> bool:
    """A quantised uint8 output with zero point 0 cannot go below 0: ReLU6 folded into its range."""
    tensor = graph.tensors[index]
    return tensor.zero_point is not None and tensor.zero_point.size == 1 and int(tensor.zero_point[0]) == 0


def fill_ssd(model: nn.Module, graph: Graph) -> dict[str, torch.Tensor]:
    """The state dict of an engine SSD from the graph's convolutions (folded batch norm becomes
    an affine BN: weight 1, bias = the folded bias, mean 0, variance 1 - eps)."""
    predictors, body = {}, []
    for op in graph.ops:
        if op.name in ("CONV_2D", "DEPTHWISE_CONV_2D"):
            match = PREDICTOR.match(graph.tensors[op.outputs[0]].name)
            if match:
                head = "regression_head" if match.group(2) == "BoxEncodingPredictor" else "classification_head"
                predictors[f"head.{head}.module_list.{match.group(1)}"] = op
            else:
                body.append(op)
    modules = dict(model.named_modules())
    convs = [(n, m) for n, m in model.backbone.named_modules() if isinstance(m, nn.Conv2d)]
    if len(convs) != len(body) or set(predictors) != {n for n in modules if re.fullmatch(r"head\.\w+\.module_list\.\d+", n)}:
        raise InvalidInput(f"graph has {len(body)} body convolutions and {len(predictors)} predictors, the "
                           f"model {len(convs)} and 12: not this architecture")
    state: dict[str, torch.Tensor] = {}
    for (name, conv), op in zip(convs, body):
        kind, weight, bias, stride, padding, act = _conv_weight(graph, op)
        mine = "depthwise" if conv.groups > 1 else "conv"
        parent_name, index = name.rsplit(".", 1)
        parent = modules[f"backbone.{parent_name}"]  # conv, its batch norm, then maybe ReLU6
        keys = list(parent._modules)  # a split block keeps its original indices (1, 2, ...)
        following = keys[keys.index(index) + 1:keys.index(index) + 3]
        after = [parent._modules[k] for k in following]
        if len(after) < 1 or not isinstance(after[0], nn.BatchNorm2d):
            raise InvalidInput(f"module {name} has no batch norm after it: not this architecture")
        relu6 = len(after) == 2 and isinstance(after[1], nn.ReLU6)
        act_ok = (act == RELU6 or (act == NO_ACTIVATION and _clamps_at_zero(graph, op.outputs[0]))) if relu6 \
            else act == NO_ACTIVATION
        if (kind, tuple(weight.shape), stride, padding) != (mine, tuple(conv.weight.shape), conv.stride[0], SAME) \
                or not act_ok:
            raise InvalidInput(f"graph conv {graph.tensors[op.outputs[0]].name.split(';')[0]} ({kind} "
                               f"{tuple(weight.shape)} s{stride} act {act}) does not match module {name} "
                               f"({mine} {tuple(conv.weight.shape)} s{conv.stride[0]}{' relu6' if relu6 else ''})")
        bn_name, bn = f"{parent_name}.{following[0]}", after[0]
        state[f"backbone.{name}.weight"] = weight.clone()
        state[f"backbone.{bn_name}.weight"] = torch.ones_like(bias)
        state[f"backbone.{bn_name}.bias"] = bias.clone()
        state[f"backbone.{bn_name}.running_mean"] = torch.zeros_like(bias)
        state[f"backbone.{bn_name}.running_var"] = torch.full_like(bias, 1.0 - bn.eps)
        state[f"backbone.{bn_name}.num_batches_tracked"] = torch.tensor(0)
    for name, op in predictors.items():
        kind, weight, bias, stride, padding, act = _conv_weight(graph, op)
        conv = modules[name]
        if (kind, tuple(weight.shape), stride, act) != ("conv", tuple(conv.weight.shape), 1, NO_ACTIVATION):
            raise InvalidInput(f"graph predictor {name} has shape {tuple(weight.shape)}, the model {tuple(conv.weight.shape)}")
        state[f"{name}.weight"], state[f"{name}.bias"] = weight.clone(), bias.clone()
    return state


def _io(graph: Graph, what: str, inputs: tuple, outputs: list[tuple]) -> None:
    got_in = graph.tensors[graph.inputs[0]].shape
    if got_in != inputs:
        raise InvalidInput(f"{what}: input {got_in}, expected {inputs}")
    got_out = [graph.tensors[i].shape for i in graph.outputs]
    if outputs and got_out != outputs:
        raise InvalidInput(f"{what}: outputs {got_out}, expected {outputs}")


@register_converter("tflite-ssd-coco")
def convert_coco(src: Path, dst: Path) -> None:
    from engine.models.detection.tflite_ports import COCO_COLUMNS, ssd_mobilenet_v2_coco

    graph = read_tflite(Path(src).read_bytes())
    what = Path(src).name
    check_ops(graph, COCO_OPS, what)
    _io(graph, what, (1, 300, 300, 3), [])
    options = postprocess_options(graph)
    if options["num_classes"] + 1 != COCO_COLUMNS:
        raise InvalidInput(f"{what}: {options['num_classes']} classes, the port has {COCO_COLUMNS - 1}")
    model = ssd_mobilenet_v2_coco()
    state = fill_ssd(model, graph)
    post = next(op for op in graph.ops if op.name == "TFLite_Detection_PostProcess")
    anchors = graph.constant(post.inputs[2])  # (y_center, x_center, h, w), dequantised
    if anchors.shape != (1917, 4):
        raise InvalidInput(f"{what}: anchors {anchors.shape}, expected (1917, 4)")
    state["anchor_generator.yxhw"] = torch.from_numpy(np.ascontiguousarray(anchors))
    state["_postprocess.options"] = torch.tensor([float(options[k]) for k in options], dtype=torch.float64)
    model.load_state_dict(state, strict=True)  # every parameter and buffer covered, nothing extra
    save_atomically(state, Path(dst))


@register_converter("tflite-ssd-oidv4")
def convert_oidv4(src: Path, dst: Path) -> None:
    from engine.models.detection.tflite_ports import OIDV4_COLUMNS, ssd_mobilenet_v2_oidv4

    graph = read_tflite(Path(src).read_bytes())
    what = Path(src).name
    check_ops(graph, OIDV4_OPS, what)
    _io(graph, what, (1, 300, 300, 3), [(1, 1917, 4), (1, 1917, OIDV4_COLUMNS)])
    model = ssd_mobilenet_v2_oidv4()
    state = fill_ssd(model, graph)
    state["anchor_generator.yxhw"] = model.anchor_generator.yxhw.clone()  # MediaPipe's, from its graph
    model.load_state_dict(state, strict=True)
    save_atomically(state, Path(dst))
