"""One process-wide lock for model forward passes started by GUI pages.

Why: engine.analysis.layers.analyze_layers (behind api.model_stats) counts MAdds with torch's
FlopCounterMode, whose module tracking uses *global* module hooks: a forward pass of any model
in another thread at the same moment moves FLOPs to the wrong layers (mobilenet_v2 at 224 came
out as 289.9 M MAdds instead of 300.8 M while the Classify page ran). Until the engine counts
per thread, pages that run forward passes hold this lock around them.
"""

from __future__ import annotations

import threading

FORWARD_LOCK = threading.RLock()
