"""What the coreml backend asks of the graph passes (:mod:`webnn.passes`) before lowering.

Kept apart from the backend module, which imports coremltools.
"""

from __future__ import annotations

#: The passes, in order.
PIPELINE = ("canonical_layout", "decompose", "fold", "sink_transposes", "noop", "cse", "dce")
#: Ops lowered by the shared decompositions instead of a lowering of their own (MIL has no
#: hard-swish; its linear_activation is alpha * x + beta in one op, the spec's is two roundings).
DECOMPOSE: frozenset[str] = frozenset({"linear", "hard_swish"})
#: MIL's conv / pool take NCHW inputs, OIHW filters (conv_transpose: IOHW).
LAYOUT = "nchw"
