"""Small test utilities shared across test modules (no fixtures here: see conftest.py)."""

from __future__ import annotations

import ast
from pathlib import Path

import torch

DATA = Path(__file__).parent / "data"

_DTYPES = {"float32": torch.float32, "int64": torch.int64}


def key_list(name: str) -> dict[str, tuple[list[int], str]]:
    """A torchvision key list (tests/data/torchvision-keys/NAME.tsv): key -> (shape, dtype)."""
    out = {}
    for line in (DATA / "torchvision-keys" / f"{name}.tsv").read_text().splitlines():
        if line.startswith("#") or line.startswith("key\t") or not line.strip():
            continue
        key, shape, dtype, _role = line.split("\t")
        out[key] = (ast.literal_eval(shape), dtype)
    return out


def state_dict_from_key_list(name: str, seed: int = 0) -> dict[str, torch.Tensor]:
    """A state dict with exactly the keys, shapes and dtypes torchvision's model has."""
    gen = torch.Generator().manual_seed(seed)
    state = {}
    for key, (shape, dtype) in key_list(name).items():
        if _DTYPES[dtype] == torch.int64:
            state[key] = torch.tensor(7, dtype=torch.int64) if not shape else torch.zeros(shape, dtype=torch.int64)
        elif key.endswith("running_var"):
            state[key] = torch.rand(shape, generator=gen) + 0.5
        else:
            state[key] = torch.randn(shape, generator=gen) * 0.1
    return state
