"""Weights: loading checkpoints into our models with clear errors.

The manifest, fetching from registry packages and the cache are built on top of this
(see the weights issue); `weights_for` lists what the manifest knows for a model.
"""

from __future__ import annotations

from pathlib import Path

import torch
from torch import nn

from engine.errors import CheckpointMismatch, InvalidInput, WeightsUnavailable


def weights_for(model_name: str) -> list[dict]:
    """Weight sets known for a model (filled in by the manifest once it exists)."""
    return []


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
        state = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as exc:  # torch raises many types for a bad file
        raise InvalidInput(f"checkpoint {path} is not a readable PyTorch file ({type(exc).__name__})") from None
    if isinstance(state, dict) and "state_dict" in state and isinstance(state["state_dict"], dict):
        state = state["state_dict"]
    if not isinstance(state, dict):
        raise InvalidInput(f"checkpoint {path} holds a {type(state).__name__}, not a state dict")
    return state


def load_state(model: nn.Module, state: dict, what: str) -> None:
    problem = describe_mismatch(model, state)
    if problem:
        raise CheckpointMismatch(f"{what} does not fit this model: {problem}")
    model.load_state_dict(state, strict=True)


def load_weights(model: nn.Module, model_name: str, weights: str | Path) -> None:
    """weights: a checkpoint path, or 'default' for the registered weights."""
    if str(weights) == "default":
        raise WeightsUnavailable(
            f"no registered weights for {model_name} yet; import a checkpoint file with "
            f"'mobilenet-studio weights import {model_name} PATH'"
        )
    load_state(model, read_checkpoint(Path(weights)), f"checkpoint {weights}")
