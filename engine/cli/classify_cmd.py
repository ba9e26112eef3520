"""`classify IMAGE...` (top-K ImageNet labels) and `evaluate FOLDER | --sample NAME` (top-1/top-5;
a sample set adds the top-1's 95 % Wilson interval)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from engine.api import (
    UNTRAINED, ClassifyRunner, InvalidInput, WeightsUnavailable, check_range, evaluate_folder, evaluate_samples,
    load_classifier, read_image, sample_path, sample_sets, save_evaluation,
)
from engine.cli import print_json
from engine.cli.progress import StderrProgress


def _model_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--model", default="mobilenet_v2", help="a classification model (default mobilenet_v2)")
    p.add_argument("--weights", metavar="PATH", help="a checkpoint file instead of the registered weights")
    p.add_argument("--random-weights", action="store_true",
                   help=f"use random weights (output labelled '{UNTRAINED}')")
    p.add_argument("--json", action="store_true")


def register(sub) -> None:
    p = sub.add_parser("classify", help="top-K ImageNet classes of images")
    p.add_argument("images", nargs="+", metavar="IMAGE")
    p.add_argument("--topk", type=int, default=5, help="how many classes to show (default 5)")
    _model_args(p)
    p.set_defaults(run=run_classify)

    p = sub.add_parser("evaluate", help="top-1/top-5 accuracy over FOLDER/<class>/<images> or a sample set")
    p.add_argument("folder", nargs="?", help="FOLDER/<class>/<images> (or use --sample)")
    p.add_argument("--sample", metavar="NAME", help="a labelled sample set, e.g. imagenet-sample-20 (fetched if missing)")
    p.add_argument("--path", default="reference",
                   help="inference path of the network: reference (default), fast, bf16, int8, onnxruntime")
    p.add_argument("--limit", type=int, help="at most N images (taken across all classes)")
    p.add_argument("--no-save", action="store_true",
                   help="do not store the accuracy in the results database (never stored: random weights' "
                        "or an inexact path's, bf16 and int8)")
    _model_args(p)
    p.set_defaults(run=run_evaluate)


def _classifier(args: argparse.Namespace) -> ClassifyRunner:
    if args.random_weights and args.weights:
        raise InvalidInput("--random-weights and --weights exclude each other")
    weights = None if args.random_weights else (args.weights or "default")
    try:
        return load_classifier(args.model, weights, StderrProgress())
    except WeightsUnavailable as exc:
        raise WeightsUnavailable(f"{exc} (or pass --random-weights to time the model untrained)") from None


def run_classify(args: argparse.Namespace) -> int:
    check_range("topk", args.topk, 1, 1000)
    images = [read_image(path) for path in args.images]  # all bad inputs fail before the model loads
    clf = _classifier(args)
    results = [preds for start in range(0, len(images), 16)
               for preds in clf.predict(images[start:start + 16], args.topk)]
    if args.json:
        print_json({**clf.describe(), "results": [
            {"image": path, "top": [p.to_json() for p in preds]} for path, preds in zip(args.images, results)]})
        return 0
    header = f"{clf.model} ({clf.weights or UNTRAINED})"
    print(header)
    for path, preds in zip(args.images, results):
        print(path)
        for p in preds:
            print(f"  {p.probability:7.2%}  {p.label} ({p.index})")
    if clf.untrained:
        print(f"note: {UNTRAINED}: these labels mean nothing")
    return 0


def run_evaluate(args: argparse.Namespace) -> int:
    if args.limit is not None and args.limit < 1:
        raise InvalidInput(f"--limit must be at least 1, got {args.limit}")
    if bool(args.folder) == bool(args.sample):
        raise InvalidInput("evaluate needs a FOLDER or --sample NAME (not both); sample sets: "
                           + ", ".join(sample_sets()))
    if args.sample:
        return _evaluate_sample(args)
    clf = _classifier(args)
    if args.path != "reference":
        clf.use_path(args.path)
    result = evaluate_folder(clf, args.folder, args.limit, progress=StderrProgress("images").counter("evaluating"))
    if not args.no_save:  # random weights' or an inexact path's accuracy is not stored
        save_evaluation(clf, result, Path(args.folder).resolve().name)
    if args.json:
        print_json({**result.to_json(), "untrained": clf.untrained, "note": clf.note})
        return 0
    print(f"{result.model} ({result.weights or UNTRAINED}) on {result.images} images, {result.classes} classes: "
          f"top-1 {result.top1:.2%}, top-5 {result.top5:.2%}")
    return 0


def _evaluate_sample(args: argparse.Namespace) -> int:
    if args.sample not in sample_sets():
        raise InvalidInput(f"unknown sample set {args.sample!r}; valid: {', '.join(sample_sets())}")
    path = sample_path(args.sample, StderrProgress())  # fetched before the model loads
    clf = _classifier(args)
    if args.path != "reference":
        clf.use_path(args.path)
    result = evaluate_samples(clf, args.sample, path=path,
                              warn=lambda line: print(f"warning: {line}", file=sys.stderr))
    if not args.no_save:
        save_evaluation(clf, result, args.sample)
    if args.json:
        print_json({**result.to_json(), "untrained": clf.untrained, "note": clf.note})
        return 0
    low, high = result.top1_interval
    print(f"{result.model} ({result.weights or UNTRAINED}, path {result.path}) on {args.sample}, "
          f"{result.images} images: top-1 {result.top1:.0%} (95 % interval {low:.0%}-{high:.0%}; "
          f"{result.images} images are few), top-5 {result.top5:.0%}")
    return 0
