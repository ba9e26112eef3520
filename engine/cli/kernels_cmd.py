"""`kernels separable|activations|symconv`: the kernels lab from the command line."""

from __future__ import annotations

import argparse

from engine import api
from engine.api import InvalidInput
from engine.cli import finite_float, print_json


def _common(p: argparse.ArgumentParser, model: str) -> None:
    p.add_argument("--model", default=model, help=f"model whose layers are used (default {model})")
    p.add_argument("--width", type=finite_float, default=1.0)
    p.add_argument("--resolution", type=int, default=224)
    p.add_argument("--threads", type=int, default=1, help="torch threads (restored afterwards; default 1)")
    p.add_argument("--repeats", type=int, default=5, help="timed runs per measurement, median reported")
    p.add_argument("--json", action="store_true")


def register(sub) -> None:
    p = sub.add_parser("kernels", help="convolution kernels lab: separable, activations, symconv")
    ksub = p.add_subparsers(dest="lab", metavar="LAB", parser_class=type(p))
    s = ksub.add_parser("separable", help="standard vs depthwise-separable convolution per layer")
    _common(s, "mobilenet_v1")
    s.add_argument("--layer", nargs=4, type=int, metavar=("D_K", "M", "N", "D_F"),
                   help="one custom layer instead of the model's layers")
    s.set_defaults(run=run_separable)
    a = ksub.add_parser("activations", help="naive vs fused non-linearities on the model's shapes")
    _common(a, "mobilenet_v3_large")
    a.set_defaults(run=run_activations)
    c = ksub.add_parser("symconv", help="the four symmetric-operator convolution methods")
    _common(c, "")
    c.add_argument("--grid", nargs=2, type=int, default=[512, 512], metavar=("NY", "NX"))
    c.add_argument("--op-size", type=int, default=19, help="odd operator length (default 19)")
    c.add_argument("--velocity", default="constant", help="constant|layered|gradient|random")
    c.add_argument("--method", action="append", help="simple|symmetric2d|circle|cache|reference; repeatable")
    c.add_argument("--design", default="window", help="operator design: window|wlsq")
    c.add_argument("--frequency", type=finite_float, default=30.0, help="Hz (default 30)")
    c.set_defaults(run=run_symconv)
    p.set_defaults(run=_missing_lab)


def _missing_lab(args: argparse.Namespace) -> int:
    raise InvalidInput("kernels needs a lab; valid: separable, activations, symconv")


def _ms(seconds: float | None) -> str:
    return "-" if seconds is None else f"{seconds * 1e3:8.3f}"


def run_separable(args: argparse.Namespace) -> int:
    if args.layer:
        k, m, n, d = args.layer
        layers = [api.SeparableLayer("custom", k, m, n, d, d, 1)]
        api.separable_costs(k, m, n, d)
        result = api.run_separable(layers, threads=args.threads, repeats=args.repeats)
    else:
        layers = api.separable_layers(args.model, width=args.width, resolution=args.resolution)
        result = api.run_separable(layers, model=args.model, width=args.width, resolution=args.resolution,
                                   threads=args.threads, repeats=args.repeats)
    if args.json:
        print_json(result.to_json())
        return 0
    print(f"{'layer':<24} {'K':>2} {'M':>5} {'N':>5} {'D_F':>4} {'MAdds std':>10} {'dw+pw':>9} "
          f"{'ratio':>6} {'std ms':>8} {'dw ms':>8} {'pw ms':>8} {'t-ratio':>7} {'GF/s std/dw/pw':>16}")
    for r in result.rows:
        L = r.layer
        gf = "/".join(f"{r.gflops(w):.1f}" for w in ("standard", "depthwise", "pointwise"))
        print(f"{L.name:<24} {L.kernel:>2} {L.m:>5} {L.n:>5} {L.out_size:>4} {r.standard_madds / 1e6:>9.1f}M "
              f"{(r.depthwise_madds + r.pointwise_madds) / 1e6:>8.1f}M {r.madds_ratio:>6.2f} "
              f"{_ms(r.standard_s)} {_ms(r.depthwise_s)} {_ms(r.pointwise_s)} {r.time_ratio:>7.2f} {gf:>16}")
    t = result.totals()
    print(f"\nall layers: MAdds ratio {t['madds_ratio']:.2f}x, time ratio {t['time_ratio']:.2f}x "
          f"({result.threads} thread(s), median of {result.repeats}); ratio = 1/(1/N + 1/D_K^2)")
    return 0


def run_activations(args: argparse.Namespace) -> int:
    result = api.run_activations(args.model, width=args.width, resolution=args.resolution,
                                 threads=args.threads, repeats=args.repeats)
    if args.json:
        print_json(result.to_json())
        return 0
    print(f"{result.model} at {result.resolution}px, {len(result.sites)} activation sites, "
          f"{result.threads} thread(s); total ms over all sites")
    relu = result.total("relu", "fused")
    print(f"{'non-linearity':<14} {'naive ms':>9} {'fused ms':>9} {'fused/ReLU':>10} {'max|diff|':>10}")
    for n in api.ACTIVATION_NAMES:
        print(f"{n:<14} {result.total(n, 'naive') * 1e3:9.3f} {result.total(n, 'fused') * 1e3:9.3f} "
              f"{result.total(n, 'fused') / relu:10.2f} {result.max_abs_diff[n]:10.2e}")
    print("\nwhere the cost falls (ms per spatial size):")
    print(f"{'size':>5} {'relu':>8} {'h-swish':>8} {'h-swish naive':>14} {'swish':>8}")
    for size, sec in result.by_resolution().items():
        print(f"{size:>5} {sec['relu/fused'] * 1e3:8.3f} {sec['hard-swish/fused'] * 1e3:8.3f} "
              f"{sec['hard-swish/naive'] * 1e3:14.3f} {sec['swish/fused'] * 1e3:8.3f}")
    print("\npolicies (MobileNetV3 Table 5 style; ReLU fused):")
    for label, first in (("ReLU everywhere", 0), ("h-swish@16", 16), ("h-swish@112", 112), ("as built", None)):
        fused = result.policy(first, "fused") if first != 0 else relu
        naive = result.policy(first, "naive") if first != 0 else relu
        print(f"  {label:<16} optimised {fused * 1e3:7.3f} ms  naive h-swish {naive * 1e3:7.3f} ms")
    return 0


def run_symconv(args: argparse.Namespace) -> int:
    methods = tuple(args.method) if args.method else api.SYMCONV_METHODS
    ny, nx = args.grid
    result = api.run_symconv(ny, nx, args.op_size, args.velocity, methods, repeats=args.repeats,
                 frequency=args.frequency, design=args.design)
    if args.json:
        print_json(result.to_json())
        return 0
    print(f"grid {ny}x{nx}, operator {args.op_size}x{args.op_size}, velocity {args.velocity} "
          f"({result.n_operators} operators, {args.design} design), median of {args.repeats}, one thread")
    print(f"{'method':<12} {'ms':>9} {'x simple':>8} {'M/pt':>6} {'A/pt':>7} {'GF/s':>6} {'GF/s eq':>7} "
          f"{'reloads':>8} {'rel err':>9}")
    for r in result.runs:
        speed = "-" if r.speedup_vs_simple is None else f"{r.speedup_vs_simple:.2f}"
        print(f"{r.method:<12} {r.seconds * 1e3:9.2f} {speed:>8} {r.mults_per_point:6.0f} {r.adds_per_point:7.0f} "
              f"{r.gflops:6.2f} {r.simple_equivalent_gflops:7.2f} {r.reloads:8d} {r.max_rel_error:9.1e}")
    return 0
