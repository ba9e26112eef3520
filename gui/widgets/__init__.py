"""Reusable widgets. They take plain data from their page (numbers, lists, numpy arrays, the result
dataclasses of engine.api, imported for annotations only) and never call the api themselves."""
