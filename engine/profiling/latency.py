"""Whole-model and per-layer latency.

Whole model: warm-up, then N timed runs without hooks (median, p10, p90). Per layer: scoped
forward pre/post hooks on every leaf layer time each call (CUDA events on a GPU); they are
always removed, even on error or cancel. The sum of the per-layer medians is reported next to
the whole-model median, and the difference as overhead: Python glue between layers, ops that are
not leaf modules (the SE multiply, flatten), and the hooks themselves.
"""

from __future__ import annotations

import os
import statistics
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import torch
from torch import nn

from engine.analysis.layers import analyze_layers
from engine.errors import Cancelled, InvalidInput, check_range
from engine.files import atomic_path
from engine.models import catalog
from engine.profiling.inference_paths import PreparedModule, prepare
from engine.profiling.machine import fingerprint
from engine.runtime import check_path
from engine.threads import torch_threads

Progress = Callable[[int, int], None]
ShouldStop = Callable[[], bool]
ROUNDS = 3  # whole-model and per-layer passes alternate this many times (see profile_model)


@dataclass(frozen=True)
class Timing:
    median: float
    p10: float
    p90: float
    runs: int

    @property
    def spread(self) -> float:
        """(p90 - p10) / median: how noisy the measurement was."""
        return (self.p90 - self.p10) / self.median if self.median else 0.0

    def to_json(self) -> dict:
        return {"median": self.median, "p10": self.p10, "p90": self.p90, "runs": self.runs,
                "spread": self.spread}


@dataclass(frozen=True)
class LayerTiming:
    name: str
    kind: str
    block: str
    ms_median: float
    madds: int
    params: int

    def to_json(self) -> dict:
        return dict(self.__dict__)


@dataclass(frozen=True)
class ProfileResult:
    model: str
    width: float
    resolution: int
    options: dict
    batch: int
    threads: int
    device: str
    memory_format: str
    path: str
    weights: str
    total_ms: Timing
    layers: tuple[LayerTiming, ...]  # empty when per_layer was False
    machine: dict
    madds: int = 0  # of the whole configuration (counted even when layers were not timed)
    params: int = 0
    per_layer: bool = True
    load: tuple[float, float] | None = None  # 1-minute load average before and after the timed runs

    @property
    def busy(self) -> bool:
        """Measured while the machine was busy: the load average exceeded the core count
        (ours included) before or after, so the times may say more about the neighbours."""
        return self.load is not None and max(self.load) > (os.cpu_count() or 1)

    @property
    def layer_sum_ms(self) -> float | None:
        return sum(layer.ms_median for layer in self.layers) if self.per_layer else None

    @property
    def overhead_ms(self) -> float | None:
        return self.total_ms.median - self.layer_sum_ms if self.per_layer else None

    @property
    def unattributed_ms(self) -> float | None:
        """The part of the whole-model median no layer accounts for (shown as its own row)."""
        return self.overhead_ms

    @property
    def attribution(self) -> float | None:
        """layer sum / whole-model median: near 1 on a quiet machine, lower under load."""
        return self.layer_sum_ms / self.total_ms.median if self.per_layer and self.total_ms.median else None

    def to_json(self) -> dict:
        return {
            "model": self.model, "width": self.width, "resolution": self.resolution,
            "options": self.options, "batch": self.batch, "threads": self.threads,
            "device": self.device, "memory_format": self.memory_format, "path": self.path,
            "weights": self.weights, "total_ms": self.total_ms.to_json(),
            "layer_sum_ms": self.layer_sum_ms, "overhead_ms": self.overhead_ms,
            "unattributed_ms": self.unattributed_ms, "attribution": self.attribution,
            "load_before": self.load[0] if self.load else None, "load_after": self.load[1] if self.load else None,
            "busy": self.busy,
            "madds": self.madds, "params": self.params,
            "layers": [layer.to_json() for layer in self.layers], "machine": self.machine,
        }


def summarize(samples_ms: list[float]) -> Timing:
    ordered = sorted(samples_ms)
    deciles = statistics.quantiles(ordered, n=10, method="inclusive") if len(ordered) > 1 else ordered * 9
    return Timing(median=statistics.median(ordered), p10=deciles[0], p90=deciles[-1], runs=len(ordered))


class _Clock:
    """Wall clock on CPU; CUDA events (resolved after one synchronise) on a GPU."""

    def __init__(self, device: torch.device):
        self.cuda = device.type == "cuda"

    def mark(self):
        if self.cuda:
            event = torch.cuda.Event(enable_timing=True)
            event.record()
            return event
        return time.perf_counter()

    def elapsed_ms(self, start, end) -> float:
        return start.elapsed_time(end) if self.cuda else (end - start) * 1000.0

    def sync(self) -> None:
        if self.cuda:
            torch.cuda.synchronize()


def _leaves(model: nn.Module) -> list[tuple[str, nn.Module]]:
    """Leaf layers by the names the layer table uses: a runtime path's network stands in for
    the model it was made from (its wrapper adds no name)."""
    if isinstance(model, PreparedModule):
        model = model.network if model.network is not None else nn.Module()
    return [(n, m) for n, m in model.named_modules() if n and next(m.children(), None) is None]


@contextmanager
def layer_hooks(model: nn.Module, clock: _Clock, marks: dict[str, list]) -> Iterator[None]:
    """Record (start, end) marks per leaf layer for the duration of the block; hooks always go."""
    handles = []
    for name, module in _leaves(model):
        def pre(_mod, _inp, name=name):
            marks[name].append([clock.mark(), None])

        def post(_mod, _inp, _out, name=name):
            marks[name][-1][1] = clock.mark()

        handles.append(module.register_forward_pre_hook(pre))
        handles.append(module.register_forward_hook(post))
    try:
        yield
    finally:
        for handle in handles:
            handle.remove()


def _check(batch: int, threads: int, repeats: int, device: str) -> torch.device:
    check_range("batch", batch, 1, 256)
    check_range("threads", threads, 1, 256)
    check_range("repeats", repeats, 3, 100000)
    try:
        dev = torch.device(device)
    except RuntimeError:
        dev = None
    if dev is None or dev.type not in ("cpu", "cuda"):
        raise InvalidInput(f"device {device!r} is not supported; valid: cpu, cuda")
    if dev.type == "cuda" and not torch.cuda.is_available():
        raise InvalidInput("device cuda is not available on this machine; valid: cpu")
    return dev


def profile_model(
    name: str, *, width: float = 1.0, resolution: int | None = None, batch: int = 1, threads: int = 2,
    repeats: int = 30, warmup: int = 5, device: str = "cpu", channels_last: bool = False,
    weights: str | None = None, trace: Path | None = None, progress: Progress | None = None,
    should_stop: ShouldStop | None = None, path: str = "reference", per_layer: bool = True, **options,
) -> ProfileResult:
    """Measure one configuration. Random weights unless `weights` is given: latency does not
    depend on the values (the result says which weights ran). `path` names the inference path
    (engine.profiling.inference_paths); per_layer=False times the whole model only (sweeps)."""
    info = catalog.model_info(name)
    catalog.check_config(info, width, options)
    resolution = resolution or info.input.size
    catalog.check_resolution(resolution)
    dev = _check(batch, threads, repeats, device)
    check_range("warmup", warmup, 0, 100000)
    check_path(path, name)  # an unknown or unavailable path fails before the model is built
    model = catalog.build_model(name, width=width, weights=weights, **options)
    example = torch.rand(batch, 3, resolution, resolution)
    rows = {r.name: r for r in analyze_layers(model, example[:1])}
    params = sum(p.numel() for p in model.parameters() if p.requires_grad)  # before a path folds layers
    fmt = torch.channels_last if channels_last else torch.contiguous_format
    model = model.to(dev, memory_format=fmt)
    example = example.to(dev, memory_format=fmt)
    model = prepare(path, model, example, name, threads, keep_export=weights is not None)  # random: not kept
    runtime = model.prepared.run if isinstance(model, PreparedModule) else None
    profiles_nodes = hasattr(runtime, "node_times")
    # torch paths: hooks on leaf layers; a runtime session (onnxruntime, OpenVINO) has none, so
    # its own per-node profiler stands in (nodes mapped back to layer names by engine.runtime)
    per_layer = per_layer and (bool(_leaves(model)) or profiles_nodes)
    clock = _Clock(dev)
    total_steps = warmup + (2 if per_layer else 1) * repeats
    step = 0

    def tick():
        nonlocal step
        step += 1
        if should_stop is not None and should_stop():
            raise Cancelled("profiling cancelled")
        if progress is not None:
            progress(step, total_steps)

    samples: list[float] = []
    load_before = os.getloadavg()[0]
    marks: dict[str, list] = defaultdict(list)
    with torch_threads(threads), torch.inference_mode():
        for _ in range(warmup):
            model(example)
            tick()
        clock.sync()
        # the whole-model runs and the per-layer runs alternate in rounds, so both see the same
        # machine: timed one after the other, a few seconds of drift (or a neighbour's burst)
        # lands in one pass only and the layer sum misses the whole by 20-30 %
        rounds = ROUNDS if per_layer else 1
        node_rounds: list[dict[str, float]] = []
        for r in range(rounds):
            share = repeats // rounds + (1 if r < repeats % rounds else 0)
            for _ in range(share):
                start = clock.mark()
                model(example)
                end = clock.mark()
                clock.sync()
                samples.append(clock.elapsed_ms(start, end))
                tick()
            if per_layer and profiles_nodes:
                node_rounds.append(_node_layer_ms(model, example, share))
                for _ in range(share):
                    tick()
            elif per_layer:
                with layer_hooks(model, clock, marks):
                    for _ in range(share):
                        model(example)
                        clock.sync()
                        tick()
        if per_layer and profiles_nodes:  # each layer: the median of its rounds' medians
            node_ms = {layer: statistics.median(r[layer] for r in node_rounds if layer in r)
                       for layer in dict.fromkeys(k for r in node_rounds for k in r)}
        if trace is not None:
            export_trace(model, example, trace)

    layers = []
    if per_layer and profiles_nodes:
        for layer_name, ms in _to_rows(node_ms, list(rows)).items():
            row = rows[layer_name]
            layers.append(LayerTiming(name=layer_name, kind=row.kind, block=row.block, ms_median=ms,
                                      madds=row.madds, params=row.params))
    for layer_name, calls in marks.items():
        row = rows.get(layer_name)
        if row is None:  # a no-op leaf the analysis skips (dropout, identity)
            continue
        per_run = [clock.elapsed_ms(s, e) for s, e in calls]
        layers.append(LayerTiming(name=layer_name, kind=row.kind, block=row.block,
                                  ms_median=statistics.median(per_run), madds=row.madds, params=row.params))
    order = list(rows)
    layers.sort(key=lambda layer: order.index(layer.name))
    return ProfileResult(
        model=name, width=float(width), resolution=resolution, options=dict(options), batch=batch,
        threads=threads, device=str(dev), memory_format="channels_last" if channels_last else "contiguous",
        path=path, weights=str(weights) if weights else "random (latency only)",
        total_ms=summarize(samples), layers=tuple(layers), load=(load_before, os.getloadavg()[0]),
        machine=fingerprint(threads=threads, device=str(dev), backend="torch eager" if path == "reference" else path),
        madds=sum(r.madds for r in rows.values()),
        params=params, per_layer=per_layer,
    )


def _to_rows(node_ms: dict[str, float], rows: list[str]) -> dict[str, float]:
    """Runtime nodes' ms per module -> per row of the layer table. A node of a container module
    (a squeeze-excite block's multiply, a residual add: work in the block's own forward, between
    its leaf layers) counts to the container's last leaf, the layer it follows. Nodes of no
    module (layout conversions) count to no row: they are the unattributed part."""
    out: dict[str, float] = {}
    known = set(rows)
    for name, ms in node_ms.items():
        if name not in known:
            inside = [r for r in rows if r.startswith(name + ".")] if name else []
            if not inside:
                continue
            name = inside[-1]
        out[name] = out.get(name, 0.0) + ms
    return out


def _node_layer_ms(model: PreparedModule, example: torch.Tensor, runs: int) -> dict[str, float]:
    """Median ms per torch layer from the runtime's own per-node profile (same file, threads)."""
    prepared = model.prepared
    network_input = example
    if prepared.detector is not None:  # the session takes the detector's transformed batch
        image_list, _ = prepared.detector.transform(list(example))
        network_input = image_list.tensors
    totals: dict[str, float] = defaultdict(float)
    # at least 10 runs: with 2-3 a single pre-empted node (under load) can outweigh the whole model
    for node in prepared.run.node_times(network_input.contiguous().numpy(), max(runs, 10), prepared.network):
        if node.layer:
            totals[node.layer] += node.us_median / 1000
    return dict(totals)


def export_trace(model: nn.Module, example: torch.Tensor, path: Path) -> None:
    """A Chrome/Perfetto trace of one forward pass; each leaf layer appears as a range named by
    its layer name, so the trace maps back to the layer table."""
    from torch.profiler import ProfilerActivity, profile, record_function

    activities = [ProfilerActivity.CPU] + ([ProfilerActivity.CUDA] if example.is_cuda else [])
    ranges: dict[str, list] = {}
    handles = []
    for name, module in _leaves(model):
        def pre(_m, _i, name=name):
            ranges[name] = record_function(name)
            ranges[name].__enter__()

        def post(_m, _i, _o, name=name):
            ranges.pop(name).__exit__(None, None, None)

        handles += [module.register_forward_pre_hook(pre), module.register_forward_hook(post)]
    try:
        with profile(activities=activities) as prof:
            model(example)
    finally:
        for handle in handles:
            handle.remove()
    with atomic_path(path) as tmp:
        prof.export_chrome_trace(str(tmp))
