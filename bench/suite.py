"""Side-by-side inference paths: every path of engine.runtime's list that runs here, and the bare
runtimes under them, same inputs, same threads, interleaved round by round so machine load hits
every path alike; then what each path costs in accuracy against the reference.

    python -m bench.suite [--threads 2] [--repeats 40] [--models ...] [--no-agreement] [--write-readme]

Prints a machine fingerprint, then per model: median ms (p10-p90 spread), speed-up over the
reference, and the FMA-peak bound (MAdds / this CPU's peak multiply-accumulate rate on the
threads used) with each path's distance from it. For the classifiers also the bare runtimes on
the very same files (an onnxruntime InferenceSession, an OpenVINO infer request in f32 and bf16
where the CPU has it, a LiteRT interpreter), the issue-16 targets (the app's default path within
10 % of the fastest bare runtime among ONNX Runtime and OpenVINO; openvino-bf16 within 10 % of
bare OpenVINO bf16), and the agreement of every path with the reference on real photos.
With --write-readme (`make bench-readme`), also writes the table into README.md between
`<!-- bench:suite:start -->` and `<!-- bench:suite:end -->`: only a full, quiet run should.
"""

from __future__ import annotations

import argparse
import os
import tempfile
from pathlib import Path

import numpy as np
import torch

from engine.analysis.layers import analyze_layers
from engine.kernels.timing import interleaved_seconds
from engine.profiling.latency import Timing, summarize
from engine.profiling.machine import fingerprint
from engine.runtime import PATHS, available_paths, fastest_exact_path, path_status, peak_fma, prepare
from engine.runtime.ort_session import open_session
from engine.tradeoffs.fastest import default_path

CASES = (("mobilenet_v2", 224), ("mobilenet_v3_large", 224), ("mobilenet_v3_small", 224),
         ("ssdlite_mobilenet_v2_person", 300), ("selfie_segmentation", 256), ("lraspp_mobilenet_v3_large", 520))
ORDER = PATHS
BARE = ("ort bare", "openvino bare", "openvino-bf16 bare", "litert bare")
README = Path(__file__).resolve().parent.parent / "README.md"
START, END = "<!-- bench:suite:start -->", "<!-- bench:suite:end -->"
BLOCK = 5


def interleaved(runners: dict[str, object], x, repeats: int, warmup: int, block: int = BLOCK) -> dict[str, Timing]:
    """engine.kernels.timing's interleaved rounds, in blocks (see interleaved_seconds), as Timings in ms."""
    samples = interleaved_seconds({name: (lambda run=run: run(x)) for name, run in runners.items()},
                                  repeats, warmup, block=block)
    return {name: summarize([1000 * t for t in times]) for name, times in samples.items()}


def bare_runtimes(runners: dict, array: np.ndarray, threads: int) -> dict[str, object]:
    """The runtimes themselves on the files our paths run: what our wrappers must not slow down."""
    bare: dict[str, object] = {}
    if "onnxruntime" in runners:
        session = open_session(runners["onnxruntime"].details["onnx_file"], threads)
        bare["ort bare"] = lambda _x: session.run(None, {"input": array})
    for path in ("openvino", "openvino-bf16"):
        if path in runners:
            from engine.runtime.openvino_path import compile_onnx

            request = compile_onnx(runners[path].details["onnx_file"], threads, bf16=path.endswith("bf16")
                                   ).create_infer_request()
            bare[f"{path} bare"] = lambda _x, request=request: request.infer({0: array})
    if "litert" in runners:
        from ai_edge_litert.interpreter import Interpreter

        interpreter = Interpreter(model_content=Path(runners["litert"].details["tflite_file"]).read_bytes(),
                                  num_threads=threads)
        interpreter.allocate_tensors()
        index = interpreter.get_input_details()[0]["index"]
        nhwc = np.ascontiguousarray(array.transpose(0, 2, 3, 1))

        def litert(_x):
            interpreter.set_tensor(index, nhwc)
            interpreter.invoke()

        bare["litert bare"] = litert
    return bare


def fmt(t: Timing) -> str:
    return f"{t.median:7.2f} ({t.p10:.2f}-{t.p90:.2f})"


def run_case(name: str, size: int, threads: int, repeats: int, warmup: int, peak,
             agreement: bool, only: tuple[str, ...] = ()) -> tuple[list[str], dict]:
    reference = prepare(name, resolution=size, path="reference", threads=threads)
    module = reference.detector or reference.network
    paths = [p for p in ORDER if p in available_paths(name) and (not only or p in only or p == "reference")]
    runners = {"reference": reference} if not only or "reference" in only else {}
    for path in paths[1:]:
        runners[path] = prepare(name, resolution=size, path=path, threads=threads, module=module, keep_export=False)
    x = torch.rand(1, 3, size, size)
    classifier = reference.task == "classification"
    if classifier:
        runners.update(bare_runtimes(runners, x.numpy(), threads))
    timings = interleaved(runners, x, repeats, warmup)
    madds = sum(r.madds for r in analyze_layers(reference.network, x))
    bound = peak.bound_ms(madds, cores=threads)
    ref = timings["reference"].median if "reference" in timings else float("nan")  # --paths without it
    lines = [f"{name} {size}x{size}: {madds / 1e6:.0f} M MAdds, FMA-peak bound {bound:.3f} ms on {threads} cores"]
    rows = []
    for path, t in timings.items():
        speedup = ref / t.median
        lines.append(f"  {path:<20} {fmt(t)} ms  {speedup:5.2f}x reference  {t.median / bound:6.1f}x the bound  "
                     f"({100 * bound / t.median:4.1f}% of peak)")
        rows.append((path, t, speedup))
    extra: dict = {}
    # the app's default: the fastest exact path measured for this model (measured now if never)
    default = default_path(name, size, threads, measure=True) if classifier else fastest_exact_path()
    exact_bare = [b for b in ("ort bare", "openvino bare") if b in timings]
    if classifier and default in timings and exact_bare:
        fastest = min(exact_bare, key=lambda b: timings[b].median)
        ratio = timings[default].median / timings[fastest].median
        lines.append(f"  default path {default} / fastest bare runtime ({fastest}): {ratio:.3f}x (target <= 1.10)")
        extra["default_ratio"] = (default, fastest, ratio)
    if "openvino-bf16" in timings and "openvino-bf16 bare" in timings:
        ratio = timings["openvino-bf16"].median / timings["openvino-bf16 bare"].median
        lines.append(f"  openvino-bf16 / bare OpenVINO bf16: {ratio:.3f}x (target <= 1.10)")
        extra["bf16_ratio"] = ratio
    if "ort bare" in timings and "onnxruntime" in timings:
        extra["wrapper_ratio"] = timings["onnxruntime"].median / timings["ort bare"].median
    if "openvino bare" in timings and "openvino" in timings and "openvino-bf16" not in timings:
        # the openvino-bf16 path is the openvino wrapper with one compile option changed: where
        # the CPU cannot run it, the f32 wrapper's cost over bare OpenVINO stands in for it
        ratio = timings["openvino"].median / timings["openvino bare"].median
        lines.append(f"  openvino-bf16: not on this CPU ({path_status('openvino-bf16').reason}); the same wrapper "
                     f"in f32, openvino / bare OpenVINO f32: {ratio:.3f}x (target for bf16 <= 1.10)")
    agreements = {}
    if agreement:
        from engine.tasks.agreement import path_agreement, real_photos

        photos = real_photos()
        for path in paths[1:]:
            agreements[path] = path_agreement(name, path, threads=threads, photos=photos)
            lines.append(f"  {path:<20} vs reference on {agreements[path].source}: {agreements[path].summary()}")
    return lines, {"name": name, "size": size, "madds": madds, "bound": bound, "rows": rows,
                   "agreement": agreements, **extra}


def markdown(results: list[dict], machine: dict, threads: int, repeats: int, peak) -> str:
    names = [p for p in (*ORDER, *BARE) if any(r[0] == p for res in results for r in res["rows"])]
    head = ("| model | MAdds | peak bound ms | " + " | ".join(names) + " |\n|---|---:|---:|"
            + "---:|" * len(names) + "\n")
    body = ""
    for res in results:
        cells = {path: f"{t.median:.2f} ({speed:.2f}×, {100 * res['bound'] / t.median:.0f}%)"
                 for path, t, speed in res["rows"]}
        body += (f"| {res['name']} {res['size']} | {res['madds'] / 1e6:.0f} M | {res['bound']:.2f} | "
                 + " | ".join(cells.get(c, "—") for c in names) + " |\n")
    agreed = [res for res in results if res["agreement"]]
    if agreed:
        paths = [p for p in ORDER if any(p in res["agreement"] for res in agreed)]
        body += ("\nAgreement with the reference path on real photos (" + agreed[0]["agreement"][paths[0]].source
                 + "):\n\n| model | " + " | ".join(paths) + " |\n|---|" + "---|" * len(paths) + "\n")
        for res in agreed:
            body += (f"| {res['name']} | " + " | ".join(res["agreement"][p].summary() if p in res["agreement"] else "—"
                                                        for p in paths) + " |\n")
    targets = "".join(f"\n{res['name']}: default path {d} / fastest bare runtime ({b}) = {r:.3f}× (target ≤ 1.10)."
                      for res in results if "default_ratio" in res for d, b, r in [res["default_ratio"]])
    targets += "".join(f"\n{res['name']}: openvino-bf16 / bare OpenVINO bf16 = {res['bf16_ratio']:.3f}× (target ≤ 1.10)."
                       for res in results if "bf16_ratio" in res)
    return (f"Median ms over {repeats} runs interleaved in blocks of {BLOCK}, {threads} threads, batch 1, random "
            f"weights (speed-up over reference, % of the FMA peak). Machine: {machine['cpu']}, {machine['cores']} "
            f"cores, torch {machine['torch']}, {machine.get('runtimes', '')}; load average before the run "
            f"{machine.get('load_average', '?')}. Peak: {peak.assumption} (an fp32 rate: int8 rows can pass "
            f"100 %).\n\n" + head + body + targets + "\n")


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
    parser.add_argument("--write-readme", action="store_true", help="put the table into README.md (a full run only)")
    parser.add_argument("--models", nargs="*", help="a subset of the suite's models")
    parser.add_argument("--no-agreement", action="store_true", help="skip the accuracy agreement on real photos")
    parser.add_argument("--paths", nargs="*", default=(), help="a subset of the paths (the bare runtimes come along)")
    args = parser.parse_args([] if argv is None else argv)
    torch.set_num_threads(args.threads)
    from importlib.metadata import PackageNotFoundError, version

    machine = fingerprint(threads=args.threads, device="cpu", backend="torch + runtimes")
    found = []
    for package in ("onnxruntime", "openvino", "ai-edge-litert"):
        try:
            found.append(f"{package} {version(package)}")
        except PackageNotFoundError:
            pass
    machine["runtimes"] = ", ".join(found)
    machine["load_average"] = " ".join(f"{v:.2f}" for v in os.getloadavg())
    peak = peak_fma()
    print("machine: " + ", ".join(f"{k}={v}" for k, v in machine.items()))
    print(f"peak: {peak.madds_per_s / 1e9:.0f} G MAdds/s on {peak.cores} cores ({peak.assumption})\n", flush=True)
    results = []
    for name, size in [c for c in CASES if not args.models or c[0] in args.models]:
        lines, result = run_case(name, size, args.threads, args.repeats, args.warmup, peak, not args.no_agreement,
                                 tuple(args.paths))
        print("\n".join(lines), flush=True)
        results.append(result)
    table = markdown(results, machine, args.threads, args.repeats, peak)
    print("\n" + table)
    if not args.write_readme:
        return
    if write_readme(table):
        print(f"table written to {README}")
    else:
        print(f"README.md has no {START} ... {END} markers: table printed only (add the markers to keep it there)")


if __name__ == "__main__":
    import sys

    main(sys.argv[1:])
