"""Kernel-lab results turned into what the Kernels page shows: chart views, a one-line summary
and CSV rows. Qt-free apart from the chart's data classes, so the mapping is easy to test."""

from __future__ import annotations

from gui import theme
from gui.widgets.grouped_bar_chart import BarSeries, BarView

__all__ = ["EXPERIMENTS", "views_for", "summary_for", "csv_for"]

EXPERIMENTS = {
    "separable": "Separable vs standard convolution",
    "activations": "Non-linearities",
    "symconv": "Symmetric-operator convolution",
}
PART_COLOURS = {"standard": theme.MADDS_COLOUR, "depthwise": theme.KIND_COLOURS["depthwise"],
                "pointwise": theme.KIND_COLOURS["pointwise"]}
KIND_COLOURS = {"naive": "#ef6c00", "fused": theme.KIND_COLOURS["depthwise"]}
METHOD_COLOURS = {"simple": "#8d99ae", "symmetric2d": "#7c4dff", "circle": "#0f9d8a",
                  "cache": theme.ACCENT, "reference": "#546e7a"}
NAN = float("nan")


def _ms(v: float) -> str:
    return f"{v * 1e3:.3f} ms" if v < 0.1 else f"{v * 1e3:.1f} ms"


def _x(v: float) -> str:
    return f"{v:.2f}×"


def _gf(v: float) -> str:
    return f"{v:.2f} GFLOP/s"


def _none(v: float | None) -> float:
    return NAN if v is None else float(v)


def views_for(kind: str, result) -> dict[str, BarView]:
    return {"separable": _separable_views, "activations": _activation_views, "symconv": _symconv_views}[kind](result)


def _separable_views(r) -> dict[str, BarView]:
    names = [row.layer.name for row in r.rows]
    details = [f"D_K={row.layer.kernel}  M={row.layer.m}  N={row.layer.n}  D_F={row.layer.out_size}"
               f"  stride {row.layer.stride}" for row in r.rows]
    parts = ("standard", "depthwise", "pointwise")
    time = [BarSeries(p, [_none(getattr(row, f"{p}_s")) * 1e3 for row in r.rows], PART_COLOURS[p]) for p in parts]
    gflops = [BarSeries(p, [_none(row.gflops(p)) for row in r.rows], PART_COLOURS[p]) for p in parts]
    ratios = [BarSeries("MAdds ratio standard / separable", [row.madds_ratio for row in r.rows], theme.MADDS_COLOUR),
              BarSeries("time ratio standard / separable", [_none(row.time_ratio) for row in r.rows], "#ef6c00")]
    return {
        "time": BarView("Time", "median time per layer (ms)", names, time, lambda v: f"{v:.3f} ms", details),
        "gflops": BarView("GFLOP/s", "GFLOP/s achieved (2·MAdds / time)", names, gflops, _gf, details),
        "ratios": BarView("MAdds vs time", "standard ÷ (depthwise + pointwise)", names, ratios, _x, details,
                          reference_line=1.0),
    }


def _activation_views(r) -> dict[str, BarView]:
    names = sorted({k.split("/")[0] for t in r.sites for k in t.seconds}, key=list(_ORDER).index)
    totals = [BarSeries(kind, [r.total(n, kind) * 1e3 for n in names], KIND_COLOURS[kind]) for kind in ("naive", "fused")]
    by_res = r.by_resolution()
    res_names = [f"{size}×{size}" for size in by_res]
    shown = [n for n in ("relu", "hard-swish", "swish") if n in names]
    res_series = [BarSeries(f"{n} {kind}", [by_res[s][f"{n}/{kind}"] * 1e3 for s in by_res],
                            _SHADES[(n, kind)]) for n in shown for kind in ("fused", "naive")
                  if not (n == "relu" and kind == "naive")]
    sites = [f"{i:2d}  {'×'.join(str(d) for d in t.site.shape[1:])}" for i, t in enumerate(r.sites)]
    site_details = [f"{t.site.name} ({t.site.used} in the model)" for t in r.sites]
    site_series = [BarSeries(s.name, [t.seconds[s.name.replace(" ", "/")] * 1e3 for t in r.sites], s.colour)
                   for s in res_series]
    return {
        "totals": BarView("Totals", "whole network, summed over sites (ms)", names, totals,
                          lambda v: f"{v:.3f} ms"),
        "resolution": BarView("By resolution", "summed over the sites at each spatial size (ms)", res_names,
                              res_series, lambda v: f"{v:.3f} ms"),
        "sites": BarView("Per site", "each site of the network, input to output (ms)", sites, site_series,
                         lambda v: f"{v:.4f} ms", site_details),
    }


_ORDER = ("relu", "relu6", "sigmoid", "swish", "hard-sigmoid", "hard-swish")
_SHADES = {("relu", "fused"): "#8d99ae", ("hard-swish", "fused"): theme.KIND_COLOURS["depthwise"],
           ("hard-swish", "naive"): "#ef6c00", ("swish", "fused"): "#7c4dff", ("swish", "naive"): "#d81b60"}


def _symconv_views(r) -> dict[str, BarView]:
    names = [run.method for run in r.runs]
    details = [f"{run.mults_per_point:.0f} M + {run.adds_per_point:.0f} A per point · {run.reloads} reloads · "
               f"max rel. error {run.max_rel_error:.1e}" for run in r.runs]
    return {
        "time": BarView("Time", f"median time, {r.ny}×{r.nx} grid, {r.op_size}×{r.op_size} operator (ms)", names,
                        [BarSeries("time", [run.seconds * 1e3 for run in r.runs], theme.ACCENT)],
                        lambda v: f"{v:.2f} ms", details),
        "gflops": BarView("GFLOP/s", "GFLOP/s (own operation count; simple-equivalent = simple's count / time)",
                          names, [BarSeries("own flops", [run.gflops for run in r.runs], theme.ACCENT),
                                  BarSeries("simple-equivalent", [run.simple_equivalent_gflops for run in r.runs],
                                            "#ef6c00")], _gf, details),
        "speedup": BarView("× simple", "speed-up over the simple method", names,
                           [BarSeries("× simple", [_none(run.speedup_vs_simple) for run in r.runs], theme.ACCENT)],
                           _x, details, reference_line=1.0),
    }


def summary_for(kind: str, r) -> str:
    if kind == "separable":
        t = r.totals()
        time = "—" if t["time_ratio"] is None else f"{t['time_ratio']:.2f}×"
        return (f"{len(r.rows)} depthwise-separable layers · MAdds standard ÷ separable {t['madds_ratio']:.2f}× "
                f"· measured time ratio {time} ({r.threads} thread{'s' if r.threads != 1 else ''}, "
                f"median of {r.repeats})")
    if kind == "activations":
        parts = [f"{n} {r.total(n, 'fused') * 1e3:.2f} ms" for n in ("relu", "hard-swish", "swish")]
        hs_naive = r.total("hard-swish", "naive") * 1e3
        first = next(iter(r.by_resolution().items()), None)
        share = ""
        if first is not None:
            size, bucket = first
            total = r.total("hard-swish", "fused")
            share = f" · {100 * bucket['hard-swish/fused'] / total:.0f} % of fused h-swish time at {size}×{size}" \
                if total else ""
        return f"{len(r.sites)} sites · fused: {', '.join(parts)} · naive h-swish {hs_naive:.2f} ms{share}"
    runs = {run.method: run for run in r.runs}
    bits = [f"{m} {run.speedup_vs_simple:.2f}×" for m, run in runs.items()
            if run.speedup_vs_simple is not None and m != "simple"]
    ok = sum(run.correct for run in r.runs)
    return (f"{r.ny}×{r.nx} grid · {r.op_size}×{r.op_size} operator · {r.velocity} velocity "
            f"({r.n_operators} operators) · {ok}/{len(r.runs)} methods within {r.tolerance:g}"
            + (f" · vs simple: {', '.join(bits)}" if bits else ""))


def csv_for(kind: str, r) -> tuple[list[str], list[list[object]]]:
    if kind == "separable":
        header = ["layer", "D_K", "M", "N", "D_F", "stride", "standard_madds", "depthwise_madds", "pointwise_madds",
                  "madds_ratio", "standard_s", "depthwise_s", "pointwise_s", "time_ratio",
                  "standard_gflops", "depthwise_gflops", "pointwise_gflops"]
        rows = [[w.layer.name, w.layer.kernel, w.layer.m, w.layer.n, w.layer.out_size, w.layer.stride,
                 w.standard_madds, w.depthwise_madds, w.pointwise_madds, w.madds_ratio, w.standard_s,
                 w.depthwise_s, w.pointwise_s, w.time_ratio, *(w.gflops(p) for p in PART_COLOURS)] for w in r.rows]
        return header, rows
    if kind == "activations":
        keys = list(r.sites[0].seconds) if r.sites else []
        header = ["site", "shape", "used", "block"] + [f"{k}_s" for k in keys]
        rows = [[t.site.name, "x".join(map(str, t.site.shape)), t.site.used, t.site.block,
                 *(t.seconds[k] for k in keys)] for t in r.sites]
        return header, rows
    header = ["method", "seconds", "speedup_vs_simple", "gflops", "simple_equivalent_gflops", "mults_per_point",
              "adds_per_point", "reloads", "max_rel_error", "tolerance", "correct"]
    rows = [[run.method, run.seconds, run.speedup_vs_simple, run.gflops, run.simple_equivalent_gflops,
             run.mults_per_point, run.adds_per_point, run.reloads, run.max_rel_error, run.tolerance, run.correct]
            for run in r.runs]
    return header, rows
