"""`model_stats`: one configuration's per-layer MAdds, parameters and activation memory, with
the papers' published rows for it: the numbers `stats --json` prints and the Models page shows."""

from __future__ import annotations

from dataclasses import dataclass

import torch

from engine.analysis.layers import BlockRow, LayerRow, analyze_layers, roll_up
from engine.analysis.memory import Table3Memory, eager_peak_bytes, table3_peak
from engine.analysis.published import PublishedRow, published_for
from engine.models import catalog

MADDS_CONVENTION = (
    "MAdds = multiply-accumulates of convolutions and fully connected layers, as the MobileNet "
    "papers count them (torch FlopCounterMode FLOPs / 2); batch-norm, activations, additions and "
    "pooling are listed per layer but not counted. params = all trainable parameters."
)


@dataclass(frozen=True)
class ModelStats:
    model: str
    width: float
    resolution: int
    options: dict
    madds: int
    params: int
    peak_activation_bytes: int  # measured eager peak, fp32, batch 1
    table3: Table3Memory
    layers: tuple[LayerRow, ...]
    blocks: tuple[BlockRow, ...]
    published: tuple[PublishedRow, ...]

    def to_json(self) -> dict:
        return {
            "model": self.model, "width": self.width, "resolution": self.resolution,
            "options": self.options, "madds": self.madds, "params": self.params,
            "peak_activation_bytes": self.peak_activation_bytes,
            "peak_activation_table3": self.table3.to_json(),
            "conventions": {
                "madds": MADDS_CONVENTION,
                "peak_activation_bytes": "measured: largest total of activation tensors alive at "
                "once in one eager fp32 forward pass at batch 1 (input included, weights excluded)",
            },
            "layers": [row.to_json() for row in self.layers],
            "blocks": [row.to_json() for row in self.blocks],
            "published": [row.to_json() for row in self.published],
        }


def model_stats(name: str, *, width: float = 1.0, resolution: int = 224, **options) -> ModelStats:
    """Per-layer MAdds, parameters and activation memory of one configuration."""
    info = catalog.model_info(name)
    catalog.check_config(info, width, options)
    catalog.check_resolution(resolution)
    model = catalog.build(name, width, **options)
    example = torch.zeros(1, 3, resolution, resolution)
    rows = analyze_layers(model, example)
    comparable = info.task == "classification" and not (options.get("reduced_tail") or options.get("dilated"))
    published = published_for(info.family, float(width), resolution,
                              minimalistic=bool(options.get("minimalistic"))) if comparable else []
    return ModelStats(
        model=name, width=float(width), resolution=resolution, options=dict(options),
        madds=sum(r.madds for r in rows),
        params=sum(p.numel() for p in model.parameters() if p.requires_grad),
        peak_activation_bytes=eager_peak_bytes(model, example),
        table3=table3_peak(model, rows, tuple(example.shape)),
        layers=tuple(rows), blocks=tuple(roll_up(model, rows)), published=tuple(published),
    )
