"""Imports every module that registers detection / segmentation models in the catalog.

Each such module calls `engine.models.info.MODELS.add(...)` at import time (it imports
engine.models.info, never the catalog, which imports this module). Add one import
line per module here (sorted)."""
import engine.models.detection  # noqa: F401
import engine.models.segmentation  # noqa: F401
