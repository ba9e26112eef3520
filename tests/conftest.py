"""Shared fixtures. Tests run headless (QT_QPA_PLATFORM=offscreen) and offline."""

from __future__ import annotations

import os

import numpy as np
import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


@pytest.fixture(autouse=True)
def _isolated_home(tmp_path_factory, monkeypatch):
    """Every test gets its own MOBILENET_STUDIO_HOME unless it sets one: no test touches the
    user's real cache or results."""
    if "MOBILENET_STUDIO_HOME" not in os.environ:
        monkeypatch.setenv("MOBILENET_STUDIO_HOME", str(tmp_path_factory.mktemp("home")))


def sample_image(name: str) -> np.ndarray:
    """One of scikit-image's bundled photos as an RGB uint8 array (grayscale ones stay 2-D)."""
    import skimage.data

    return getattr(skimage.data, name)()
