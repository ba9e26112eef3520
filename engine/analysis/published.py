"""The papers' published numbers (assets/papers/*.csv), looked up by configuration."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import cache

from engine.paths import asset

# family -> (csv file, column holding the width multiplier)
_TABLES = {"v1": ("v1.csv", "alpha"), "v2": ("v2.csv", "multiplier"), "v3-large": ("v3.csv", "multiplier"),
           "v3-small": ("v3.csv", "multiplier")}


@dataclass(frozen=True)
class PublishedRow:
    family: str
    variant: str  # e.g. 'large', 'small-minimalistic', or '' for V1/V2
    width: float
    resolution: int
    madds_millions: float | None
    params_millions: float | None
    top1: float | None
    top5: float | None
    pixel1_latency_ms: float | None
    precision: str
    source_kind: str
    source: str
    table: str
    notes: str

    def to_json(self) -> dict:
        return dict(self.__dict__)


def _num(text: str) -> float | None:
    return float(text) if text.strip() else None


@cache
def all_rows() -> tuple[PublishedRow, ...]:
    rows = []
    for family, (file, width_col) in _TABLES.items():
        with open(asset("papers", file), newline="", encoding="utf-8") as fh:
            for rec in csv.DictReader(fh):
                variant = rec.get("variant", "")
                if family.startswith("v3") and not variant.startswith(family.split("-")[1]):
                    continue
                rows.append(PublishedRow(
                    family=family, variant=variant, width=float(rec[width_col]),
                    resolution=int(rec["resolution"]), madds_millions=_num(rec["madds_millions"]),
                    params_millions=_num(rec["params_millions"]), top1=_num(rec["top1"]),
                    top5=_num(rec.get("top5", "")), pixel1_latency_ms=_num(rec.get("pixel1_latency_ms", "")),
                    precision=rec["precision"], source_kind=rec["source_kind"], source=rec["source"],
                    table=rec["table"], notes=rec["notes"],
                ))
    return tuple(rows)


def variant_key(family: str, minimalistic: bool = False) -> str:
    """The v3.csv 'variant' value for a configuration ('' for V1/V2)."""
    if not family.startswith("v3"):
        return ""
    base = family.split("-")[1]
    return f"{base}-minimalistic" if minimalistic else base


def published_for(family: str, width: float, resolution: int, *, minimalistic: bool = False,
                  precision: str = "float") -> list[PublishedRow]:
    """Published rows for exactly this configuration (ablation rows excluded)."""
    variant = variant_key(family, minimalistic)
    return [
        r for r in all_rows()
        if r.family == family and r.variant == variant and abs(r.width - width) < 1e-9
        and r.resolution == resolution and r.precision == precision
    ]
