"""`profile`: where the time goes, layer by layer, on this machine."""

from __future__ import annotations

import argparse
import csv
import sys
from pathlib import Path

from engine.api import (
    PathAgreement, ProfileResult, check_output, default_path, path_agreement, path_names, path_status,
    profile_model, save_or_keep, write_with,
)
from engine.cli import finite_float, print_json
from engine.cli.progress import StderrProgress


def register(sub) -> None:
    p = sub.add_parser("profile", help="measure whole-model and per-layer latency")
    p.add_argument("model")
    p.add_argument("--width", type=finite_float, default=1.0)
    p.add_argument("--resolution", type=int, default=None, help="input size (default: the model's)")
    p.add_argument("--option", action="append", default=[], metavar="NAME", help="model option; repeatable")
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--repeats", type=int, default=30, help="timed runs (default 30)")
    p.add_argument("--batch", type=int, default=1)
    p.add_argument("--device", default="cpu", help="cpu or cuda")
    p.add_argument("--channels-last", action="store_true")
    p.add_argument("--weights", help="checkpoint path or 'default' (latency does not depend on it)")
    out = p.add_mutually_exclusive_group()
    out.add_argument("--json", action="store_true")
    out.add_argument("--csv", type=Path, metavar="PATH", help="write the per-layer table as CSV")
    p.add_argument("--trace", type=Path, metavar="PATH", help="write a Chrome/Perfetto trace (JSON)")
    p.add_argument("--path", default=None, dest="inference_path",
                   help=f"inference path to time (valid: {', '.join(path_names())}; default: the fastest "
                        "exact one measured on this machine for this model, size and threads; onnxruntime until measured)")
    p.add_argument("--no-save", action="store_true", help="do not store the run in the results database")
    p.add_argument("--no-agreement", action="store_true",
                   help="skip measuring the path's outputs against the reference path on real photos")
    p.set_defaults(run=run_profile)


def write_csv(result: ProfileResult, path: Path) -> None:
    def write(fh) -> None:
        writer = csv.writer(fh)
        writer.writerow(["name", "kind", "block", "ms_median", "madds", "params"])
        for layer in result.layers:
            writer.writerow([layer.name, layer.kind, layer.block, f"{layer.ms_median:.5f}", layer.madds, layer.params])

    write_with(path, write, newline="")


JSON_FIELDS = ("model", "width", "resolution", "threads", "device", "path", "total_ms", "layer_sum_ms",
               "overhead_ms", "layers", "machine")


def profile_document(result: ProfileResult) -> dict:
    """The `profile --json` contract (issue 6) first, then the rest of the configuration."""
    doc = result.to_json()
    doc["total_ms"] = {k: doc["total_ms"][k] for k in ("median", "p10", "p90", "runs", "spread")}
    doc["layers"] = [{k: layer[k] for k in ("name", "kind", "ms_median", "madds", "params", "block")}
                     for layer in doc["layers"]]
    return {**{k: doc[k] for k in JSON_FIELDS}, **{k: v for k, v in doc.items() if k not in JSON_FIELDS}}


def run_profile(args: argparse.Namespace) -> int:
    options = {name: True for name in args.option}
    if args.csv:  # before measuring: a bad path must not cost the whole run
        check_output(args.csv, option="--csv", suffixes=(".csv",), what="a CSV table")
    if args.trace:
        check_output(args.trace, option="--trace", suffixes=(".json",), what="a Chrome/Perfetto trace")
    result = profile_model(
        args.model, width=args.width, resolution=args.resolution, batch=args.batch, threads=args.threads,
        repeats=args.repeats, device=args.device, channels_last=args.channels_last, weights=args.weights,
        trace=args.trace, progress=StderrProgress("runs").counter("profiling"),
        path=args.inference_path or default_path(args.model, args.resolution, args.threads), **options,
    )
    agreement = None
    if result.path != "reference" and not args.no_agreement:  # what the fast path costs in accuracy
        agreement = path_agreement(result.model, result.path, threads=result.threads)
    if args.json:
        doc = profile_document(result)
        doc["agreement"] = agreement.to_json() if agreement else None
        print_json(doc)
    else:
        _print_table(result, args, agreement)
    if not args.no_save:  # after the run is shown: a database that fails cannot lose it
        _stored, problem = save_or_keep(result)
        if problem:
            print(f"warning: {problem}", file=sys.stderr)
    return 0


def _print_table(result: ProfileResult, args: argparse.Namespace, agreement: PathAgreement | None) -> None:
    if args.csv:
        write_csv(result, args.csv)
    total = result.total_ms
    print(f"{'layer':<34} {'kind':<16} {'ms':>8} {'MAdds':>10}")
    for layer in result.layers:
        print(f"{layer.name:<34} {layer.kind:<16} {layer.ms_median:8.3f} {layer.madds / 1e6:9.2f}M")
    if result.layers:
        print(f"{'(no layer: glue, reorders, SE products)':<51} {result.unattributed_ms:8.3f}")
    print(f"\n{result.model} {result.width:g}/{result.resolution} on {result.threads} threads ({result.device}), "
          f"path {result.path}: median {total.median:.2f} ms (p10 {total.p10:.2f}, p90 {total.p90:.2f}, {total.runs} runs)")
    if result.layer_sum_ms is not None:
        print(f"sum of layers {result.layer_sum_ms:.2f} ms ({result.attribution:.0%} of the whole), "
              f"overhead {result.overhead_ms:.2f} ms")
    else:
        why = path_status(result.path).no_layers_why
        print(f"no per-layer times on this path{': ' + why if why else ''}")
    if agreement is not None:
        print(f"against the reference on {agreement.source}: {agreement.summary()}")
