"""Detector latency: whole forward (resize, network, anchors, decoding, NMS) and the network
alone, median of N runs after warm-up; then the whole `detect` per frame of a 640×480 video
(decode, runner stages, drawing), median over --frames frames.

    python -m bench.detect [--model ssdlite_mobilenet_v2_person] [--weights PATH(.pth|.pb)]
                           [--size 300] [--threads 2] [--repeats 50] [--frames 60]

Without --weights the model has random weights; with them, NMS sees real scores (for the person
detector pass the converted .pth or the original frozen_inference_graph.pb).
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

import cv2
import numpy as np
import torch

from engine import api
from engine.kernels.timing import median_seconds


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="ssdlite_mobilenet_v2_person")
    parser.add_argument("--weights", help="checkpoint path, or 'default' for the registered weights")
    parser.add_argument("--size", type=int, default=300)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--repeats", type=int, default=50)
    parser.add_argument("--frames", type=int, default=60, help="frames of the 640×480 video (>= 50)")
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
    video_per_frame(args.model, args.weights, args.threads, args.frames)


def _clip(path: Path, frames: int) -> None:
    """A 640×480 MP4: the astronaut sliding across a grey frame, so every frame has a person."""
    import skimage.data

    person = cv2.cvtColor(cv2.resize(skimage.data.astronaut(), (360, 360)), cv2.COLOR_RGB2BGR)
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"mp4v"), 30.0, (640, 480))
    for i in range(frames):
        frame = np.full((480, 640, 3), 90, np.uint8)
        x = int((640 - 360) * i / max(1, frames - 1))
        frame[60:420, x:x + 360] = person
        writer.write(frame)
    writer.release()


def video_per_frame(model: str, weights: str | None, threads: int, frames: int) -> None:
    """What `detect VIDEO --out x.mp4` spends per frame, stage by stage (medians)."""
    from engine.tasks import make_runner
    from engine.video.files import open_video

    runner = make_runner("detect", model, weights, threads=threads)
    decode, stages, drawing, whole, found = [], [], [], [], []
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "clip.mp4"
        _clip(path, frames)
        with open_video(path) as video:
            frames_iter = iter(video)
            for i in range(frames + 1):  # frame 0 warms up
                start = time.perf_counter()
                frame = next(frames_iter, None)
                if frame is None:
                    break
                got = time.perf_counter()
                result = runner.run(frame)
                ran = time.perf_counter()
                runner.draw(frame, result, score=0.5)
                done = time.perf_counter()
                if i:
                    decode.append(got - start)
                    stages.append(result.timings)
                    drawing.append(done - ran)
                    whole.append(done - start)
                    found.append(len(result.above(0.5).detections))

    def ms(values):
        return 1000 * statistics.median(values)

    print(f"detect on a 640x480 video, {model}, {threads} threads, median of {len(whole)} frames: "
          f"{ms(whole):.1f} ms per frame (decode {ms(decode):.1f}, "
          f"preprocess {statistics.median(t.preprocess_ms for t in stages):.1f}, "
          f"inference {statistics.median(t.inference_ms for t in stages):.1f}, "
          f"postprocess {statistics.median(t.postprocess_ms for t in stages):.1f}, draw {ms(drawing):.1f}); "
          f"people >= 0.5 per frame: median {statistics.median(found):g}"
          f"{'' if weights else ' [random weights]'}")


if __name__ == "__main__":
    import sys

    main(sys.argv[1:])
