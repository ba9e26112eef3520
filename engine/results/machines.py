"""Machine identity: the part of the profiler's fingerprint that describes the hardware and
software stack (not the run), and its stable hash."""

from __future__ import annotations

import hashlib
import json

# Keys of the profiler's fingerprint that describe the run, not the machine.
RUN_KEYS = ("threads", "device", "backend")


def machine_part(fingerprint: dict) -> dict:
    return {k: v for k, v in fingerprint.items() if k not in RUN_KEYS}


def machine_id(fingerprint: dict) -> str:
    """Stable id of a machine: the same hardware and software stack always hashes the same
    (the GPU name is left out so CPU and CUDA runs of one box are one machine)."""
    canonical = {k: v for k, v in machine_part(fingerprint).items() if k != "gpu"}
    return hashlib.sha256(json.dumps(canonical, sort_keys=True).encode()).hexdigest()[:16]


def machine_label(fingerprint: dict) -> str:
    cores = fingerprint.get("cores")
    return f"{fingerprint.get('cpu', 'unknown CPU')}" + (f", {cores} cores" if cores else "")
