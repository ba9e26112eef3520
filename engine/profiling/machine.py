"""A fingerprint of the machine a measurement ran on, so results from two machines can be
told apart and compared side by side."""

from __future__ import annotations

import os
import platform
import re
from functools import cache

import torch


def _cpu_model() -> str:
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as fh:
            for line in fh:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _memory_bytes() -> int | None:
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError, AttributeError):
        return None


def _onednn_version() -> str | None:
    # torch calls it "oneDNN" in some builds and by its old name "MKL-DNN" in others (2.13)
    match = re.search(r"(?:oneDNN|MKL-DNN) v([\d.]+)", torch.__config__.show())
    return match.group(1) if match else None


@cache
def _static() -> dict:
    return {
        "cpu": _cpu_model(),
        "cores": os.cpu_count(),
        "memory_bytes": _memory_bytes(),
        "os": platform.platform(),
        "python": platform.python_version(),
        "torch": torch.__version__,
        "onednn": _onednn_version(),
        "mkl": torch.backends.mkl.is_available(),
    }


def fingerprint(*, threads: int, device: str, backend: str) -> dict:
    info = dict(_static())
    info.update(threads=threads, device=device, backend=backend)
    if device.startswith("cuda") and torch.cuda.is_available():
        info["gpu"] = torch.cuda.get_device_name(torch.device(device))
    return info
