"""Where the app's files live: shipped assets next to the code, user data per platform."""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs

ASSETS = Path(__file__).resolve().parent.parent / "assets"
APP = "mobilenet-studio"


def user_home() -> Path:
    """Root for caches and results; MOBILENET_STUDIO_HOME overrides the platform folders."""
    override = os.environ.get("MOBILENET_STUDIO_HOME")
    return Path(override) if override else Path(platformdirs.user_data_dir(APP))


def cache_dir() -> Path:
    override = os.environ.get("MOBILENET_STUDIO_HOME")
    return Path(override) / "cache" if override else Path(platformdirs.user_cache_dir(APP))


def labels(name: str) -> list[str]:
    """A label list from assets/labels (imagenet, coco91, voc)."""
    return (ASSETS / "labels" / f"{name}.txt").read_text(encoding="utf-8").splitlines()
