"""Loading weights into our models: the manifest entries of a model, the verified default
weights (fetched into the cache when missing), and strict checkpoint loads with clear errors."""

from __future__ import annotations

import warnings
from pathlib import Path

import torch
from torch import nn

from engine.errors import CheckpointMismatch, InvalidInput, WeightsUnavailable
from engine.weights import cache, fetch, manifest


def weights_for(model_name: str) -> list[dict]:
    """The manifest entries for a model (default first), each with `cached`: whether a
    converted file is in the cache (cheap check; the sha256 is verified when it loads)."""
    found = []
    for entry in manifest.for_model(model_name):
        path = cache.converted_path(entry.name, entry.suffix)
        found.append({**entry.to_json(), "cached": path.is_file() and cache.sidecar(path).is_file()})
    return found


def describe_mismatch(model: nn.Module, state: dict, limit: int = 3) -> str | None:
    """None when `state` fits `model` exactly, else a one-line summary of the first problems."""
    own = model.state_dict()
    missing = [k for k in own if k not in state]
    unexpected = [k for k in state if k not in own]
    wrong = [
        f"{k} {tuple(state[k].shape)} vs {tuple(own[k].shape)}"
        for k in own
        if k in state and hasattr(state[k], "shape") and tuple(state[k].shape) != tuple(own[k].shape)
    ]
    parts = []
    if wrong:
        parts.append(f"{len(wrong)} shape mismatches (checkpoint vs model), first: {'; '.join(wrong[:limit])}")
    if missing:
        parts.append(f"{len(missing)} keys missing, first: {', '.join(missing[:limit])}")
    if unexpected:
        parts.append(f"{len(unexpected)} unexpected keys, first: {', '.join(unexpected[:limit])}")
    return "; ".join(parts) or None


def read_checkpoint(path: Path) -> dict:
    """A state dict from a .pth file (weights_only: never runs code from the file)."""
    if not path.is_file():
        raise InvalidInput(f"checkpoint {path} does not exist or is not a file")
    try:
        with warnings.catch_warnings():  # the weights-only unpickler's protocol notes: the error says enough
            warnings.simplefilter("ignore")
            state = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as exc:  # torch raises many types for a bad file
        raise InvalidInput(f"checkpoint {path} is not a readable PyTorch file ({type(exc).__name__})") from None
    if isinstance(state, dict) and "state_dict" in state and isinstance(state["state_dict"], dict):
        state = state["state_dict"]
    if not isinstance(state, dict):
        raise InvalidInput(f"checkpoint {path} holds a {type(state).__name__}, not a state dict")
    return state


def load_state(model: nn.Module, state: dict, what: str) -> None:
    """Strict load. A model may offer `adapt_state_dict(state)` for checkpoints that carry more
    than it needs (torchvision's DeepLabV3 file holds an auxiliary head)."""
    adapt = getattr(model, "adapt_state_dict", None)
    if callable(adapt):
        state = adapt(state)
    problem = describe_mismatch(model, state)
    if problem:
        raise CheckpointMismatch(f"{what} does not fit this model: {problem}")
    model.load_state_dict(state, strict=True)


def default_weights(model_name: str, progress=None):
    """(entry, verified file) of the weights 'default' means for a model: a cached entry (the
    model's default first), else the default entry fetched now. WeightsUnavailable otherwise."""
    entries = manifest.for_model(model_name)
    if not entries:
        raise WeightsUnavailable(f"no weights are registered for {model_name}; use random weights "
                                 f"or pass a checkpoint file")
    cached = [e for e in entries if cache.sidecar(cache.converted_path(e.name, e.suffix)).is_file()]
    entry = (cached or entries)[0]
    try:
        path, _ = fetch.ensure(entry, progress or fetch._quiet)
    except WeightsUnavailable as exc:
        raise WeightsUnavailable(f"weights for {model_name} are not available: {exc}") from None
    return entry, path


def load_weights(model: nn.Module, model_name: str, weights: str | Path, progress=None):
    """weights: a checkpoint path, or 'default' for the registered weights (fetched into the
    cache if missing). Returns the manifest entry used for 'default', else None."""
    if str(weights) == "default":
        entry, path = default_weights(model_name, progress)
        load_state(model, read_checkpoint(path), f"weights {entry.name}")
        return entry
    load_state(model, read_checkpoint(Path(weights)), f"checkpoint {weights}")
    return None
