"""What the recommended point's inference path costs in accuracy, for the Trade-offs page: the
plotted top-1 is the fp32 model's (published, or measured on the sample set), so a point timed on
an inexact path (int8, bf16) needs its agreement with the reference beside it (issue 16 item 4).
Only remembered measurements are read here (a small JSON file): measuring runs on the Profiler
("Accuracy cost") or in `profile`."""

from __future__ import annotations

from datetime import datetime

from engine import api

__all__ = ["accuracy_cost_html"]


def accuracy_cost_html(model: str, path: str) -> str:
    """One line of rich text: the path's agreement with the reference, or what to do to get it."""
    exact = api.path_status(path).exact
    agreement = api.remembered_agreement(model, path) if path != "reference" else None
    if agreement is not None:
        when = datetime.fromtimestamp(agreement.measured_at).strftime("%Y-%m-%d") if agreement.measured_at else "?"
        return (f"Accuracy cost of <b>{path}</b> for {model}, against the fp32 reference on {agreement.images} "
                f"photos ({agreement.source}, {when}): {agreement.summary()}")
    if exact:
        return (f"<b>{path}</b> is exact (fp32): the plotted top-1 holds for it "
                + ("" if path == "reference" else "(Profiler › Accuracy cost measures it)"))
    return (f"<span style='color:#c62828'><b>{path}</b> is not exact</span>: the plotted top-1 is the fp32 "
            f"model's; measure what {path} costs with Profiler › Accuracy cost")
