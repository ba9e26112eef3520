"""Segmenter latency, median of N forwards after warm-up on 2 threads: the selfie segmenter at
256×256, LR-ASPP and DeepLabV3 (MobileNetV3-Large, torchvision's VOC layout) at 520×520; and
each runner's whole per-frame cost (preprocess, network, postprocess) on a 640×480 frame.

    python -m bench.segment [--threads 2] [--repeats 20]

Latency does not depend on the weights' values: the selfie model uses its shipped weights when
cached, the VOC models random weights (torchvision's checkpoints are not shipped).
"""

from __future__ import annotations

import argparse
import statistics

import numpy as np
import torch

from engine.errors import WeightsUnavailable
from engine.kernels.timing import median_seconds
from engine.tasks import make_runner

MODELS = (("selfie_segmentation", 256), ("lraspp_mobilenet_v3_large", 520), ("deeplabv3_mobilenet_v3_large", 520))


def _runner(model: str, threads: int):
    try:
        return make_runner("segment", model, "default", threads=threads)
    except WeightsUnavailable:
        return make_runner("segment", model, None, threads=threads)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--repeats", type=int, default=20)
    args = parser.parse_args([] if argv is None else argv)  # `python -m bench` passes none
    torch.set_num_threads(args.threads)
    frame = np.random.default_rng(0).integers(0, 256, (480, 640, 3), dtype=np.uint8)
    for model, size in MODELS:
        runner = _runner(model, args.threads)
        batch = torch.rand(1, 3, size, size)
        with torch.inference_mode():
            network = 1000 * median_seconds(lambda: runner.network(batch), args.repeats, warmup=2)
        runner.run(frame)
        totals = [runner.run(frame).timings for _ in range(args.repeats)]
        print(f"{model} {size}x{size}, {args.threads} threads, median of {args.repeats}: network {network:.1f} ms; "
              f"per 640x480 frame {statistics.median(t.total_ms for t in totals):.1f} ms "
              f"(preprocess {statistics.median(t.preprocess_ms for t in totals):.1f}, "
              f"inference {statistics.median(t.inference_ms for t in totals):.1f}, "
              f"postprocess {statistics.median(t.postprocess_ms for t in totals):.1f})"
              f"{' [random weights]' if runner.untrained else ''}")


if __name__ == "__main__":
    import sys

    main(sys.argv[1:])
