"""Reusable widgets. They take plain data from their page (numbers, lists, numpy arrays, the api's
result dataclasses, imported for annotations only) and never call the api themselves."""
