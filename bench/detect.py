"""Detector latency: whole forward (resize, network, anchors, decoding, NMS) and the network
alone, median of N runs after warm-up.

    python -m bench.detect [--model ssdlite_mobilenet_v2_person] [--weights PATH(.pth|.pb)]
                           [--size 300] [--threads 2] [--repeats 20]

Without --weights the model has random weights; with them, NMS sees real scores (for the person
detector pass the converted .pth or the original frozen_inference_graph.pb).
"""

from __future__ import annotations

import argparse

import torch

from engine import api
from engine.kernels.timing import median_seconds


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="ssdlite_mobilenet_v2_person")
    parser.add_argument("--weights", help="checkpoint path, or 'default' for the registered weights")
    parser.add_argument("--size", type=int, default=300)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--repeats", type=int, default=20)
    args = parser.parse_args([] if argv is None else argv)  # `python -m bench` passes none
    torch.set_num_threads(args.threads)
    if args.weights is None and args.model == "ssdlite_mobilenet_v2_person":
        args.weights = "default"
    model = api.build_model(args.model, weights=args.weights)
    image = torch.rand(3, args.size, args.size)
    if args.model == "ssdlite_mobilenet_v2_person":  # a real photo, so NMS has real work
        import skimage.data

        photo = torch.from_numpy(skimage.data.astronaut()[0:300, 100:400].copy()).permute(2, 0, 1)
        image = torch.nn.functional.interpolate(photo[None].float(), size=(args.size, args.size))[0] / 255
    with torch.inference_mode():
        batch = model.transform([image])[0].tensors
        whole = 1000 * median_seconds(lambda: model([image]), args.repeats, warmup=3)
        network = 1000 * median_seconds(lambda: model.head(list(model.backbone(batch).values())), args.repeats, warmup=3)
    print(f"{args.model} {args.size}x{args.size}, {args.threads} threads, median of {args.repeats}: "
          f"forward {whole:.1f} ms (network {network:.1f} ms, rest {whole - network:.1f} ms)"
          f"{'' if args.weights else ' [random weights]'}")


if __name__ == "__main__":
    import sys

    main(sys.argv[1:])
