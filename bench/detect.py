"""Detector latency: whole forward (resize, network, anchors, decoding, NMS) and the network
alone, median of N runs after warm-up.

    python -m bench.detect [--model ssdlite_mobilenet_v2_person] [--weights PATH(.pth|.pb)]
                           [--size 300] [--threads 2] [--repeats 20]

Without --weights the model has random weights; with them, NMS sees real scores (for the person
detector pass the converted .pth or the original frozen_inference_graph.pb).
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

import torch

from engine.models import catalog


def load(model: torch.nn.Module, weights: Path) -> None:
    if weights.suffix == ".pb":
        from engine.weights.converters.tf_graphdef import convert_person_detector

        converted = Path(tempfile.mkdtemp()) / "weights.pth"
        convert_person_detector(weights, converted)
        weights = converted
    model.load_state_dict(torch.load(weights, weights_only=True), strict=True)


def median_ms(fn, repeats: int) -> float:
    for _ in range(3):
        fn()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="ssdlite_mobilenet_v2_person")
    parser.add_argument("--weights", type=Path)
    parser.add_argument("--size", type=int, default=300)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--repeats", type=int, default=20)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    model = catalog.build(args.model)
    if args.weights:
        load(model, args.weights)
    image = torch.rand(3, args.size, args.size)
    if args.model == "ssdlite_mobilenet_v2_person":  # a real photo, so NMS has real work
        import skimage.data

        photo = torch.from_numpy(skimage.data.astronaut()[0:300, 100:400].copy()).permute(2, 0, 1)
        image = torch.nn.functional.interpolate(photo[None].float(), size=(args.size, args.size))[0] / 255
    with torch.inference_mode():
        batch = model.transform([image])[0].tensors
        whole = median_ms(lambda: model([image]), args.repeats)
        network = median_ms(lambda: model.head(list(model.backbone(batch).values())), args.repeats)
    print(f"{args.model} {args.size}x{args.size}, {args.threads} threads, median of {args.repeats}: "
          f"forward {whole:.1f} ms (network {network:.1f} ms, rest {whole - network:.1f} ms)"
          f"{'' if args.weights else ' [random weights]'}")


if __name__ == "__main__":
    main()
