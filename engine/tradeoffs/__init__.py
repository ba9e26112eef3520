"""Accuracy–latency trade-offs: the papers' published numbers, sweeps measured on this machine,
their join, the Pareto frontier and the latency-budget recommendation."""
