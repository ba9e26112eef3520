"""Latency measurement: whole model and per layer, with the machine it ran on."""
