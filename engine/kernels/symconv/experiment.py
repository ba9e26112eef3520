"""The symmetric-convolution lab: build a velocity model and its operators, run the chosen
methods, time them, check them against the reference, and count operations (spec §7)."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from engine.errors import InvalidInput, UnknownName, check_range
from engine.kernels.symconv import ALL_METHODS, METHODS, convolve_counted
from engine.kernels.symconv.counts import flop_counts
from engine.kernels.symconv.design import check_operator_length
from engine.kernels.symconv.reference import expand_quarter
from engine.kernels.symconv.velocity import operators_for, velocity_model
from engine.kernels.timing import Progress, ShouldStop, check_repeats, check_stop, interleaved_medians, report


# A 4096×4096 complex64 grid is 128 MB; with the velocity, index, output and reference copies
# a run stays around 1 GB. Below 8 points there is no operator to apply.
GRID_RANGE = (8, 4096)
RTOL = 1e-5  # max |method - reference| / max |reference|: float32 loops vs the float64 reference


@dataclass(frozen=True)
class MethodRun:
    method: str
    seconds: float  # median
    reloads: int
    mults_per_point: float
    adds_per_point: float
    gflops: float  # the method's own operations per second
    simple_equivalent_gflops: float  # simple's operation count / this method's time
    speedup_vs_simple: float | None
    max_rel_error: float  # max |out - reference| / max |reference|
    tolerance: float = RTOL

    @property
    def correct(self) -> bool:
        return self.max_rel_error <= self.tolerance

    def to_json(self) -> dict:
        return dict(self.__dict__) | {"correct": self.correct}


@dataclass(frozen=True)
class SymconvFields:
    """The arrays behind one run, for pictures: the velocity model (m/s), the full operator
    (2hy-1 x 2hx-1, as applied: conjugated) at the grid's centre point and its velocity, the
    input wavefield and the reference output."""

    velocity: np.ndarray  # float32 ny x nx
    operator: np.ndarray  # complex64 oply x oplx
    operator_velocity: float
    data: np.ndarray  # complex64 ny x nx
    output: np.ndarray  # complex64 ny x nx (the float64 reference, rounded)


@dataclass(frozen=True)
class SymconvResult:
    ny: int
    nx: int
    op_size: int
    velocity: str
    n_operators: int
    frequency_hz: float
    design: str
    repeats: int
    runs: tuple[MethodRun, ...]
    tolerance: float = RTOL
    fields: SymconvFields | None = field(default=None, repr=False, compare=False)

    def to_json(self) -> dict:
        return {k: v for k, v in self.__dict__.items() if k not in ("runs", "fields")} | {
            "conventions": "median wall time of `repeats` calls after one warm-up, one thread "
            "(numba loops are serial); flops counted per interior output point as spec.md §7, "
            "reloads and edge clipping not counted; max_rel_error against the float64 reference",
            "runs": [r.to_json() for r in self.runs],
        }


def make_problem(ny: int, nx: int, op_size: int, velocity: str, *, frequency: float = 30.0,
                 design: str = "window", seed: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(data, quarters, op_index): a random complex wavefield, operators from a velocity model."""
    return _problem(ny, nx, op_size, velocity, frequency=frequency, design=design, seed=seed)[:3]


def _problem(ny: int, nx: int, op_size: int, velocity: str, *, frequency: float, design: str,
             seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    check_operator_length(op_size)
    for name, n in (("grid NY", ny), ("grid NX", nx)):
        check_range(name, n, *GRID_RANGE)
    if op_size > min(ny, nx):
        raise InvalidInput(f"operator {op_size} is larger than the {ny}x{nx} grid; valid: up to {min(ny, nx)}")
    rng = np.random.default_rng(seed)
    data = (rng.standard_normal((ny, nx)) + 1j * rng.standard_normal((ny, nx))).astype(np.complex64)
    speed = velocity_model(velocity, ny, nx, seed=seed)
    quarters, op_index = operators_for(speed, frequency, op_size, design=design)
    return data, quarters, op_index, speed


def run_symconv(ny: int = 512, nx: int = 512, op_size: int = 19, velocity: str = "constant",
                methods: tuple[str, ...] = METHODS, *, repeats: int = 5, frequency: float = 30.0,
                design: str = "window", progress: Progress | None = None,
                should_stop: ShouldStop | None = None) -> SymconvResult:
    """Time each method (median of `repeats` after one checked warm-up call). Progress and the
    stop check run before every call, so a cancel waits at most one convolution."""
    check_repeats(repeats)
    for m in methods:
        if m not in ALL_METHODS:
            raise UnknownName("convolution method", m, ALL_METHODS)
    data, quarters, op_index, speed = _problem(ny, nx, op_size, velocity, frequency=frequency,
                                               design=design, seed=0)
    reference = convolve_counted(data, quarters, op_index, "reference")[0]
    scale = float(np.abs(reference).max()) or 1.0
    counts = flop_counts(op_size, op_size, ny)
    simple_flops = counts["simple"].flops
    runs: list[MethodRun] = []
    total = len(methods) * (repeats + 1)
    calls = 0

    def tick() -> None:
        nonlocal calls
        check_stop(should_stop)
        report(progress, calls, total)
        calls += 1

    first: dict[str, tuple[np.ndarray, int]] = {}
    for method in methods:  # untimed: compiles, and gives the output and reload count checked below
        tick()
        first[method] = convolve_counted(data, quarters, op_index, method)
    medians = interleaved_medians(
        {method: (lambda m=method: convolve_counted(data, quarters, op_index, m)) for method in methods},
        repeats, warmup=0, between=tick)
    simple_time = medians.get("simple")
    for method in methods:
        out, reloads = first[method]
        seconds = medians[method]
        count = counts.get(method, counts["simple"])
        runs.append(MethodRun(
            method=method, seconds=seconds, reloads=reloads,
            mults_per_point=count.mults, adds_per_point=count.adds,
            gflops=ny * nx * count.flops / seconds / 1e9,
            simple_equivalent_gflops=ny * nx * simple_flops / seconds / 1e9,
            speedup_vs_simple=None if simple_time is None else simple_time / seconds,
            max_rel_error=float(np.abs(out - reference).max()) / scale,
        ))
    report(progress, total, total)
    centre = op_index[ny // 2, nx // 2]
    fields = SymconvFields(velocity=speed, operator=np.conj(expand_quarter(quarters[centre])),
                           operator_velocity=float(speed[ny // 2, nx // 2]), data=data, output=reference)
    return SymconvResult(ny=ny, nx=nx, op_size=op_size, velocity=velocity, n_operators=len(quarters),
                         frequency_hz=frequency, design=design, repeats=repeats, runs=tuple(runs),
                         fields=fields)
