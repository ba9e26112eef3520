"""Make tests/data/selfie/reference.npz: the ORIGINAL TFLite interpreter's masks for a few photos.

Run in a separate virtualenv with `ai-edge-litert`, `numpy` and `scikit-image` (never the app's
venv: the interpreter is a reference, not a dependency):

    python3.11 -m venv /tmp/litert-venv && /tmp/litert-venv/bin/pip install ai-edge-litert scikit-image
    /tmp/litert-venv/bin/python tools/make_selfie_reference.py selfie_segmentation.tflite

The model's last op is MediaPipe's custom `Convolution2DTransposeBias`, which a stock interpreter
cannot run. Its semantics are those of the builtin TRANSPOSE_CONV (2x2, stride 2, SAME, + bias),
so the graph is rewritten with the schema's object API to use the builtin instead; everything
else runs as shipped (fp16 weights dequantised by the graph, float32 kernels).

Inputs are made by `selfie_input` below (numpy only, float64, deterministic), which the tests
import too; the npz stores each input's sha256 so a test can prove it fed the same pixels.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import sys
import tempfile
from pathlib import Path

import numpy as np

IMAGES = ("astronaut", "camera", "chelsea", "brick", "rocket")
SIZE = 256
DEFAULT_OUT = Path(__file__).resolve().parent.parent / "tests" / "data" / "selfie" / "reference.npz"


def resize_bilinear(image: np.ndarray, height: int, width: int) -> np.ndarray:
    """Bilinear resize with half-pixel centres (edge clamped), float64, HxWxC."""
    src = image.astype(np.float64)

    def axis(n_out: int, n_in: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        pos = np.clip((np.arange(n_out) + 0.5) * n_in / n_out - 0.5, 0, n_in - 1)
        lo = np.floor(pos).astype(int)
        hi = np.minimum(lo + 1, n_in - 1)
        return lo, hi, pos - lo

    y0, y1, fy = axis(height, src.shape[0])
    x0, x1, fx = axis(width, src.shape[1])
    fy, fx = fy[:, None, None], fx[None, :, None]
    top = src[y0][:, x0] * (1 - fx) + src[y0][:, x1] * fx
    bottom = src[y1][:, x0] * (1 - fx) + src[y1][:, x1] * fx
    return top * (1 - fy) + bottom * fy


def selfie_input(name: str) -> np.ndarray:
    """scikit-image photo `name` as 256x256x3 uint8 RGB (gray replicated to three channels)."""
    import skimage.data

    image = getattr(skimage.data, name)()
    if image.ndim == 2:
        image = np.repeat(image[:, :, None], 3, axis=2)
    image = image[:, :, :3]
    return np.clip(np.round(resize_bilinear(image, SIZE, SIZE)), 0, 255).astype(np.uint8)


def with_builtin_transpose_conv(model_bytes: bytes) -> bytes:
    """The same model with MediaPipe's Convolution2DTransposeBias replaced by TRANSPOSE_CONV."""
    import flatbuffers
    from ai_edge_litert import schema_py_generated as schema

    model = schema.ModelT.InitFromObj(schema.Model.GetRootAsModel(model_bytes, 0))
    custom = [i for i, c in enumerate(model.operatorCodes) if c.customCode == b"Convolution2DTransposeBias"]
    if len(custom) != 1:
        raise SystemExit("expected exactly one Convolution2DTransposeBias op code")
    code = model.operatorCodes[custom[0]]
    code.builtinCode = code.deprecatedBuiltinCode = schema.BuiltinOperator.TRANSPOSE_CONV
    code.customCode, code.version = None, 1
    graph = model.subgraphs[0]
    for op in graph.operators:
        if op.opcodeIndex != custom[0]:
            continue
        x, weights, bias = op.inputs
        out_shape = [int(v) for v in graph.tensors[op.outputs[0]].shape]
        buffer = schema.BufferT()
        buffer.data = np.array(out_shape, dtype=np.int32).view(np.uint8)
        model.buffers.append(buffer)
        shape_tensor = schema.TensorT()
        shape_tensor.shape, shape_tensor.type = [4], schema.TensorType.INT32
        shape_tensor.buffer, shape_tensor.name = len(model.buffers) - 1, b"segment/output_shape"
        graph.tensors.append(shape_tensor)
        opts = schema.TransposeConvOptionsT()
        opts.padding, opts.strideW, opts.strideH = schema.Padding.SAME, 2, 2
        opts.fusedActivationFunction = schema.ActivationFunctionType.NONE
        op.inputs = [len(graph.tensors) - 1, weights, x, bias]
        op.builtinOptionsType, op.builtinOptions = schema.BuiltinOptions.TransposeConvOptions, opts
        op.customOptions = None
    builder = flatbuffers.Builder(1 << 20)
    builder.Finish(model.Pack(builder), file_identifier=b"TFL3")
    return bytes(builder.Output())


def run_interpreter(model_bytes: bytes, images: list[np.ndarray]) -> list[np.ndarray]:
    from ai_edge_litert.interpreter import Interpreter

    interpreter = Interpreter(model_content=model_bytes, num_threads=1)
    interpreter.allocate_tensors()
    (inp,), (out,) = interpreter.get_input_details(), interpreter.get_output_details()
    masks = []
    for image in images:
        interpreter.set_tensor(inp["index"], (image.astype(np.float32) / 255.0)[None])
        interpreter.invoke()
        masks.append(interpreter.get_tensor(out["index"])[0, :, :, 0].copy())
    return masks


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("tflite", type=Path, help="selfie_segmentation.tflite from mediapipe==0.10.14")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    args = parser.parse_args(argv)
    original = args.tflite.read_bytes()
    images = [selfie_input(name) for name in IMAGES]
    masks = run_interpreter(with_builtin_transpose_conv(original), images)
    arrays = {f"mask_{n}": m.astype(np.float16) for n, m in zip(IMAGES, masks)}
    arrays |= {f"input_sha256_{n}": np.array(hashlib.sha256(i.tobytes()).hexdigest()) for n, i in zip(IMAGES, images)}
    arrays["tflite_sha256"] = np.array(hashlib.sha256(original).hexdigest())
    args.out.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=args.out.parent, suffix=".npz")
    os.close(fd)
    np.savez_compressed(tmp, **arrays)
    os.chmod(tmp, 0o644)
    os.replace(tmp, args.out)
    for name, mask in zip(IMAGES, masks):
        print(f"{name}: foreground {100 * float((mask > 0.5).mean()):.2f}%  range [{mask.min():.3g}, {mask.max():.3g}]")
    print(f"wrote {args.out}", file=sys.stderr)


if __name__ == "__main__":
    main()
