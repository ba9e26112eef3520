"""The four symmetric-operator convolution methods on a 512x512 grid at 19x19 and 25x25
operators, one thread, median of >= 5 runs, ratios to the simple method, and GFLOP/s against an
estimate of this CPU's fp32 peak (from lscpu; the assumption is printed)."""

from __future__ import annotations

import os
import re
import subprocess

import time

import torch

from engine.kernels.symconv import convolve
from engine.kernels.symconv.experiment import make_problem, run_symconv


def cpu_seconds(op: int, method: str, repeats: int) -> float:
    """Least thread CPU time of `repeats` calls: on a shared machine wall time also counts the
    time the thread waited for a core, CPU time does not (cache sharing still counts)."""
    data, quarters, op_index = make_problem(512, 512, op, "constant")
    convolve(data, quarters, op_index, method)
    best = float("inf")
    for _ in range(repeats):
        start = time.thread_time()
        convolve(data, quarters, op_index, method)
        best = min(best, time.thread_time() - start)
    return best


def cpu_peak() -> tuple[float, float, str]:
    """(peak GFLOP/s per core, all cores, assumption) from lscpu: GHz x 2 FMA pipes x lanes x 2."""
    try:
        text = subprocess.run(["lscpu"], capture_output=True, text=True, check=True).stdout
    except (OSError, subprocess.CalledProcessError):
        return float("nan"), float("nan"), "lscpu unavailable"
    field = dict(re.findall(r"^([^:]+):\s*(.*)$", text, re.M))
    cores = int(field.get("Core(s) per socket", "1")) * int(field.get("Socket(s)", "1"))
    mhz = float(field.get("CPU max MHz") or 0) or float(field.get("BogoMIPS", "0")) / 2
    flags = field.get("Flags", "").split()
    amd = "AMD" in field.get("Vendor ID", "")
    if "avx512f" in flags and not amd:
        lanes, why = 16, "AVX-512: 2 FMA pipes x 16 fp32 lanes"
    elif "avx2" in flags or "avx512f" in flags:
        lanes, why = 8, ("AVX-512 on AMD Zen 4 runs on 256-bit pipes: 2 FMA pipes x 8 fp32 lanes"
                         if amd else "AVX2: 2 FMA pipes x 8 fp32 lanes")
    else:
        lanes, why = 4, "SSE: 2 pipes x 4 fp32 lanes"
    per_core = mhz / 1e3 * 2 * lanes * 2  # 2 FMA pipes, 2 flops per FMA
    return per_core, per_core * cores, (f"{cores} cores x {mhz / 1e3:.2f} GHz x {why} x 2 flop/FMA; "
                                        "a complex MAC (4M+4A) maps onto 4 FMAs")


def main() -> None:
    torch.set_num_threads(1)
    repeats = int(os.environ.get("BENCH_REPEATS", "7"))
    per_core, total, assumption = cpu_peak()
    print(f"peak estimate: {per_core:.0f} GFLOP/s per core, {total:.0f} all cores ({assumption})")
    print("single-threaded numba loops; ms = median wall time, GF/s = the method's own flops (spec §7), "
          "GF/s eq = simple's flop count / time; cpu ms = least thread CPU time (robust on a loaded machine)")
    for op in (19, 25):
        result = run_symconv(512, 512, op, "constant", repeats=repeats)
        print(f"\n512x512 grid, {op}x{op} operator, constant velocity, median of {repeats}")
        cpu = {r.method: cpu_seconds(op, r.method, repeats) for r in result.runs}
        print(f"{'method':<12} {'ms':>8} {'x simple':>8} {'GF/s':>6} {'% peak':>6} {'GF/s eq':>7} {'rel err':>8} "
              f"{'cpu ms':>7} {'cpu x':>8}")
        for r in result.runs:
            print(f"{r.method:<12} {r.seconds * 1e3:8.2f} {r.speedup_vs_simple:8.2f} {r.gflops:6.2f} "
                  f"{100 * r.gflops / per_core:6.1f} {r.simple_equivalent_gflops:7.2f} {r.max_rel_error:8.1e} "
                  f"{cpu[r.method] * 1e3:7.2f} {cpu['simple'] / cpu[r.method]:8.2f}")


if __name__ == "__main__":
    main()
