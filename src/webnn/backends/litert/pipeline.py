"""What the litert backend asks of the graph passes (:mod:`webnn.passes`) before lowering.

Kept apart from the backend module, which imports LiteRT.
"""

from __future__ import annotations

#: The passes, in order.
PIPELINE = ("canonical_layout", "decompose", "fold", "sink_transposes", "noop", "cse", "dce")
#: Ops lowered by the shared decompositions instead of a lowering of their own.
DECOMPOSE: frozenset[str] = frozenset({"linear", "hard_swish"})
#: TFLite's own layout: NHWC inputs, OHWI filters (conv2d and conv_transpose2d).
LAYOUT = "nhwc"
