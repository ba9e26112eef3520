"""Plain data both Trade-offs widgets and the page's model use: the four backbone families of the
V3 paper's Figures 1 and 2, and a published (MAdds, top-1) point that needs no measuring."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["FAMILIES", "FAMILY_LABEL", "PaperPoint"]

# family key, backbone, legend label: the four curves of the V3 paper's Figures 1 and 2
FAMILIES: tuple[tuple[str, str, str], ...] = (
    ("v1", "mobilenet_v1", "MobileNetV1"),
    ("v2", "mobilenet_v2", "MobileNetV2"),
    ("v3-large", "mobilenet_v3_large", "MobileNetV3-Large"),
    ("v3-small", "mobilenet_v3_small", "MobileNetV3-Small"),
)
FAMILY_LABEL = {key: label for key, _model, label in FAMILIES}


@dataclass(frozen=True)
class PaperPoint:
    """A configuration the papers publish MAdds and top-1 for: placeable on the MAdds plot
    without measuring anything."""

    model: str
    family: str
    width: float
    resolution: int
    madds_millions: float
    top1: float
    source: str

    def label(self) -> str:
        return f"{self.model} {self.width:g}/{self.resolution}"

    def config(self) -> tuple[str, float, int]:
        return self.model, round(self.width, 6), self.resolution
