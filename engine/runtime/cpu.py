"""What this CPU can do: instruction-set flags, bfloat16 support, and the peak FMA throughput
that bounds any inference path (the "physical limit" column of the benchmark)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import cache

import torch


@cache
def cpu_flags() -> frozenset[str]:
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as fh:
            for line in fh:
                if line.startswith("flags"):
                    return frozenset(line.split(":", 1)[1].split())
    except OSError:
        pass
    return frozenset()


def _cpuinfo_field(field: str) -> str | None:
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as fh:
            for line in fh:
                if line.startswith(field):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return None


def supports_bf16() -> bool:
    """Native bfloat16 dot products (AVX512-BF16 or AMX): without them, autocast to bf16 on a CPU
    emulates and is slower than fp32."""
    flags = cpu_flags()
    return bool({"avx512_bf16", "amx_bf16"} & flags) or torch.backends.cpu.get_cpu_capability() == "AVX512_BF16"


@dataclass(frozen=True)
class PeakFma:
    """Peak fp32 multiply-accumulates per second = cores × GHz × FMA units × SIMD lanes."""

    cores: int
    ghz: float
    fma_units: int
    lanes: int  # fp32 lanes per FMA instruction
    assumption: str

    @property
    def madds_per_s(self) -> float:
        return self.cores * self.ghz * 1e9 * self.fma_units * self.lanes

    def bound_ms(self, madds: int, cores: int | None = None) -> float:
        """The shortest time `madds` could take on `cores` cores at peak (every cycle an FMA)."""
        used = self.cores if cores is None else min(cores, self.cores)
        return madds / (used * self.ghz * 1e9 * self.fma_units * self.lanes) * 1e3


def peak_fma(cores: int | None = None) -> PeakFma:
    """Derived from /proc/cpuinfo. Assumptions, stated in the result: two FMA pipes per core
    (every x86 core with AVX2 since Haswell / Zen 1); 16 fp32 lanes with avx512f, 8 with
    avx2/fma. AMD Zen 4 runs AVX-512 on 256-bit pipes (two cycles per 512-bit FMA), so there
    the effective width is 8 lanes × 2 pipes; the frequency is the reported (base) clock."""
    flags = cpu_flags()
    n = cores or os.cpu_count() or 1
    mhz = _cpuinfo_field("cpu MHz")
    ghz = float(mhz) / 1000 if mhz else 2.0
    vendor = _cpuinfo_field("vendor_id") or ""
    family = int(_cpuinfo_field("cpu family") or 0)
    if "avx512f" in flags and vendor == "AuthenticAMD" and family == 25:
        lanes, why = 8, "Zen 4: AVX-512 on two 256-bit FMA pipes (8 fp32 lanes each)"
    elif "avx512f" in flags:
        lanes, why = 16, "AVX-512: two 512-bit FMA pipes (16 fp32 lanes each)"
    elif "fma" in flags:
        lanes, why = 8, "AVX2: two 256-bit FMA pipes (8 fp32 lanes each)"
    else:
        lanes, why = 4, "SSE: no FMA flag, two 128-bit multiply-add pipes assumed"
    return PeakFma(cores=n, ghz=ghz, fma_units=2, lanes=lanes,
                   assumption=f"{n} cores × {ghz:.2f} GHz (cpu MHz, no turbo) × 2 FMA pipes × {lanes} lanes; {why}")
