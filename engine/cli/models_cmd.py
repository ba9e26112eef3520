"""`models` and `stats`: what the app can build, and what one configuration costs."""

from __future__ import annotations

import argparse

from engine import api
from engine.cli import finite_float, print_json


def register(sub) -> None:
    p = sub.add_parser("models", help="list the models")
    p.add_argument("--json", action="store_true")
    p.set_defaults(run=run_models)

    p = sub.add_parser("stats", help="per-layer MAdds, parameters and memory of a model")
    p.add_argument("model")
    p.add_argument("--width", type=finite_float, default=1.0, help="width multiplier (default 1.0)")
    p.add_argument("--resolution", type=int, default=224, help="input size in pixels (default 224)")
    p.add_argument("--option", action="append", default=[], metavar="NAME",
                   help="turn on a model option (minimalistic, reduced_tail, dilated); repeatable")
    p.add_argument("--json", action="store_true")
    p.set_defaults(run=run_stats)


def run_models(args: argparse.Namespace) -> int:
    infos = api.list_models()
    if args.json:
        print_json([info.to_json() for info in infos])
        return 0
    width = max(len(i.name) for i in infos)
    for info in infos:
        print(f"{info.name:<{width}}  {info.task:<14} {info.description}")
    return 0


def _human(n: float) -> str:
    for unit, scale in (("G", 1e9), ("M", 1e6), ("K", 1e3)):
        if abs(n) >= scale:
            return f"{n / scale:.2f}{unit}"
    return f"{n:.0f}"


def run_stats(args: argparse.Namespace) -> int:
    options = {name: True for name in args.option}
    stats = api.model_stats(args.model, width=args.width, resolution=args.resolution, **options)
    if args.json:
        print_json(stats.to_json())
        return 0
    print(f"{'layer':<34} {'kind':<16} {'output':<18} {'MAdds':>9} {'params':>9}")
    for row in stats.layers:
        shape = "x".join(map(str, row.output_shape[1:]))
        print(f"{row.name:<34} {row.kind:<16} {shape:<18} {_human(row.madds):>9} {_human(row.params):>9}")
    print(f"\n{stats.model} width {stats.width:g} at {stats.resolution}px: "
          f"{stats.madds / 1e6:.1f}M MAdds, {stats.params / 1e6:.3f}M params")
    print(f"peak activations: {_human(stats.peak_activation_bytes)}B eager fp32; "
          f"Table 3 convention {_human(stats.table3.elements)} values = {_human(stats.table3.bytes)}B at 16 bits")
    for row in stats.published:
        print(f"published ({row.source}, {row.table}): {row.madds_millions}M MAdds, "
              f"{row.params_millions}M params, top-1 {row.top1}")
    return 0
