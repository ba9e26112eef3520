"""Reusable widgets. They take plain data (engine result types, numbers), never call the engine."""
