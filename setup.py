"""Packaging that pyproject.toml cannot say on its own: the top-level `assets/` folder ships inside
the wheel as `engine/assets` (package data of a mapped package), so an installed app finds its
data next to its code and reads it with importlib.resources. Everything else is in pyproject.toml.

Every file under assets/ is included (a recursive glob), so new data needs no edit here."""

from setuptools import find_namespace_packages, find_packages, setup

ASSET_PACKAGES = ["engine.assets"] + [f"engine.assets.{sub}" for sub in find_namespace_packages(where="assets")]

setup(
    packages=find_packages(include=["engine", "engine.*", "gui", "gui.*"]) + ASSET_PACKAGES,
    package_dir={"engine.assets": "assets"},
    package_data={package: ["*"] for package in ASSET_PACKAGES},
)
