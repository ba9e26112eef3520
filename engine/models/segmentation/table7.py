"""The MobileNetV3 paper's Table 7 (Cityscapes val, semantic segmentation heads) as data.

Each row is buildable by keyword arguments (`build_table7_row`) and maps onto a catalog name,
width and boolean options (`catalog_config`) so `engine.analysis.stats.model_stats` reports its MAdds.
The published numbers are read from assets/papers/segmentation.csv (latest arXiv revision).
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import cache

from engine.errors import InvalidInput
from engine.models.segmentation.models import Segmenter, build_segmenter
from engine.paths import asset

CITYSCAPES_CLASSES = 19
_BACKBONES = {"V2": ("mobilenet_v2", 1.0), "V2 0.5": ("mobilenet_v2", 0.5), "V2 0.35": ("mobilenet_v2", 0.35),
              "V3": ("mobilenet_v3_large", 1.0), "V3-Small": ("mobilenet_v3_small", 1.0)}
_HEADS = {"R-ASPP": "raspp", "LR-ASPP": "lraspp"}


@dataclass(frozen=True)
class Table7Row:
    row: int
    backbone: str  # catalog backbone name
    width: float
    head: str  # lraspp | raspp
    reduced_tail: bool  # RF2
    head_filters: int
    miou: float
    params_millions: float
    madds_billions: float  # at 1024 x 2048 (full resolution)
    cpu_full_res: str
    cpu_half_res: str

    def kwargs(self) -> dict:
        """Keyword arguments of build_segmenter for this row (OS 16, the paper's LR-ASPP pooling)."""
        return dict(head=self.head, backbone=self.backbone, width=self.width, reduced_tail=self.reduced_tail,
                    head_filters=self.head_filters, output_stride=16, paper_pooling=self.head == "lraspp",
                    num_classes=CITYSCAPES_CLASSES)

    def catalog_config(self) -> tuple[str, float, dict]:
        """(catalog name, width, boolean options) of the same architecture (VOC's 21 classes)."""
        options = {"reduced_tail": True} if self.reduced_tail else {}
        if self.head == "lraspp":
            options["paper_pooling"] = True
            if self.head_filters == 256:
                options["wide_head"] = True
        return f"{self.head}_{self.backbone}", self.width, options


@cache
def table7() -> tuple[Table7Row, ...]:
    rows = []
    with open(asset("papers", "segmentation.csv"), newline="", encoding="utf-8") as fh:
        for rec in csv.DictReader(fh):
            if rec["source"] != "V3-arXiv-latest;V3-ICCV" or not rec["table"].startswith("Table 7 (row"):
                continue
            backbone, width = _BACKBONES[rec["backbone"]]
            rows.append(Table7Row(
                row=int(rec["table"].split("row")[1].strip(" )")), backbone=backbone, width=width,
                head=_HEADS[rec["head"]], reduced_tail=rec["rf2"] == "yes", head_filters=int(rec["head_filters"]),
                miou=float(rec["miou"]), params_millions=float(rec["params_millions"]),
                madds_billions=float(rec["madds_billions"]), cpu_full_res=rec["cpu_full_res"],
                cpu_half_res=rec["cpu_half_res"],
            ))
    return tuple(sorted(rows, key=lambda r: r.row))


def build_table7_row(row: int, **overrides) -> Segmenter:
    """The model of Table 7's row `row` (1..11); keyword overrides go to build_segmenter."""
    rows = {r.row: r for r in table7()}
    if row not in rows:
        raise InvalidInput(f"Table 7 has rows 1 to {len(rows)}, got {row}")
    return build_segmenter(**(rows[row].kwargs() | overrides))
