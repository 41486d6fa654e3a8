"""What the openvino backend asks of the graph passes (:mod:`webnn.passes`) before lowering.

Kept apart from the backend module, which imports OpenVINO.
"""

from __future__ import annotations

#: The passes, in order.
PIPELINE = ("canonical_layout", "decompose", "fold", "sink_transposes", "noop", "cse", "dce")
#: Ops lowered by the shared decompositions instead of a lowering of their own.
DECOMPOSE: frozenset[str] = frozenset({"linear", "hard_swish"})
#: The one layout the lowerings take: NCHW inputs, OIHW / IOHW filters.
LAYOUT = "nchw"
