"""Call forms of code written for the ``pywebnn`` package, mapped onto the spec's API.

The spec's form stays the primary one: the builder binds every call the spec's way
first (operands positional, options as keywords or a trailing dict), and only a call
that does not bind that way comes here.  Each op that ``pywebnn`` calls differently
has one :class:`Adapter` in :data:`ADAPTERS`: the order in which ``pywebnn`` takes its
parameters positionally, its names for them, and, where the value's form differs, a
conversion to the spec's parameters.  What ``pywebnn`` offers beyond the spec's ops
(``where_``, ``squeeze``, ``unsqueeze``, the global pools) is in :data:`BUILDER_METHODS`,
each written with spec ops.

``docs/migrating-from-pywebnn.md`` lists every form, and what differs on purpose.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from .errors import ValidationError
from .ops.base import Check

if TYPE_CHECKING:
    from .builder import MLGraphBuilder, MLOperand
    from .ops.base import OpDef


@dataclass(frozen=True)
class Adapter:
    """How ``pywebnn`` calls one op."""

    #: Every parameter in the order ``pywebnn`` takes them positionally (spec names).
    order: tuple[str, ...]
    #: ``pywebnn`` keyword -> the spec's parameter name.
    aliases: Mapping[str, str] = field(default_factory=dict)
    #: Rewrites the bound values (``pywebnn`` names already mapped) into the spec's.
    convert: Callable[[str, dict[str, Any]], dict[str, Any]] | None = None


def _flat_padding(op: str, values: dict[str, Any]) -> dict[str, Any]:
    """``pad(input, padding)`` with one flat list, all beginnings then all endings (as
    ONNX's Pad): the spec's ``beginning_padding`` and ``ending_padding``."""
    padding = values.pop("padding", None)
    if padding is None:
        return values
    if "beginning_padding" in values or "ending_padding" in values:
        raise ValidationError(f"{op}: give padding, or beginning_padding and ending_padding, not both")
    if isinstance(padding, str | bytes) or not isinstance(padding, Sequence):
        raise ValidationError(f"{op}: padding must be a list of 2 * rank integers, got {type(padding).__name__}")
    items = list(padding)
    if len(items) % 2:
        raise ValidationError(f"{op}: padding has {len(items)} items; it needs 2 * rank (all beginnings, then all endings)")
    half = len(items) // 2
    values["beginning_padding"], values["ending_padding"] = items[:half], items[half:]
    return values


def _spec_hard_swish(op: str, values: dict[str, Any]) -> dict[str, Any]:
    """``pywebnn``'s ``hard_swish(input, alpha, beta)`` computes the spec's hard_swish only
    with the default alpha = 1/6 and beta = 0.5; other values have no spec op."""
    for name, default in (("alpha", 1 / 6), ("beta", 0.5)):
        value = values.pop(name, None)
        if value is not None and abs(float(value) - default) > 1e-6:
            raise ValidationError(
                f"{op}: {name}={value!r} is not supported: the spec's hard_swish is "
                "x * max(0, min(6, x + 3)) / 6 (alpha 1/6, beta 0.5); write other slopes with "
                "hard_sigmoid(x, alpha=..., beta=...) and mul"
            )
    return values


_POOL = ("input", "window_dimensions", "strides", "dilations", "padding", "layout")
_REDUCE = ("input", "axes", "keep_dimensions")
_PADS = {"pads": "padding"}

#: op name -> how ``pywebnn`` calls it (ops absent here are called the same way).
ADAPTERS: dict[str, Adapter] = {
    "gemm": Adapter(("a", "b", "c", "alpha", "beta", "a_transpose", "b_transpose")),
    "conv2d": Adapter(("input", "filter", "strides", "dilations", "padding", "groups", "input_layout",
                       "filter_layout", "bias"), _PADS),
    "conv_transpose2d": Adapter(("input", "filter", "strides", "dilations", "padding", "output_padding",
                                 "output_sizes", "groups", "input_layout", "filter_layout", "bias"), _PADS),
    "average_pool2d": Adapter(_POOL, _PADS),
    "max_pool2d": Adapter(_POOL, _PADS),
    "l2_pool2d": Adapter(_POOL, _PADS),
    "batch_normalization": Adapter(("input", "mean", "variance", "scale", "bias", "epsilon", "axis")),
    "instance_normalization": Adapter(("input", "scale", "bias", "epsilon", "layout")),
    "layer_normalization": Adapter(("input", "scale", "bias", "epsilon", "axes")),
    **{name: Adapter(_REDUCE) for name in (
        "reduce_l1", "reduce_l2", "reduce_log_sum", "reduce_log_sum_exp", "reduce_max", "reduce_mean",
        "reduce_min", "reduce_product", "reduce_sum", "reduce_sum_square")},
    "transpose": Adapter(("input", "permutation")),
    "slice": Adapter(("input", "starts", "sizes", "strides")),
    "gather": Adapter(("input", "indices", "axis")),
    "gather_elements": Adapter(("input", "indices", "axis")),
    "split": Adapter(("input", "splits", "axis")),
    "pad": Adapter(("input", "padding", "mode", "value"), convert=_flat_padding),
    "arg_max": Adapter(("input", "axis", "keep_dimensions", "output_data_type")),
    "arg_min": Adapter(("input", "axis", "keep_dimensions", "output_data_type")),
    "scatter_elements": Adapter(("input", "indices", "updates", "axis")),
    "triangular": Adapter(("input", "upper", "diagonal")),
    "hard_sigmoid": Adapter(("input", "alpha", "beta")),
    "hard_swish": Adapter(("input", "alpha", "beta"), convert=_spec_hard_swish),
    "linear": Adapter(("input", "alpha", "beta")),
    "clamp": Adapter(("input", "min_value", "max_value")),
    "elu": Adapter(("input", "alpha")),
    "leaky_relu": Adapter(("input", "alpha")),
    "cumulative_sum": Adapter(("input", "axis", "exclusive", "reversed")),
    "resample2d": Adapter(("input", "mode", "scales", "sizes", "axes")),
}


def _adapter(opdef: OpDef) -> Adapter:
    adapter = ADAPTERS.get(opdef.name)
    if adapter is None:
        adapter = Adapter(tuple(p.name for p in opdef.params))
    return adapter


def adapt(opdef: OpDef, args: Sequence[Any], kwargs: Mapping[str, Any]) -> dict[str, Any] | None:
    """The keyword arguments, in the spec's names, of a call written the ``pywebnn`` way; None
    when the call is not one (the caller then reports why it does not bind the spec's way).

    ``x=`` names the first operand of any op (``pywebnn``'s name in unary ops)."""
    adapter = _adapter(opdef)
    order = adapter.order
    if len(args) > len(order) or any(isinstance(a, Mapping) for a in args):
        return None  # (a dict is the spec's options: the spec's error says what is wrong with it)
    values: dict[str, Any] = {}
    for name, value in zip(order, args):
        values[name] = value
    known = {p.name for p in opdef.params} | {"label"} | set(order)
    first = opdef.params[0].name if opdef.params else None
    for key, value in kwargs.items():
        name = adapter.aliases.get(key, key)
        if name == "x" and first is not None and "x" not in known:
            name = first
        if name not in known:
            return None
        if name in values:
            raise ValidationError(f"{opdef.name}: argument {name!r} given more than once")
        values[name] = value
    if adapter.convert is not None:
        values = adapter.convert(opdef.name, values)
    return values


# ---------------------------------------------------------------- builder methods beyond the spec
def where_(self: MLGraphBuilder, condition: MLOperand, true_value: MLOperand, false_value: MLOperand,
           **options: Any) -> MLOperand:
    """pywebnn's ``where``: like the spec's, except that the condition may have any data type,
    nonzero meaning true (NaN included, as in ``numpy.where``); the spec's ``where`` takes a
    uint8 condition only."""
    if getattr(condition, "data_type", "uint8") != "uint8":
        label = options.get("label", "")
        zero = self.constant(condition.data_type, 0)
        condition = self.not_equal(condition, zero, label=label)  # type: ignore[attr-defined]
    return self.where(condition, true_value, false_value, **options)  # type: ignore[attr-defined, no-any-return]


def squeeze(self: MLGraphBuilder, input: MLOperand, axes: Sequence[int] | None = None, *,
            label: str = "") -> MLOperand:
    """``reshape`` without the given size-1 axes (all size-1 axes when ``axes`` is None).

    Negative axes count from the end.  An axis whose size is not 1 is a ``TypeError``.
    """
    shape = getattr(input, "shape", None)
    if not isinstance(shape, list):  # (an MLOperand's shape is a list)
        raise ValidationError(f"squeeze: input must be an MLOperand, got {type(input).__name__}")
    rank = len(shape)
    c = Check("squeeze", label)
    if axes is None:
        drop = {i for i, d in enumerate(shape) if d == 1}
    else:
        drop = set()
        for i, a in enumerate(c.int32s("axes", axes)):
            c.check(-rank <= a < rank, f"axes[{i}] {a} is out of bounds for rank {rank}")
            a %= rank
            c.check(shape[a] == 1, f"axis {a} has size {shape[a]}, not 1")
            drop.add(a)
    return self.reshape(input, [d for i, d in enumerate(shape) if i not in drop], label=label)


def unsqueeze(self: MLGraphBuilder, input: MLOperand, axes: Sequence[int], *, label: str = "") -> MLOperand:
    """``reshape`` with size-1 axes inserted at ``axes`` (positions in the output; negative count
    from the end)."""
    shape = getattr(input, "shape", None)
    if not isinstance(shape, list):  # (an MLOperand's shape is a list)
        raise ValidationError(f"unsqueeze: input must be an MLOperand, got {type(input).__name__}")
    c = Check("unsqueeze", label)
    axes = c.int32s("axes", [axes] if isinstance(axes, int) else axes)
    rank = len(shape) + len(axes)
    positions = set()
    for i, a in enumerate(axes):
        c.check(-rank <= a < rank, f"axes[{i}] {a} is out of bounds for output rank {rank}")
        positions.add(a % rank)
    c.check(len(positions) == len(axes), f"axes {list(axes)} contains duplicates")
    dims = iter(shape)
    return self.reshape(input, [1 if i in positions else next(dims) for i in range(rank)], label=label)


def _global_pool(self: MLGraphBuilder, op: str, input: MLOperand, layout: Any, label: str) -> MLOperand:
    """The pool ``op`` over the whole spatial extent (its default window).  The checks come first,
    with pywebnn's wording, since these methods exist for code written for it."""
    shape = getattr(input, "shape", None)
    if isinstance(shape, list) and len(shape) != 4:
        raise ValidationError(f"{op}: Global pooling input must be 4D, got shape {shape}")
    if layout is not None and layout not in ("nchw", "nhwc"):
        raise ValidationError(f"{op}: Invalid layout {layout!r} (expected 'nchw' or 'nhwc')")
    pool = self.average_pool2d if op == "global_average_pool" else self.max_pool2d  # type: ignore[attr-defined]
    return pool(input, layout=layout or "nchw", label=label)  # type: ignore[no-any-return]


def global_average_pool(self: MLGraphBuilder, input: MLOperand, layout: Literal["nchw", "nhwc"] | None = None, *,
                        label: str = "") -> MLOperand:
    """The mean over the spatial dimensions: ``average_pool2d`` with its default window (the
    whole input), output [N, C, 1, 1], or [N, 1, 1, C] for ``layout="nhwc"``."""
    return _global_pool(self, "global_average_pool", input, layout, label)


def global_max_pool(self: MLGraphBuilder, input: MLOperand, layout: Literal["nchw", "nhwc"] | None = None, *,
                    label: str = "") -> MLOperand:
    """The maximum over the spatial dimensions: ``max_pool2d`` with its default window."""
    return _global_pool(self, "global_max_pool", input, layout, label)


#: Builder methods ``pywebnn`` has beyond the spec's ops.
BUILDER_METHODS: dict[str, Callable[..., Any]] = {
    "where_": where_,
    "squeeze": squeeze,
    "unsqueeze": unsqueeze,
    "global_average_pool": global_average_pool,
    "global_max_pool": global_max_pool,
}
