"""Side-by-side inference paths: reference eager vs fast vs bf16 vs int8 vs onnxruntime, same
inputs, same threads, interleaved round by round so machine load hits every path alike.

    python -m bench.suite [--threads 2] [--repeats 40] [--no-readme]

Prints a machine fingerprint, then per model: median ms (p10-p90 spread), speed-up over the
reference, and the FMA-peak bound (MAdds / this CPU's peak multiply-accumulate rate on the
threads used) with each path's distance from it. Also a bare onnxruntime session on the same
file (our wrapper must cost nothing) and the same session with spinning on. Writes the table
into README.md between `<!-- bench:suite:start -->` and `<!-- bench:suite:end -->`.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

import numpy as np
import torch

from engine.analysis.layers import analyze_layers
from engine.profiling.latency import Timing, summarize
from engine.profiling.machine import fingerprint
from engine.runtime import available_paths, peak_fma, prepare
from engine.runtime.onnx_path import open_session

CASES = (("mobilenet_v2", 224), ("mobilenet_v3_large", 224), ("mobilenet_v3_small", 224),
         ("ssdlite_mobilenet_v2_person", 300), ("selfie_segmentation", 256), ("lraspp_mobilenet_v3_large", 520))
ORDER = ("reference", "fast", "bf16", "int8", "onnxruntime")
README = Path(__file__).resolve().parent.parent / "README.md"
START, END = "<!-- bench:suite:start -->", "<!-- bench:suite:end -->"


def interleaved(runners: dict[str, object], x, repeats: int, warmup: int, block: int = 5) -> dict[str, Timing]:
    """Rounds of `block` consecutive runs per runner, the order rotating, so drifts in load are
    shared. Blocks, not single runs: right after a torch call its OpenMP threads still spin for a
    while and would tax whichever runtime runs next; the first run of each block is dropped."""
    names = list(runners)
    samples: dict[str, list[float]] = {n: [] for n in names}
    for _ in range(warmup):
        for name in names:
            runners[name](x)
    for i in range(-(-repeats // block)):
        for name in names[i % len(names):] + names[:i % len(names)]:
            for j in range(block + 1):
                start = time.perf_counter()
                runners[name](x)
                if j:
                    samples[name].append((time.perf_counter() - start) * 1000)
    return {n: summarize(s) for n, s in samples.items()}


def fmt(t: Timing) -> str:
    return f"{t.median:7.2f} ({t.p10:.2f}-{t.p90:.2f})"


def run_case(name: str, size: int, threads: int, repeats: int, warmup: int, peak) -> tuple[list[str], dict]:
    reference = prepare(name, resolution=size, path="reference", threads=threads)
    module = reference.detector or reference.network
    paths = [p for p in ORDER if p in available_paths(name)]
    runners = {"reference": reference}
    for path in paths[1:]:
        runners[path] = prepare(name, resolution=size, path=path, threads=threads, module=module)
    x = torch.rand(1, 3, size, size)
    array = x.numpy()
    extra: dict = {}
    if name == "mobilenet_v3_large" and "onnxruntime" in runners:
        file = runners["onnxruntime"].details["onnx_file"]
        bare = open_session(file, threads)
        spinning = open_session(file, threads, spinning=True)
        runners["ort bare"] = lambda _x: bare.run(None, {"input": array})
        runners["ort bare, spinning"] = lambda _x: spinning.run(None, {"input": array})
    timings = interleaved(runners, x, repeats, warmup)
    madds = sum(r.madds for r in analyze_layers(reference.network, x))
    bound = peak.bound_ms(madds, cores=threads)
    ref = timings["reference"].median
    lines = [f"{name} {size}x{size}: {madds / 1e6:.0f} M MAdds, FMA-peak bound {bound:.3f} ms on {threads} cores"]
    rows = []
    for path, t in timings.items():
        speedup = ref / t.median
        lines.append(f"  {path:<20} {fmt(t)} ms  {speedup:5.2f}x reference  {t.median / bound:6.1f}x the bound  "
                     f"({100 * bound / t.median:4.1f}% of peak)")
        rows.append((path, t, speedup))
    if "ort bare" in timings:
        ratio = timings["onnxruntime"].median / timings["ort bare"].median
        lines.append(f"  our onnxruntime wrapper / bare session: {ratio:.3f}x (target <= 1.1)")
        extra["wrapper_ratio"] = ratio
    if "int8" in runners:
        lines.append(f"  int8 float fallbacks: {list(runners['int8'].details['int8'].fallbacks) or 'none'}")
    return lines, {"name": name, "size": size, "madds": madds, "bound": bound, "rows": rows, **extra}


def markdown(results: list[dict], machine: dict, threads: int, repeats: int, peak) -> str:
    cols = [p for p in ORDER if any(r[0] == p for res in results for r in res["rows"])]
    head = ("| model | MAdds | peak bound ms | " + " | ".join(cols) + " |\n|---|---:|---:|"
            + "---:|" * len(cols) + "\n")
    body = ""
    for res in results:
        cells = {path: f"{t.median:.2f} ({speed:.2f}×, {100 * res['bound'] / t.median:.0f}%)"
                 for path, t, speed in res["rows"]}
        body += (f"| {res['name']} {res['size']} | {res['madds'] / 1e6:.0f} M | {res['bound']:.2f} | "
                 + " | ".join(cells.get(c, "—") for c in cols) + " |\n")
    ratio = next((r["wrapper_ratio"] for r in results if "wrapper_ratio" in r), None)
    return (f"Median ms over {repeats} runs interleaved in blocks of 5, {threads} threads, batch 1, random weights "
            f"(speed-up over reference, % of the FMA peak). Machine: {machine['cpu']}, {machine['cores']} cores, "
            f"torch {machine['torch']}, onnxruntime {machine.get('onnxruntime', '—')}; measured on a shared, "
            f"loaded machine. Peak: {peak.assumption}.\n\n" + head + body
            + (f"\nonnxruntime wrapper / bare InferenceSession on the same file (V3-Large): {ratio:.3f}×.\n"
               if ratio else ""))


def write_readme(table: str, readme: Path = README) -> bool:
    text = readme.read_text(encoding="utf-8") if readme.is_file() else ""
    if START not in text or END not in text or text.index(START) > text.index(END):
        return False
    before, rest = text.split(START, 1)
    after = rest.split(END, 1)[1]
    fd, tmp = tempfile.mkstemp(dir=readme.parent, prefix=readme.name + ".", suffix=".tmp")
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(f"{before}{START}\n{table}{END}{after}")
    os.replace(tmp, readme)
    return True


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--repeats", type=int, default=40)
    parser.add_argument("--warmup", type=int, default=5)
    parser.add_argument("--no-readme", action="store_true")
    parser.add_argument("--models", nargs="*", help="a subset of the suite's models")
    args = parser.parse_args([] if argv is None else argv)
    torch.set_num_threads(args.threads)
    import onnxruntime

    machine = fingerprint(threads=args.threads, device="cpu", backend="torch + onnxruntime")
    machine["onnxruntime"] = onnxruntime.__version__
    machine["load_average"] = " ".join(f"{v:.2f}" for v in os.getloadavg())
    peak = peak_fma()
    print("machine: " + ", ".join(f"{k}={v}" for k, v in machine.items()))
    print(f"peak: {peak.madds_per_s / 1e9:.0f} G MAdds/s on {peak.cores} cores ({peak.assumption})\n", flush=True)
    results = []
    for name, size in [c for c in CASES if not args.models or c[0] in args.models]:
        lines, result = run_case(name, size, args.threads, args.repeats, args.warmup, peak)
        print("\n".join(lines), flush=True)
        results.append(result)
    table = markdown(results, machine, args.threads, args.repeats, peak)
    print("\n" + table)
    if args.no_readme:
        return
    if write_readme(table):
        print(f"table written to {README}")
    else:
        print(f"README.md has no {START} ... {END} markers: table printed only (add the markers to keep it there)")


if __name__ == "__main__":
    import sys

    main(sys.argv[1:])
