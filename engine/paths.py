"""Where the app's files live: shipped assets next to the code, user data per platform.

Assets: the top-level `assets/` folder of a source checkout ships in the wheel as package data,
`engine/assets` (setup.py maps it), and is found with importlib.resources. A checkout has no
`engine/assets`, so there the repository's `assets/` is used as it is."""

from __future__ import annotations

import os
from importlib import resources
from pathlib import Path

import platformdirs

from engine.errors import InvalidInput, MissingData

APP = "mobilenet-studio"
HOME_ENV = "MOBILENET_STUDIO_HOME"


def _assets_root() -> Path:
    packaged = resources.files(__package__) / "assets"
    if isinstance(packaged, Path) and packaged.is_dir():  # installed from the wheel
        return packaged
    return Path(__file__).resolve().parent.parent / "assets"  # source checkout (or editable install)


ASSETS = _assets_root()


def asset(*parts: str) -> Path:
    """A shipped data file, e.g. asset("papers", "v2.csv"); MissingData names it when it is absent."""
    path = ASSETS.joinpath(*parts)
    if not path.is_file():
        raise MissingData(f"the app's data file {path} is missing: the installation is incomplete; "
                          f"reinstall mobilenet-studio")
    return path


def _usable_folder(path: Path, what: str) -> Path:
    """Create `path` if needed; one line naming the folder and the way out when that cannot be done."""
    if path.exists() and not path.is_dir():
        raise InvalidInput(f"{what} {path} is a file, not a folder; valid: a folder that exists or can "
                           f"be created (set {HOME_ENV} to one)")
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InvalidInput(f"{what} {path} cannot be created ({exc.strerror or exc}); valid: a folder that "
                           f"exists or can be created (set {HOME_ENV} to one)") from None
    if not os.access(path, os.W_OK | os.X_OK):
        raise InvalidInput(f"{what} {path} is not writable; valid: a writable folder (set {HOME_ENV} to one)")
    return path


def user_home() -> Path:
    """Root for results; MOBILENET_STUDIO_HOME overrides the platform folders. Created on first use."""
    override = os.environ.get(HOME_ENV)
    if override:
        return _usable_folder(Path(override), HOME_ENV)
    return _usable_folder(Path(platformdirs.user_data_dir(APP)), "the user data folder")


def cache_dir() -> Path:
    """Root for converted weights and exported models (inside MOBILENET_STUDIO_HOME when it is set)."""
    override = os.environ.get(HOME_ENV)
    if override:
        return _usable_folder(_usable_folder(Path(override), HOME_ENV) / "cache", "the cache folder")
    return _usable_folder(Path(platformdirs.user_cache_dir(APP)), "the user cache folder")


def user_folders() -> tuple[Path, Path]:
    """(home, cache), created and checked: the start-up check that names a bad MOBILENET_STUDIO_HOME."""
    return user_home(), cache_dir()


def labels(name: str) -> list[str]:
    """A label list from assets/labels (imagenet, coco91, voc)."""
    return asset("labels", f"{name}.txt").read_text(encoding="utf-8").splitlines()
