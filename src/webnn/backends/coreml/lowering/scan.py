"""cumulative_sum: MIL's cumsum (floats only: int32 sums may overflow, which MIL leaves
undefined)."""

from __future__ import annotations

from typing import Any

from . import FLOATS, OpLowering, lowering


@lowering("cumulative_sum", types=FLOATS)
def cumulative_sum(e: OpLowering) -> Any:
    return e.mb.cumsum(x=e.input("input"), axis=int(e.attrs["axis"]), exclusive=bool(e.attrs["exclusive"]),
                       reverse=bool(e.attrs["reversed"]))
