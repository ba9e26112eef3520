"""`sweep`, `recommend` and `results list|export|import|delete`: the results database from the shell."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from engine.api import SWEEP_BACKBONES as BACKBONES
from engine.api import (
    PATHS, SWEEP_REPEATS, SWEEP_WARMUP, InvalidInput, ResultsDB, export_csv, export_json, import_json, recommend, run_sweep,
    sweep_grid,
)
from engine.cli import finite_float, print_json
from engine.cli.progress import StderrProgress


def register(sub) -> None:
    p = sub.add_parser("sweep", help="measure backbone × width × resolution latency on this machine (resumable)")
    p.add_argument("--models", nargs="+", metavar="MODEL", help=f"default: {' '.join(BACKBONES)}")
    p.add_argument("--widths", nargs="+", type=finite_float, metavar="W", help="default: the papers' widths per family")
    p.add_argument("--resolutions", nargs="+", type=int, metavar="R", help="default: the papers' resolutions")
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--repeats", type=int, default=SWEEP_REPEATS, help=f"timed runs each (default {SWEEP_REPEATS})")
    p.add_argument("--warmup", type=int, default=SWEEP_WARMUP)
    p.add_argument("--per-layer", action="store_true", help="also time every layer (slower)")
    p.add_argument("--path", default=None, dest="inference_path",
                   help=f"inference path (valid: {', '.join(PATHS)}; default: the fastest exact one measured on this "
                        "machine, measured first if it never was; 'reference' is the papers' model in eager PyTorch)")
    p.add_argument("--remeasure-busy", action="store_true",
                   help="time again the configurations of this grid whose stored run was measured on a busy "
                        "machine (load average above the core count); the newer runs replace them")
    p.add_argument("--json", action="store_true")
    p.set_defaults(run=run_sweep_cmd)

    p = sub.add_parser("recommend", help="best measured configuration for a latency budget")
    p.add_argument("--target-ms", type=finite_float, required=True, metavar="T")
    p.add_argument("--w", type=finite_float, default=-0.07,
                   help="reward exponent: -0.07 (MnasNet) or -0.15 (V3, small models)")
    p.add_argument("--threads", type=int, default=2, help="which sweep's latencies to use (default 2)")
    p.add_argument("--path", default=None, dest="inference_path",
                   help="which path's sweep to use (default: the fastest exact path measured on this machine)")
    p.add_argument("--json", action="store_true")
    p.set_defaults(run=run_recommend)

    p = sub.add_parser("results", help="list, export or import stored measurements")
    action = p.add_subparsers(dest="action", metavar="ACTION", required=True)
    q = action.add_parser("list", help="stored runs")
    q.add_argument("--json", action="store_true")
    q = action.add_parser("export", help="write all results to PATH (.json keeps layers; .csv one row per run)")
    q.add_argument("path", type=Path)
    q.add_argument("--json", action="store_true")
    q = action.add_parser("import", help="add a JSON export from another machine")
    q.add_argument("path", type=Path)
    q.add_argument("--json", action="store_true")
    q = action.add_parser("delete", help="remove a stored run, or a machine with all its runs")
    which = q.add_mutually_exclusive_group(required=True)
    which.add_argument("--run", metavar="UUID", dest="run_uuid", help="the run's uuid ('results list --json' shows them)")
    which.add_argument("--machine", metavar="ID", help="a machine id: its runs and accuracies go too")
    q.add_argument("--json", action="store_true")
    p.set_defaults(run=run_results)


def run_sweep_cmd(args: argparse.Namespace) -> int:
    grid = sweep_grid(args.models, args.widths, args.resolutions)
    bar = StderrProgress("configurations")

    def on_row(record) -> None:
        bar.note(f"{record.model} {record.width:g}/{record.resolution}: {record.total_ms.median:.1f} ms")

    try:
        summary = run_sweep(grid, threads=args.threads, repeats=args.repeats, warmup=args.warmup,
                            per_layer=args.per_layer, path=args.inference_path, progress=bar.counter("sweep"), on_row=on_row,
                            remeasure_busy=args.remeasure_busy)
    except KeyboardInterrupt:  # every finished configuration is already committed
        print("\ninterrupted: finished configurations are saved; run the same sweep again to resume",
              file=sys.stderr)
        return 130
    if args.json:
        print_json(summary.to_json())
    elif args.remeasure_busy and not summary.total:
        print(f"no stored run of this grid on path {summary.path} with {summary.threads} threads was measured on a "
              "busy machine; nothing to re-measure")
    else:
        print(f"{summary.total} configurations: {summary.measured} measured, {summary.skipped} already in the "
              f"database, {summary.seconds:.0f} s on {summary.threads} threads, path {summary.path}")
        if summary.busy:
            print(f"measured on a busy machine (load average above the core count): {', '.join(summary.busy)}; "
                  "run the same sweep with --remeasure-busy on a quieter machine to time them again")
    return 0


def run_recommend(args: argparse.Namespace) -> int:
    rec = recommend(args.target_ms, args.w, threads=args.threads, path=args.inference_path)
    if args.json:
        print_json(rec.to_json())
        return 0
    describe = lambda p: f"{p.label()}: {p.accuracy:.1f}% top-1 at {p.latency_ms:.2f} ms"  # noqa: E731
    if rec.recommended:
        print(f"recommended for {rec.target_ms:g} ms (w={rec.w:g}): {describe(rec.recommended)}")
        print(f"most accurate within budget: {describe(rec.most_accurate_within)}")
    print(f"{rec.explanation} Latencies measured on path {rec.path}.")
    print("\nrank  reward  configuration")
    for i, r in enumerate(rec.ranked[:10], 1):
        print(f"{i:>4}  {r.reward:6.2f}  {describe(r.point)}  [{r.point.accuracy_source}]")
    return 0


def run_results(args: argparse.Namespace) -> int:
    with ResultsDB() as db:
        if args.action == "list":
            runs = db.runs()
            if args.json:
                print_json({"database": str(db.path), "machines": [m.to_json() for m in db.machines()],
                            "runs": [r.to_json() for r in runs], "accuracies": [a.to_json() for a in db.accuracies()]})
                return 0
            print(f"{db.path}: {len(runs)} runs, {len(db.machines())} machines")
            for r in runs:
                print(f"{r.timestamp}  {r.model:<20} {r.width:>5g}/{r.resolution:<4} {r.threads}t {r.path:<10} "
                      f"{r.total_ms.median:8.2f} ms  {r.machine_label}  {r.uuid}")
            return 0
        if args.action == "export":
            suffix = args.path.suffix.lower()
            if suffix not in (".json", ".csv"):
                raise InvalidInput(f"export path {args.path} must end in .json or .csv")
            count = (export_json if suffix == ".json" else export_csv)(db, args.path)
            if args.json:
                print_json({"path": str(args.path), "runs": count})
            else:
                print(f"wrote {count} runs to {args.path}")
            return 0
        if args.action == "delete":
            runs, accuracies = db.delete(run=args.run_uuid, machine=args.machine)
            if args.json:
                print_json({"runs_deleted": runs, "accuracies_deleted": accuracies})
            else:
                print(f"deleted {runs} run(s) and {accuracies} accuracy(ies)")
            return 0
        summary = import_json(db, args.path)
        if args.json:
            print_json(summary.to_json())
        else:
            print(f"imported {summary.runs_added} runs ({summary.runs_skipped} already present), "
                  f"{summary.accuracies_added} accuracies, {summary.machines} new machine(s)")
        return 0
