"""One exception hierarchy. Every message names what was given and what is valid, so the CLI
can print it as a single line and the GUI can show it inline."""

from __future__ import annotations

from collections.abc import Iterable


class StudioError(Exception):
    """Base of every error the engine raises on purpose (never a bug)."""


class InvalidInput(StudioError, ValueError):
    """Bad argument or input from the user: the CLI exits with status 2."""


class UnknownName(InvalidInput, KeyError):
    """A name (model, option, head, kernel...) that is not registered."""

    def __init__(self, kind: str, given: str, valid: Iterable[str]):
        self.kind, self.given, self.valid = kind, given, sorted(valid)
        super().__init__(f"unknown {kind} {given!r}; valid: {', '.join(self.valid)}")

    def __str__(self) -> str:  # KeyError would quote the message otherwise
        return self.args[0]


class WeightsUnavailable(StudioError):
    """Weights that cannot be had (offline, not imported, corrupt)."""


class CheckpointMismatch(InvalidInput):
    """A checkpoint whose keys or shapes do not fit the model."""


class MissingData(StudioError):
    """A file the app ships is not where the installation put it: a broken install, not bad input."""


class Cancelled(StudioError):
    """Long work stopped because the user asked for it."""


def check_range(name: str, value: float, lo: float, hi: float, unit: str = "") -> None:
    """Raise InvalidInput unless lo <= value <= hi (NaN fails too)."""
    if not (lo <= value <= hi):
        raise InvalidInput(f"{name} {value:g}{unit} is out of range; valid: {lo:g} to {hi:g}{unit}")
