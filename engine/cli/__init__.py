"""`mobilenet-studio` subcommands. Each module in engine/cli/ that defines `register(sub)` adds
one or more subcommands, so a new feature adds a file here instead of editing a central list.

Errors: a StudioError (or an argparse error) prints one line and exits 2; `--debug` shows the
traceback instead.
"""

from __future__ import annotations

import argparse
import importlib
import json
import logging
import math
import os
import pkgutil
import sys
from collections.abc import Sequence

from engine.api import InvalidInput, StudioError

EXIT_BAD_INPUT = 2


def finite_float(text: str) -> float:
    """argparse type of every float option: NaN and infinity are refused (argparse names the
    option: "argument --frequency: nan is not a finite number")."""
    value = float(text)  # ValueError: argparse says "invalid float value: 'wide'"
    if not math.isfinite(value):
        raise argparse.ArgumentTypeError(f"{text} is not a finite number")
    return value


finite_float.__name__ = "float"  # what argparse calls the type in its messages


class _Parser(argparse.ArgumentParser):
    def error(self, message: str):  # argparse prints usage + message; we want one line
        raise InvalidInput(f"{self.prog}: {message}")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="mobilenet-studio", description="MobileNet Studio command line")
    parser.add_argument("--debug", action="store_true", help="show tracebacks")
    sub = parser.add_subparsers(dest="command", parser_class=_Parser, metavar="COMMAND")
    for mod in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        if mod.name.startswith("_"):  # __main__ runs the CLI when imported
            continue
        module = importlib.import_module(f"{__name__}.{mod.name}")
        if hasattr(module, "register"):
            module.register(sub)
    return parser


def print_json(document) -> None:
    """The --json contract: exactly one JSON document on stdout."""
    json.dump(document, sys.stdout, indent=2)
    sys.stdout.write("\n")


class _WarningLine(logging.Handler):
    """The engine's warnings (e.g. a damaged results database moved aside) as one stderr line each."""

    def emit(self, record: logging.LogRecord) -> None:
        print(f"warning: {record.getMessage()}", file=sys.stderr)


def main(argv: Sequence[str] | None = None) -> int:
    engine_log = logging.getLogger("engine")
    handler = _WarningLine(logging.WARNING)
    engine_log.addHandler(handler)
    try:
        return _main(argv)
    finally:
        engine_log.removeHandler(handler)


def _main(argv: Sequence[str] | None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    debug = "--debug" in argv
    try:
        args = build_parser().parse_args(argv)
        if not getattr(args, "run", None):
            raise InvalidInput("a command is required; run 'mobilenet-studio --help' for the list")
        return int(args.run(args) or 0)
    except StudioError as exc:
        if debug:
            raise
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT if isinstance(exc, InvalidInput) else 1
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # `mobilenet-studio models | head`: the reader left; not an error
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())  # so the interpreter's final flush stays quiet
        return 0
