"""The Profiler page's work, run off the UI thread or once at construction: measuring and
storing a run, the path's accuracy cost against the reference, a trace, and the controls with
this machine's inference paths."""

from __future__ import annotations

from engine import api
from gui.widgets.profile_controls import DEFAULT_MODEL, ProfileControls, ProfileRequest

__all__ = ["agreement_note", "measure_agreement", "measure_and_store", "path_accuracy_note", "profile_controls",
           "write_trace"]


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
