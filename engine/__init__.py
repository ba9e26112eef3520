"""MobileNet Studio's engine: models, analysis, weights, profiling. Qt-free by design."""

__version__ = "0.1.0"
