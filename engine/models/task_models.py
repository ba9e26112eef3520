"""Imports every module that registers detection / segmentation models in the catalog.

Each such module calls `engine.models.catalog.MODELS.add(...)` at import time. Add one import
line per module here (sorted)."""
import engine.models.detection  # noqa: F401
import engine.models.segmentation  # noqa: F401
