"""Our .tflite writer against litert-torch's converter: the same classifiers, the same weights,
both files in LiteRT's interpreter (XNNPACK), interleaved side by side (issue 16 item 2, "measure
both and choose"). litert-torch brings ~900 MB of dependencies, so it is not installed by the
project; run this where it is (`pip install litert-torch` in a separate venv that also holds
this project's requirements), otherwise it says so and stops.

    python -m bench.tflite_writers [--threads 2] [--repeats 60]
"""

from __future__ import annotations

import argparse
import collections
import os
import statistics
import sys
import tempfile
from pathlib import Path

import numpy as np
import torch

from engine.kernels.timing import interleaved_seconds
from engine.models import catalog
from engine.runtime import prepare

MODELS = ("mobilenet_v2", "mobilenet_v3_large", "mobilenet_v3_small")


def interpreter_runner(tflite: Path, threads: int, x: np.ndarray):
    from ai_edge_litert.interpreter import Interpreter

    interpreter = Interpreter(model_path=str(tflite), num_threads=threads)
    interpreter.allocate_tensors()
    detail = interpreter.get_input_details()[0]
    array = np.ascontiguousarray(x if tuple(detail["shape"]) == x.shape else x.transpose(0, 2, 3, 1))

    def run() -> np.ndarray:
        interpreter.set_tensor(detail["index"], array)
        interpreter.invoke()
        return interpreter.get_tensor(interpreter.get_output_details()[0]["index"])

    ops = collections.Counter(op["op_name"] for op in interpreter._get_ops_details())
    return run, ops


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--repeats", type=int, default=60)
    args = parser.parse_args([] if argv is None else argv)
    try:
        import litert_torch
    except ImportError:
        print("litert-torch is not installed here (it brings ~900 MB: jax, transformers); "
              "install it in a separate venv to compare the two writers")
        return
    print(f"load average before: {' '.join(f'{v:.2f}' for v in os.getloadavg())}")
    with tempfile.TemporaryDirectory() as scratch:
        for name in MODELS:
            model = catalog.build_model(name).eval()
            x = torch.rand(1, 3, 224, 224)
            ours = Path(prepare(name, path="litert", module=model, threads=args.threads,
                                keep_export=False).details["tflite_file"])
            theirs = Path(scratch) / f"{name}.tflite"
            litert_torch.convert(model, (x,)).export(str(theirs))
            run_ours, ops_ours = interpreter_runner(ours, args.threads, x.numpy())
            run_theirs, ops_theirs = interpreter_runner(theirs, args.threads, x.numpy())
            diff = float(np.abs(run_ours() - run_theirs()).max())
            samples = interleaved_seconds({"ours": run_ours, "litert-torch": run_theirs}, args.repeats,
                                          warmup=5, block=5)
            ms = {k: 1000 * statistics.median(v) for k, v in samples.items()}
            print(f"{name} 224: ours {ms['ours']:.2f} ms ({sum(ops_ours.values())} ops), litert-torch "
                  f"{ms['litert-torch']:.2f} ms ({sum(ops_theirs.values())} ops), litert-torch / ours "
                  f"{ms['litert-torch'] / ms['ours']:.3f}, max |Δoutput| {diff:.2g}", flush=True)
    print(f"load average after: {' '.join(f'{v:.2f}' for v in os.getloadavg())}")


if __name__ == "__main__":
    main(sys.argv[1:])
