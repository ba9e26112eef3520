"""The papers' published numbers (assets/papers/*.csv), looked up by configuration."""

from __future__ import annotations

import csv
import math
from dataclasses import dataclass
from functools import cache

from engine.models.catalog import model_info
from engine.paths import asset
from engine.weights.load import weights_for

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


# The headline figure a checkpoint's manifest publishes, by task (torchvision's metric keys).
_CHECKPOINT_METRICS = (("acc1", "top-1", "%"), ("miou", "mIoU", ""), ("box_map", "box mAP", ""))


@dataclass(frozen=True)
class PublishedFigure:
    """One published headline figure and the configuration it was published for."""
    metric: str  # 'top-1' | 'mIoU' | 'box mAP'
    value: float
    unit: str  # '%' or ''
    width: float
    resolution: int
    options: tuple[str, ...]  # the options switched on in that configuration
    source: str  # e.g. 'checkpoint mobilenet_v3_small.imagenet1k_v1' or 'V3-arXiv-latest, Table 9 (Appendix A)'

    def to_json(self) -> dict:
        return {**self.__dict__, "options": list(self.options)}


@dataclass(frozen=True)
class PublishedCard:
    """What the Models page's published card shows: the figure for exactly this configuration,
    else (exact False) the nearest published one, else nothing (figure None)."""
    figure: PublishedFigure | None
    exact: bool

    def to_json(self) -> dict:
        return {"figure": self.figure.to_json() if self.figure else None, "exact": self.exact}


def _candidates(name: str) -> list[PublishedFigure]:
    """Checkpoint figures first (the cached one before the rest), then the papers' float rows."""
    info = model_info(name)
    found = []
    rows = sorted(weights_for(name), key=lambda r: (not r["cached"], not r["default"]))
    for row in rows:
        for key, metric, unit in _CHECKPOINT_METRICS:
            if key in row["metrics"]:
                # torchvision's checkpoints: width 1.0 at the model's native input, no options
                found.append(PublishedFigure(metric, float(row["metrics"][key]), unit, 1.0, info.input.size, (),
                                             f"checkpoint {row['name']}"))
                break
    if info.task == "classification":
        for minimalistic in (False, True) if "minimalistic" in info.options else (False,):
            variant = variant_key(info.family, minimalistic)
            for r in all_rows():
                if r.family == info.family and r.variant == variant and r.precision == "float" and r.top1:
                    found.append(PublishedFigure("top-1", r.top1, "%", r.width, r.resolution,
                                                 ("minimalistic",) if minimalistic else (),
                                                 f"{r.source.replace(';', ', ')}, {r.table}"))
    return found


def published_card(name: str, width: float, resolution: int, options: tuple[str, ...] = ()) -> PublishedCard:
    """The published figure for exactly (width, resolution, options) of model `name`; when none
    was published, the nearest one (distance in log width + log resolution; other options count
    as far), so the card can say which configuration its figure belongs to."""
    wanted = tuple(sorted(options))
    candidates = _candidates(name)
    if not candidates:
        return PublishedCard(None, False)

    def distance(f: PublishedFigure) -> float:
        far = 0.0 if tuple(sorted(f.options)) == wanted else 10.0
        return far + abs(math.log(f.width / width)) + abs(math.log(f.resolution / resolution))

    best = min(candidates, key=distance)  # min keeps the first of equals: checkpoints first
    return PublishedCard(best, distance(best) < 1e-9)
