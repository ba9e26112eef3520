"""The Profiler page's work, run off the UI thread or once at construction: measuring and
storing a run, the path's accuracy cost against the reference, a trace, the controls with
this machine's inference paths, and the summary text of the runs shown."""

from __future__ import annotations

from engine import api
from gui.widgets.profile_controls import DEFAULT_MODEL, ProfileControls, ProfileRequest

__all__ = ["agreement_note", "measure_agreement", "measure_and_store", "path_accuracy_note", "profile_controls",
           "summary_html", "write_trace"]


def write_trace(req: ProfileRequest, path: str) -> None:
    """A Chrome/Perfetto trace of one forward pass of `req`'s configuration.

    The one place the GUI builds a model and an input tensor itself; an engine call taking the
    configuration (like profile_model's `trace=`) would let this go."""
    import torch

    model = api.build_model(req.model, width=req.width, **{name: True for name in req.options})
    fmt = torch.channels_last if req.memory_format == "channels_last" else torch.contiguous_format
    example = torch.rand(req.batch, 3, int(req.resolution), int(req.resolution))
    model = model.to(req.device, memory_format=fmt)
    example = example.to(req.device, memory_format=fmt)
    with torch.inference_mode():
        api.export_trace(model, example, path)  # writes a temp file and renames it: atomic


def measure_and_store(req: ProfileRequest, job) -> tuple[ProfileRequest, api.ProfileResult, str | None]:
    """In the worker: measure, then store the run in the results database (the Trade-offs page
    plots it); when the database cannot take it, the run is kept in a file and the note says where."""
    result = api.profile_model(req.model, progress=job.progress, should_stop=job.should_stop, **req.kwargs())
    _stored, note = api.save_or_keep(result)
    return req, result, note


def path_accuracy_note(path: str) -> str:
    """What a path costs in accuracy against the fp32 reference, as far as the engine says."""
    status = api.path_status(path)
    if status.exact:
        return "exact (fp32), the reference's outputs up to float rounding (Accuracy cost measures it)"
    return ("<span style='color:#c62828'>not exact</span>: it trades accuracy for speed; "
            "press Accuracy cost to measure it")


def profile_controls() -> ProfileControls:
    """The configuration panel with this machine's choices: first and default, the fastest exact
    path measured here that the profiler can time layer by layer (engine.tradeoffs.fastest's
    cached choice for the default model; the static choice until one was measured), CUDA when
    torch sees a GPU."""
    import torch  # already loaded by engine.api

    fastest = api.default_path(DEFAULT_MODEL, threads=2, per_layer=True)
    devices = ("cpu", "cuda") if torch.cuda.is_available() else ("cpu",)
    statuses = api.path_statuses()
    return ProfileControls(api.list_models(), sorted(statuses, key=lambda s: s.name != fastest), devices)


def measure_agreement(req: ProfileRequest, _job) -> tuple[ProfileRequest, api.PathAgreement]:
    """In the worker: the path's outputs against the fp32 reference on real photos."""
    return req, api.path_agreement(req.model, req.path, threads=req.threads)


def agreement_note(agreement: api.PathAgreement) -> str:
    return (f"measured on {agreement.images} photos ({agreement.source}) against {agreement.reference}: "
            f"{agreement.summary()}")


Run = tuple[ProfileRequest, api.ProfileResult]


def summary_html(current: Run | None, pinned: Run | None, agreements: dict) -> str:
    """The Profiler's summary: each run's totals and its path's accuracy cost (`agreements`:
    (model, path) -> the measured api.PathAgreement), one line naming any run measured on a busy
    machine (one for all, so two busy runs still fit 1200×760), and current / pinned."""
    lines, busy = [], []
    for tag, entry in (("", current), ("Pinned ", pinned)):
        if entry is None:
            continue
        req, result = entry
        t = result.total_ms
        share = result.overhead_ms / t.median * 100 if t.median else 0.0
        madds = sum(layer.madds for layer in result.layers)
        measured = agreements.get((req.model, result.path))
        accuracy = agreement_note(measured) if measured is not None else path_accuracy_note(result.path)
        lines.append(
            f"<b>{tag}{req.short()}</b> ({madds / 1e6:.0f} M MAdds) on <b>{result.path}</b>: "
            f"median <b>{t.median:.2f} ms</b> "
            f"(p10 {t.p10:.2f}, p90 {t.p90:.2f}, spread {t.spread * 100:.0f} %, {t.runs} runs) · "
            f"layer sum {result.layer_sum_ms:.2f} ms · overhead {result.overhead_ms:.2f} ms ({share:.0f} %)"
            f"<br>&nbsp;&nbsp;accuracy on {result.path}: {accuracy}")
        if result.busy:
            busy.append(f"{tag.lower() or 'this run '}load {result.load[0]:.1f} → {result.load[1]:.1f}")
    if busy:
        lines.append(f"<span style='color:#c62828'>Measured on a busy machine ({', '.join(busy)}): the times "
                     f"may say more about the neighbours; press Run to re-measure</span>")
    if current is not None and pinned is not None and pinned[1].total_ms.median:
        ratio = current[1].total_ms.median / pinned[1].total_ms.median
        lines.append(f"Current / pinned: <b>{ratio:.2f}×</b> the time "
                     f"({'faster' if ratio < 1 else 'slower'} by {abs(1 - ratio) * 100:.0f} %)")
    return "<br>".join(lines) or ("Press <b>Run</b> (Ctrl+R) to measure. Overhead = whole-model median "
                                  "minus the sum of layers: Python glue, non-module ops and the hooks.")
