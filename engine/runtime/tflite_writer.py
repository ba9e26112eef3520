"""A `.tflite` file written from the app's ONNX export, for LiteRT's interpreter (the runtime the
MobileNet papers measured on phones).

Why our own writer, not litert-torch: litert-torch converts without TensorFlow but brings
~900 MB of dependencies (litert_converter 288 MB, jaxlib 349 MB, transformers 129 MB, scipy
113 MB, measured in a venv with litert-torch 0.10.0), and its files are no faster: the same
three classifiers at 224 px in ai-edge-litert 2.3.0, 2 threads, interleaved side by side
(`python -m bench.tflite_writers`, three runs on a loaded 2-core machine), took litert-torch's
file / ours = 0.999-1.025 (V2), 0.961-1.014 (V3-Large), 0.77-1.06 (V3-Small): within the noise,
with outputs equal to 1e-15. V2 has the same 71 ops in both; V3 has one op more per SE block in
ours (h-sigmoid's +3 as an ADD where litert-torch folds it into the preceding conv's bias). A MobileNet classifier needs eleven TFLite ops, and
ai-edge-litert (which we ship for the interpreter) carries the TFLite schema's generated object
API, so the file is built with it and `flatbuffers` (its dependency). The graph is read from the
verified ONNX export (BN already folded), activations are laid out NHWC as TFLite wants:

    Conv -> CONV_2D / DEPTHWISE_CONV_2D (a following Relu / Clip(0, 6) fused), asymmetric
    padding as PAD + VALID; Relu, Clip(0, 6), HardSwish -> RELU, RELU6, HARD_SWISH;
    HardSigmoid(1/6, 1/2) -> ADD 3 with RELU6 fused, MUL 1/6 (torch's relu6(x + 3) / 6);
    Add, Mul -> ADD, MUL; GlobalAveragePool -> MEAN over H, W; Flatten of N×C×1×1 -> RESHAPE;
    Gemm -> FULLY_CONNECTED.

Anything else raises InvalidInput naming the op, so the path is offered only where it converts.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from engine.errors import InvalidInput

WRITER_VERSION = 2  # part of the cached file's name: a changed writer never reuses an older file


class _Graph:
    """The TFLite model under construction (schema object API)."""

    def __init__(self, schema):
        self.s = schema
        self.tensors: list = []
        self.buffers: list = [schema.BufferT()]  # buffer 0: the empty one, for activations
        self.operators: list = []
        self.codes: dict[int, int] = {}
        self.code_list: list = []
        self.by_name: dict[str, int] = {}

    def tensor(self, name: str, shape, data: np.ndarray | None = None, dtype=np.float32) -> int:
        s = self.s
        t = s.TensorT()
        t.name = name
        t.shape = np.asarray(shape, dtype=np.int32)
        t.type = s.TensorType.INT32 if dtype == np.int32 else s.TensorType.FLOAT32
        t.buffer = 0
        if data is not None:
            buffer = s.BufferT()
            buffer.data = np.frombuffer(np.ascontiguousarray(data, dtype=dtype).tobytes(), dtype=np.uint8)
            self.buffers.append(buffer)
            t.buffer = len(self.buffers) - 1
        self.tensors.append(t)
        self.by_name[name] = len(self.tensors) - 1
        return self.by_name[name]

    def const(self, name: str, data: np.ndarray, dtype=np.float32) -> int:
        return self.tensor(name, np.shape(data), np.asarray(data), dtype)

    def op(self, code: int, inputs: list[int], outputs: list[int], options_type: int = 0, options=None) -> None:
        s = self.s
        if code not in self.codes:
            oc = s.OperatorCodeT()
            oc.builtinCode = code
            oc.deprecatedBuiltinCode = min(code, 127)
            oc.version = 1
            self.codes[code] = len(self.code_list)
            self.code_list.append(oc)
        o = s.OperatorT()
        o.opcodeIndex = self.codes[code]
        o.inputs = np.asarray(inputs, dtype=np.int32)
        o.outputs = np.asarray(outputs, dtype=np.int32)
        o.builtinOptionsType = options_type
        o.builtinOptions = options
        self.operators.append(o)

    def finish(self, inputs: list[int], outputs: list[int]) -> bytes:
        import flatbuffers

        s = self.s
        sub = s.SubGraphT()
        sub.tensors, sub.operators = self.tensors, self.operators
        sub.inputs, sub.outputs = np.asarray(inputs, dtype=np.int32), np.asarray(outputs, dtype=np.int32)
        sub.name = "main"
        model = s.ModelT()
        model.version = 3
        model.operatorCodes, model.subgraphs, model.buffers = self.code_list, [sub], self.buffers
        model.description = "mobilenet-studio tflite_writer"
        builder = flatbuffers.Builder(1 << 20)
        builder.Finish(model.Pack(builder), file_identifier=b"TFL3")
        return bytes(builder.Output())


def _same_pads(size: int, k: int, stride: int, dilation: int) -> tuple[int, int]:
    """TensorFlow's SAME padding (before, after) for one spatial dimension."""
    out = -(-size // stride)
    total = max((out - 1) * stride + (k - 1) * dilation + 1 - size, 0)
    return total // 2, total - total // 2


def _nhwc_const(value: np.ndarray) -> np.ndarray:
    """A broadcast operand of an NCHW op (1×C×1×1 or a scalar) for the NHWC graph."""
    value = np.asarray(value, dtype=np.float32)
    if value.ndim == 4:
        return value.transpose(0, 2, 3, 1)
    return value.reshape(-1) if value.size > 1 else value.reshape(1)


def onnx_to_tflite(onnx_file: str | Path) -> bytes:
    """The TFLite flatbuffer of an exported classifier (NHWC input 1×H×W×3, outputs as in ONNX)."""
    import onnx
    from ai_edge_litert import schema_py_generated as s
    from onnx import numpy_helper

    model = onnx.shape_inference.infer_shapes(onnx.load(str(onnx_file)))
    graph = model.graph
    shapes = {v.name: [d.dim_value for d in v.type.tensor_type.shape.dim]
              for v in list(graph.value_info) + list(graph.input) + list(graph.output)}
    attrs = lambda node: {a.name: onnx.helper.get_attribute_value(a) for a in node.attribute}  # noqa: E731
    consts = {init.name: numpy_helper.to_array(init) for init in graph.initializer}
    # every Constant up front: a Clip's bounds often come after the Conv it follows, and fusing
    # it into that Conv (one op, not CONV_2D + RELU6) needs them when the Conv is written
    consts.update({n.output[0]: numpy_helper.to_array(attrs(n)["value"]) for n in graph.node if n.op_type == "Constant"})
    consumers: dict[str, list] = {}
    for node in graph.node:
        for name in node.input:
            consumers.setdefault(name, []).append(node)
    g = _Graph(s)
    alias: dict[str, str] = {}  # an ONNX name that is another tensor (Identity, fused activation)
    BO, OP = s.BuiltinOptions, s.BuiltinOperator

    def act(name: str) -> int:
        name = alias.get(name, name)
        if name not in g.by_name:
            shape = shapes[name]
            g.tensor(name, [shape[0], shape[2], shape[3], shape[1]] if len(shape) == 4 else shape)
        return g.by_name[name]

    def fusable(name: str):
        """The activation that alone consumes `name`, fusable into the op producing it."""
        users = consumers.get(name, [])
        if len(users) != 1 or name in {o.name for o in graph.output}:
            return None, s.ActivationFunctionType.NONE
        user = users[0]
        if user.op_type == "Relu":
            return user, s.ActivationFunctionType.RELU
        if user.op_type == "Clip" and _clip_range(user) == (0.0, 6.0):
            return user, s.ActivationFunctionType.RELU6
        return None, s.ActivationFunctionType.NONE

    def _clip_range(node) -> tuple[float, float]:
        lo, hi = (float(consts[n]) if n in consts else None for n in list(node.input[1:3]) + [None] * (3 - len(node.input)))
        return (lo, hi)

    fused: set[int] = set()
    for node in graph.node:
        kind, a = node.op_type, attrs(node)
        if id(node) in fused:
            continue
        if kind == "Constant":
            consts[node.output[0]] = numpy_helper.to_array(a["value"])
            continue
        if kind == "Identity":
            if node.input[0] in consts:
                consts[node.output[0]] = consts[node.input[0]]
            else:
                alias[node.output[0]] = alias.get(node.input[0], node.input[0])
            continue
        out_name = node.output[0]
        if kind == "Conv":
            x, weight = node.input[0], consts[node.input[1]]
            bias = consts[node.input[2]] if len(node.input) > 2 else np.zeros(weight.shape[0], np.float32)
            n, c, h, w = shapes[x]
            kh, kw = weight.shape[2:]
            sh, sw = a.get("strides", [1, 1])
            dh, dw = a.get("dilations", [1, 1])
            top, left, bottom, right = a.get("pads", [0, 0, 0, 0])
            group = a.get("group", 1)
            source = act(x)
            same = _same_pads(h, kh, sh, dh) + _same_pads(w, kw, sw, dw)
            if (top, bottom, left, right) == same:
                padding = s.Padding.SAME
            else:
                padding = s.Padding.VALID
                if any((top, bottom, left, right)):
                    paddings = g.const(out_name + "/paddings", np.array([[0, 0], [top, bottom], [left, right], [0, 0]]),
                                       np.int32)
                    padded = g.tensor(out_name + "/padded", [n, h + top + bottom, w + left + right, c])
                    g.op(OP.PAD, [source, paddings], [padded], BO.PadOptions, s.PadOptionsT())
                    source = padded
            activation_node, activation = fusable(out_name)
            if activation_node is not None:
                fused.add(id(activation_node))
                alias[activation_node.output[0]] = out_name
            if group == 1:
                options = s.Conv2DOptionsT()
                options.padding, options.strideH, options.strideW = padding, sh, sw
                options.dilationHFactor, options.dilationWFactor = dh, dw
                options.fusedActivationFunction = activation
                w_t = g.const(out_name + "/weight", weight.transpose(0, 2, 3, 1))
                g.op(OP.CONV_2D, [source, w_t, g.const(out_name + "/bias", bias)], [act(out_name)],
                     BO.Conv2DOptions, options)
            elif group == c and weight.shape[1] == 1:
                options = s.DepthwiseConv2DOptionsT()
                options.padding, options.strideH, options.strideW = padding, sh, sw
                options.dilationHFactor, options.dilationWFactor = dh, dw
                options.depthMultiplier = weight.shape[0] // c
                options.fusedActivationFunction = activation
                w_t = g.const(out_name + "/weight", weight.transpose(1, 2, 3, 0))
                g.op(OP.DEPTHWISE_CONV_2D, [source, w_t, g.const(out_name + "/bias", bias)], [act(out_name)],
                     BO.DepthwiseConv2DOptions, options)
            else:
                raise InvalidInput(f"litert: grouped convolution (groups={group}) is not supported")
        elif kind in ("Relu", "HardSwish") or (kind == "Clip" and _clip_range(node) == (0.0, 6.0)):
            code = {"Relu": OP.RELU, "HardSwish": OP.HARD_SWISH, "Clip": OP.RELU6}[kind]
            g.op(code, [act(node.input[0])], [act(out_name)])
        elif kind == "HardSigmoid":
            if abs(a.get("alpha", 0.2) - 1 / 6) > 1e-6 or abs(a.get("beta", 0.5) - 0.5) > 1e-6:
                raise InvalidInput("litert: HardSigmoid other than torch's (alpha 1/6, beta 1/2)")
            shifted = g.tensor(out_name + "/plus3", [0])
            g.tensors[shifted].shape = g.tensors[act(node.input[0])].shape
            options = s.AddOptionsT()
            options.fusedActivationFunction = s.ActivationFunctionType.RELU6
            g.op(OP.ADD, [act(node.input[0]), g.const(out_name + "/three", np.array([3.0]))], [shifted],
                 BO.AddOptions, options)
            g.op(OP.MUL, [shifted, g.const(out_name + "/sixth", np.array([1 / 6]))], [act(out_name)],
                 BO.MulOptions, s.MulOptionsT())
        elif kind in ("Add", "Mul"):
            inputs = [g.const(out_name + f"/c{i}", _nhwc_const(consts[name])) if name in consts else act(name)
                      for i, name in enumerate(node.input)]
            activation_node, activation = fusable(out_name)
            if activation_node is not None:
                fused.add(id(activation_node))
                alias[activation_node.output[0]] = out_name
            options = s.AddOptionsT() if kind == "Add" else s.MulOptionsT()
            options.fusedActivationFunction = activation
            g.op(OP.ADD if kind == "Add" else OP.MUL, inputs, [act(out_name)],
                 BO.AddOptions if kind == "Add" else BO.MulOptions, options)
        elif kind in ("GlobalAveragePool", "ReduceMean"):
            if kind == "ReduceMean" and list(a.get("axes", [])) != [2, 3]:
                raise InvalidInput("litert: ReduceMean other than over H, W is not supported")
            options = s.ReducerOptionsT()
            options.keepDims = bool(a.get("keepdims", 1))
            g.op(OP.MEAN, [act(node.input[0]), g.const(out_name + "/axes", np.array([1, 2]), np.int32)],
                 [act(out_name)], BO.ReducerOptions, options)
        elif kind == "Flatten":
            shape = shapes[node.input[0]]
            if a.get("axis", 1) != 1 or len(shape) != 4 or shape[2:] != [1, 1]:
                raise InvalidInput("litert: Flatten is supported only after global pooling (N×C×1×1)")
            options = s.ReshapeOptionsT()
            options.newShape = np.array(shapes[out_name], dtype=np.int32)
            g.op(OP.RESHAPE, [act(node.input[0]), g.const(out_name + "/shape", np.array(shapes[out_name]), np.int32)],
                 [act(out_name)], BO.ReshapeOptions, options)
        elif kind == "Gemm":
            if a.get("transB", 0) != 1 or a.get("alpha", 1.0) != 1.0 or a.get("beta", 1.0) != 1.0 or a.get("transA", 0):
                raise InvalidInput("litert: Gemm other than x·Wᵀ + b is not supported")
            options = s.FullyConnectedOptionsT()
            g.op(OP.FULLY_CONNECTED, [act(node.input[0]), g.const(out_name + "/weight", consts[node.input[1]]),
                                      g.const(out_name + "/bias", consts[node.input[2]])],
                 [act(out_name)], BO.FullyConnectedOptions, options)
        else:
            raise InvalidInput(f"litert: ONNX op {kind} is not supported by the TFLite writer")
    inputs = [act(v.name) for v in graph.input if v.name not in consts]
    outputs = [act(v.name) for v in graph.output]
    return g.finish(inputs, outputs)
