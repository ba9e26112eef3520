"""`export MODEL --onnx PATH`: the network as an ONNX file (opens in Netron; runs in onnxruntime).

For detectors the file holds backbone + head (normalised N×3×R×R in; bbox_regression and
cls_logits out): anchors, box decoding and NMS are data-dependent and stay in the app.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import torch

from engine.api import (
    InvalidInput, build_model, check_output, check_range, check_resolution, export_onnx, model_info, network_of,
    op_counts,
)
from engine.cli import finite_float, print_json

OPSET_RANGE = (14, 20)  # 14: first with HardSwish; 20: the TorchScript exporter's newest


def register(sub) -> None:
    p = sub.add_parser("export", help="write a model as an ONNX file")
    p.add_argument("model")
    p.add_argument("--onnx", type=Path, required=True, metavar="PATH", help="the .onnx file to write")
    p.add_argument("--width", type=finite_float, default=1.0)
    p.add_argument("--resolution", type=int, help="input size (default: the model's)")
    p.add_argument("--option", action="append", default=[], metavar="NAME", help="model option; repeatable")
    p.add_argument("--opset", type=int, default=17, help=f"ONNX opset, {OPSET_RANGE[0]} to {OPSET_RANGE[1]} (default 17)")
    p.add_argument("--weights", help="'default' (registered weights) or a checkpoint path; random if omitted")
    p.add_argument("--json", action="store_true")
    p.set_defaults(run=run_export)


def run_export(args: argparse.Namespace) -> int:
    check_range("opset", args.opset, *OPSET_RANGE)
    info = model_info(args.model)
    resolution = args.resolution or info.input.size
    check_resolution(resolution)
    if args.onnx.suffix.lower() != ".onnx":
        raise InvalidInput(f"--onnx {args.onnx} must end in .onnx")
    check_output(args.onnx, option="--onnx", suffixes=(".onnx",), what="an ONNX model")
    options = {name: True for name in args.option}
    model = build_model(args.model, width=args.width, weights=args.weights, **options)
    network = network_of(args.model, model)
    path = export_onnx(network, torch.zeros(1, 3, resolution, resolution), args.onnx, opset=args.opset)
    ops = op_counts(path)
    document = {
        "model": args.model, "width": args.width, "resolution": resolution, "options": options,
        "opset": args.opset, "weights": args.weights or "random", "onnx": str(path),
        "bytes": path.stat().st_size, "ops": ops,
        "contents": "backbone + head (raw outputs, no postprocess)" if info.task == "detection" else "whole model",
    }
    if args.json:
        print_json(document)
        return 0
    print(f"wrote {path} ({document['bytes'] / 1e6:.1f} MB, opset {args.opset}, {document['contents']})")
    print("ops: " + ", ".join(f"{op} {n}" for op, n in sorted(ops.items(), key=lambda kv: -kv[1])))
    return 0
