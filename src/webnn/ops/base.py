"""How ops are defined: one decorated function per op holds the spec.

An op definition is a function whose first parameter is a :class:`Check`, whose
other positional parameters are the spec's positional arguments (in spec order)
and whose keyword-only parameters are the spec's options with their defaults::

    @op("conv2d", limits={"input": limit(FLOATS, 4), "filter": limit(same("input"), 4),
                          "bias": limit(same("input"), 1), "output": limit(same("input"), 4)})
    def conv2d(c: Check, input: Operand, filter: Operand, *, padding=None, ..., bias=None):
        ...
        return c.output(input.data_type, shape, padding=padding, ...)

Parameters named in ``limits`` are operands; the function receives their
:class:`OperandDescriptor`, already checked against the table's data types and
ranks (the spec's "tensor limits" tables).  The function performs the rest of
the spec's validation steps and returns the output descriptor(s) and the
normalized attributes that go into the graph IR.  The same table answers
``MLContext.op_support_limits()``.
"""

from __future__ import annotations

import inspect
import math
import operator
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from importlib import import_module
from types import MappingProxyType
from typing import Any, NamedTuple, NoReturn

import numpy as np

from .. import dtypes
from ..dtypes import ALL_DATA_TYPES, FLOAT_TYPES, SPEC_DATA_TYPES
from ..errors import ValidationError, op_prefix
from ..ir import MAX_DIMENSION, MAX_RANK, MAX_TENSOR_BYTE_LENGTH, OperandDescriptor
from .names import FAMILY_OPS, JS_NAME_EXCEPTIONS, OP_FAMILY

#: The descriptor an op definition receives for each operand parameter.
Operand = OperandDescriptor

#: The implementation's bounds (defined with the IR): highest rank where the spec allows any
#: ("N"), largest dimension, largest tensor in bytes.
N = MAX_RANK

ANY = SPEC_DATA_TYPES
FLOATS = FLOAT_TYPES
__all__ = [
    "ANY", "FLOATS", "MAX_RANK", "N", "Check", "OpDef", "Operand", "Result", "Same",
    "TensorLimit", "OPS", "limit", "op", "same", "bidirectional_broadcast",
    "unidirectional_broadcast", "ALL_DATA_TYPES",
]


# --------------------------------------------------------------------------- limits


class Same(NamedTuple):
    """"Same as" another operand of the op (its data type or its rank)."""

    operand: str


def same(operand: str) -> Same:
    return Same(operand)


class TensorLimit(NamedTuple):
    """One row of a spec "tensor limits" table."""

    data_types: tuple[str, ...] | Same
    ranks: tuple[int, int] | Same
    many: bool = False
    """The parameter is a sequence of operands (``concat``'s ``inputs``)."""


def limit(
    data_types: Sequence[str] | Same, ranks: int | tuple[int, int] | Same, *, many: bool = False
) -> TensorLimit:
    """A table row: allowed data types, and a rank, a ``(min, max)`` range or ``same(...)``."""
    if isinstance(ranks, int):
        ranks = (ranks, ranks)
    types = (
        data_types if isinstance(data_types, Same)
        else tuple(sorted(set(data_types), key=ALL_DATA_TYPES.index))
    )
    return TensorLimit(types, ranks, many)


# --------------------------------------------------------------------------- checks

UINT32_MAX = 2**32 - 1
INT32_MIN, INT32_MAX = -(2**31), 2**31 - 1


def _plain_ints(value: Any, length: int | None, lo: int, hi: int) -> tuple[int, ...] | None:
    """``value`` as a tuple when it is a list or tuple of plain ints in ``[lo, hi]`` (of
    ``length`` items, when given): the common case, checked without naming each item; None
    otherwise (the caller then checks item by item, and reports the first that is wrong)."""
    if type(value) is not tuple and type(value) is not list:
        return None
    if length is not None and len(value) != length:
        return None
    for v in value:
        if type(v) is not int or not lo <= v <= hi:
            return None
    return tuple(value)


class Check:
    """Validation helpers bound to one op call; every failure is a ``TypeError``
    whose message names the op, its label and the rule broken."""

    __slots__ = ("op", "label", "_constants")

    def __init__(self, op: str, label: str = "", constants: Mapping[str, np.ndarray] | None = None) -> None:
        self.op = op
        self.label = label
        self._constants = {} if constants is None else constants

    def constant(self, name: str) -> np.ndarray | None:
        """The value of operand parameter ``name`` when it is a graph constant, else None.

        Only for validation that the spec (or good sense) asks of constant values,
        such as a quantization scale of zero; the IR never depends on it.
        """
        return self._constants.get(name)

    # -- failing
    def fail(self, message: str) -> NoReturn:
        raise ValidationError(f"{op_prefix(self.op, self.label)}: {message}")

    def check(self, condition: object, message: str) -> None:
        if not condition:
            self.fail(message)

    # -- results
    def output(self, data_type: str, shape: Sequence[int], **attrs: Any) -> Result:
        """One output of ``data_type`` and ``shape``, with normalized attributes."""
        return Result(OperandDescriptor(data_type, tuple(map(int, shape))), attrs)

    def outputs(self, descriptors: Sequence[OperandDescriptor], **attrs: Any) -> Result:
        """Several outputs (``split``, ``lstm``): the builder returns a list."""
        return Result(list(descriptors), attrs)

    # -- scalar options (WebIDL conversions, stricter where Python allows more)
    def integer(self, name: str, value: Any, lo: int, hi: int) -> int:
        if type(value) is int and lo <= value <= hi:  # (the common case, checked first)
            return value
        if isinstance(value, bool | np.bool_):
            self.fail(f"{name} must be an integer, not a bool")
        if isinstance(value, float | np.floating) and float(value).is_integer():
            value = int(value)
        try:
            result = operator.index(value)
        except TypeError:
            self.fail(f"{name} must be an integer, got {type(value).__name__} {value!r}")
        if not lo <= result <= hi:
            self.fail(f"{name} {result} is out of range [{lo}, {hi}]")
        return result

    def uint(self, name: str, value: Any) -> int:
        """``[EnforceRange] unsigned long``."""
        return self.integer(name, value, 0, UINT32_MAX)

    def int32(self, name: str, value: Any) -> int:
        """``[EnforceRange] long``."""
        return self.integer(name, value, INT32_MIN, INT32_MAX)

    def uints(self, name: str, value: Any, length: int | None = None) -> tuple[int, ...]:
        """``sequence<[EnforceRange] unsigned long>``, optionally of a fixed length."""
        return _plain_ints(value, length, 0, UINT32_MAX) or self._sequence(name, value, length, self.uint)

    def int32s(self, name: str, value: Any, length: int | None = None) -> tuple[int, ...]:
        return _plain_ints(value, length, INT32_MIN, INT32_MAX) or self._sequence(name, value, length, self.int32)

    def _sequence(
        self, name: str, value: Any, length: int | None, item: Callable[[str, Any], Any]
    ) -> tuple[Any, ...]:
        if (
            isinstance(value, str | bytes)
            or not isinstance(value, Sequence | np.ndarray)
            or (isinstance(value, np.ndarray) and value.ndim != 1)
        ):
            self.fail(f"{name} must be a sequence, got {type(value).__name__}")
        items = tuple(item(f"{name}[{i}]", v) for i, v in enumerate(value))
        if length is not None and len(items) != length:
            self.fail(f"{name} must have {length} items, got {len(items)}")
        return items

    def floats(self, name: str, value: Any, length: int | None = None) -> tuple[float, ...]:
        return self._sequence(name, value, length, self.float32)

    def float32(self, name: str, value: Any) -> float:
        """WebIDL ``float``: a finite number representable in float32."""
        number = self.double(name, value)
        if not math.isfinite(number) or not math.isfinite(np.float32(number)):
            self.fail(f"{name} must be a finite float32 number, got {value!r}")
        return float(np.float32(number))

    def double(self, name: str, value: Any) -> float:
        """WebIDL ``unrestricted double``."""
        if isinstance(value, bool | np.bool_) or not isinstance(value, int | float | np.number):
            self.fail(f"{name} must be a number, got {type(value).__name__} {value!r}")
        return float(value)

    def number(self, name: str, value: Any, data_type: str) -> int | float:
        """An ``MLNumber`` cast to ``data_type`` (the spec's "cast" algorithm)."""
        if isinstance(value, bool | np.bool_) or not isinstance(value, int | float | np.number):
            self.fail(f"{name} must be a number, got {type(value).__name__} {value!r}")
        return cast_number(value, data_type)

    def boolean(self, name: str, value: Any) -> bool:
        if not isinstance(value, bool | np.bool_):
            self.fail(f"{name} must be a bool, got {type(value).__name__} {value!r}")
        return bool(value)

    def enum(self, name: str, value: Any, allowed: Sequence[str]) -> str:
        if not isinstance(value, str) or value not in allowed:
            self.fail(f"{name} must be one of {', '.join(map(repr, allowed))}, got {value!r}")
        return value

    def data_type(self, name: str, value: Any, allowed: Sequence[str] = ALL_DATA_TYPES) -> str:
        """A data type name; NumPy dtypes and scalar types (``np.float32``) are taken too."""
        return self.enum(name, dtypes.normalize(value), allowed)

    def axis(self, name: str, value: Any, rank: int) -> int:
        """An axis in ``[0, rank)`` (the spec's axes do not count from the end)."""
        if isinstance(value, int | np.integer) and not isinstance(value, bool) and value < 0:
            self.fail(f"{name} {value} is out of bounds for rank {rank} (axes are 0 to {rank - 1})")
        axis = self.uint(name, value)
        if axis >= rank:
            self.fail(f"{name} {axis} is out of bounds for rank {rank}")
        return axis

    def axes(self, name: str, value: Any, rank: int) -> tuple[int, ...]:
        """Distinct axes in ``[0, rank)``."""
        if isinstance(value, Sequence) and not isinstance(value, str | bytes):
            for i, axis in enumerate(value):
                if isinstance(axis, int | np.integer) and not isinstance(axis, bool) and axis < 0:
                    self.fail(f"{name}[{i}] {axis} is out of bounds for rank {rank} (axes are 0 to {rank - 1})")
        axes = self.uints(name, value)
        for axis in axes:
            if axis >= rank:
                self.fail(f"{name} contains {axis}, out of bounds for rank {rank}")
        if len(set(axes)) != len(axes):
            self.fail(f"{name} {list(axes)} contains duplicates")
        return axes

    def dimension(self, name: str, value: int) -> int:
        """A valid dimension: positive and at most 2**31 - 1."""
        if not 0 < value <= MAX_DIMENSION:
            self.fail(f"{name} {value} is not a valid dimension (1 to {MAX_DIMENSION})")
        return value

    def same_data_type(self, a_name: str, a: Operand, b_name: str, b: Operand) -> None:
        if a.data_type != b.data_type:
            self.fail(f"{a_name} data type {a.data_type} != {b_name} data type {b.data_type}")


def cast_number(value: int | float | np.number, data_type: str) -> int | float:
    """The spec's *cast* of an abstract number to ``data_type`` (ConvertToFloat / ConvertToInt)."""
    info = dtypes.info(data_type)
    if info.is_float:
        if isinstance(value, int) and abs(value) >= 2**1024:
            return math.inf if value > 0 else -math.inf
        with np.errstate(over="ignore"):
            return float(info.numpy.type(float(value)))
    if isinstance(value, float | np.floating):
        number = float(value)
        if math.isnan(number):
            return 0
        if math.isinf(number):
            return int(info.min) if number < 0 else int(info.max)
        clamped = min(max(number, info.min), info.max)
        return int(round(clamped))  # round() is half-to-even
    return int(min(max(int(value), info.min), info.max))


# --------------------------------------------------------------------------- shapes


def bidirectional_broadcast(a: Sequence[int], b: Sequence[int]) -> tuple[int, ...] | None:
    """The broadcast shape of ``a`` and ``b``, or None if they are incompatible."""
    if a == b:
        return tuple(a)
    size = max(len(a), len(b))
    pa = (1,) * (size - len(a)) + tuple(a)
    pb = (1,) * (size - len(b)) + tuple(b)
    out = []
    for x, y in zip(pa, pb):
        if x != y and x != 1 and y != 1:
            return None
        out.append(max(x, y))
    return tuple(out)


def unidirectional_broadcast(source: Sequence[int], target: Sequence[int]) -> tuple[int, ...] | None:
    """``target`` if ``source`` broadcasts to it, else None."""
    if len(source) > len(target):
        return None
    padded = (1,) * (len(target) - len(source)) + tuple(source)
    for x, y in zip(padded, target):
        if x != y and x != 1:
            return None
    return tuple(target)


# --------------------------------------------------------------------------- registry


class Result(NamedTuple):
    """What an op definition returns: its output descriptor(s) and normalized attributes."""

    outputs: OperandDescriptor | list[OperandDescriptor]
    attrs: Mapping[str, Any] = MappingProxyType({})


class Param(NamedTuple):
    name: str
    js_name: str
    kind: str
    """``"operand"``, ``"operands"`` (a sequence) or ``"value"``."""
    positional: bool
    default: Any = inspect.Parameter.empty

    @property
    def required(self) -> bool:
        return self.default is inspect.Parameter.empty


def camel(name: str) -> str:
    """snake_case to the spec's camelCase (``keep_dimensions`` -> ``keepDimensions``)."""
    head, *rest = name.split("_")
    return head + "".join(part[:1].upper() + part[1:] for part in rest)


def snake(name: str) -> str:
    """camelCase to snake_case (``keepDimensions`` -> ``keep_dimensions``)."""
    return re.sub(r"(?<=[a-z0-9])([A-Z])", r"_\1", name).lower()


class OpDef:
    """Everything the spec says about one op, in one place."""

    __slots__ = (
        "name", "js_name", "func", "params", "limits", "doc", "_by_name", "positional", "options",
        "_output_limit", "param_kinds",
    )

    def __init__(
        self,
        name: str,
        js_name: str,
        func: Callable[..., Any],
        params: tuple[Param, ...],
        limits: Mapping[str, TensorLimit],
        doc: str = "",
    ) -> None:
        self.name = name
        self.js_name = js_name
        self.func = func
        self.params = params
        self.limits = MappingProxyType(dict(limits))
        self.doc = doc
        self._by_name = {p.name: p for p in params} | {p.js_name: p for p in params}
        self.positional = tuple(p for p in params if p.positional)
        self.options = tuple(p for p in params if not p.positional)
        #: (name, kind, required) per parameter, for the builder's per-call loop.
        self.param_kinds = tuple((p.name, p.kind, p.required) for p in params)
        #: The limits-table key of each output index (index 0..2), or None.
        self._output_limit = tuple(
            next((n for n in (f"output{i}", "output", "outputs") if n in limits), None) for i in range(3)
        )

    def __repr__(self) -> str:
        return f"OpDef({self.name!r})"

    @property
    def multi_output(self) -> bool:
        """The op returns a list of operands (``split``, ``lstm``, ...)."""
        return "outputs" in self.limits or "output0" in self.limits

    def bind(self, args: Sequence[Any], kwargs: Mapping[str, Any]) -> tuple[dict[str, Any], str]:
        """Map a call's arguments to parameter values (defaults filled in) and the label.

        The spec's options dictionary may come as a trailing positional mapping
        (camelCase or snake_case keys), as keyword arguments, or both.  None stands for an
        argument not given (its default), as ``undefined`` does in the spec's JavaScript.
        """
        positional = self.positional
        prefix = self.name
        values: dict[str, Any] = {}
        options: Mapping[str, Any] = {}
        if len(args) == len(positional) and not kwargs:  # the common case: no options at all
            for p, value in zip(positional, args):
                values[p.name] = value
            for p in self.options:
                values[p.name] = p.default
            return values, ""
        args = list(args)
        if len(args) == len(positional) + 1:
            options = args.pop()
            if options is None:
                options = {}
            elif not isinstance(options, Mapping):
                raise ValidationError(
                    f"{prefix}: the argument after {', '.join(p.name for p in positional)} must be an "
                    f"options dict, got {type(options).__name__}"
                )
        elif len(args) > len(positional) + 1:
            raise ValidationError(
                f"{prefix}: takes {len(positional)} positional arguments and an options dict, "
                f"got {len(args)} arguments"
            )
        for p, value in zip(positional, args):
            values[p.name] = value
        label: Any = ""
        for source, items in (("options", options), ("keyword", kwargs)):
            for key, value in items.items():
                if key == "label":
                    label = value
                    continue
                p = self._by_name.get(key) if isinstance(key, str) else None
                if p is None or (source == "keyword" and key != p.name):
                    known = ", ".join(p.name for p in self.params) + ", label"
                    raise ValidationError(f"{prefix}: unknown {source} argument {key!r} (known: {known})")
                if p.name in values:
                    raise ValidationError(f"{prefix}: argument {p.name!r} given more than once")
                values[p.name] = value
        if not isinstance(label, str):
            raise ValidationError(f"{prefix}: label must be a string, got {type(label).__name__}")
        for p in self.params:
            if p.required:
                if p.name not in values:
                    raise ValidationError(f"{op_prefix(prefix, label)}: missing required argument {p.name!r}")
            elif values.get(p.name) is None:  # absent, or None: "not given", as the spec's undefined
                values[p.name] = p.default
        return values, label

    def infer(self, c: Check, descs: Mapping[str, Any], call: Mapping[str, Any]) -> Result:
        """The spec's validation steps and output descriptors of one call.

        ``descs`` maps the operand parameters to their descriptors (None where absent);
        ``call`` maps every parameter to its descriptor or value.  Raises ``TypeError``
        naming the op, its label and the rule broken.  The builder and the graph passes both
        add operations through here, so a rewritten graph is validated like user code.
        """
        self.check_operands(c, descs)
        result = self.func(c, **call)
        if type(result) is not Result:
            result = Result(result)
        self.check_outputs(c, descs, result.outputs if type(result.outputs) is list else [result.outputs])
        return result

    def check_operands(self, c: Check, descs: Mapping[str, Any]) -> None:
        """The table part of validation: data types and ranks of the operand arguments."""
        for name, lim in self.limits.items():
            value = descs.get(name)
            if value is None:
                continue
            types, ranks = lim.data_types, lim.ranks
            if type(types) is Same or type(ranks) is Same:  # resolved against the other operands
                types, ranks = self.resolve_types(name, descs), self.resolve_ranks(name, descs)
            lo, hi = ranks
            for i, desc in enumerate(value if lim.many else (value,)):
                if desc.data_type not in types or not lo <= len(desc.shape) <= hi:
                    label = f"{name}[{i}]" if lim.many else name
                    if desc.data_type not in types:
                        c.fail(f"{label} data type {desc.data_type} is not allowed (allowed: {', '.join(types)})")
                    want = str(lo) if lo == hi else f"{lo} to {hi}"
                    c.fail(f"{label} rank {desc.rank} is not allowed (allowed: {want})")

    def check_outputs(self, c: Check, descs: Mapping[str, Any], outputs: Sequence[OperandDescriptor]) -> None:
        for index, desc in enumerate(outputs):
            name = self._output_limit[min(index, 2)]
            shape = desc.shape
            if shape and (min(shape) < 1 or max(shape) > MAX_DIMENSION):
                bad = next(d for d in shape if not 0 < d <= MAX_DIMENSION)
                c.dimension("output dimension", bad)
            count = math.prod(shape)
            if count > MAX_DIMENSION:
                c.fail(f"output element count {count} exceeds {MAX_DIMENSION}")
            if count * _ITEMSIZE[desc.data_type] > MAX_TENSOR_BYTE_LENGTH:
                c.fail(f"output byte length {desc.byte_length} exceeds {MAX_TENSOR_BYTE_LENGTH}")
            if name is None:
                continue
            types = self.limits[name].data_types
            if type(types) is Same and descs.get(types.operand) is not None and not self.limits[types.operand].many:
                allowed: tuple[str, ...] = (descs[types.operand].data_type,)
            else:
                allowed = self.resolve_types(name, descs)
            if desc.data_type not in allowed:
                c.fail(f"output data type {desc.data_type} is not allowed (allowed: {', '.join(allowed)})")
            # The tables' output ranks describe rather than restrict (the spec's rank rules are
            # for input operands; e.g. gather of a 1-D input at scalar indices is a scalar
            # although its table says 1 to N): only the implementation's maximum applies.
            if desc.rank > MAX_RANK:
                c.fail(f"output rank {desc.rank} exceeds the maximum rank {MAX_RANK}")

    def resolve_types(self, name: str, descs: Mapping[str, Any] | None = None) -> tuple[str, ...]:
        """The allowed data types of ``name``; "same as x" resolves to x's data type if known."""
        types = self.limits[name].data_types
        seen = {name}
        while isinstance(types, Same):
            ref = types.operand
            if descs is not None and descs.get(ref) is not None:
                value = descs[ref]
                desc = value[0] if self.limits[ref].many else value
                return (desc.data_type,)
            if ref in seen:
                raise AssertionError(f"{self.name}: circular limits for {name}")
            seen.add(ref)
            types = self.limits[ref].data_types
        return types

    def resolve_ranks(self, name: str, descs: Mapping[str, Any] | None = None) -> tuple[int, int]:
        ranks = self.limits[name].ranks
        seen = {name}
        while isinstance(ranks, Same):
            ref = ranks.operand
            if descs is not None and descs.get(ref) is not None:
                value = descs[ref]
                desc = value[0] if self.limits[ref].many else value
                return (desc.rank, desc.rank)
            if ref in seen:
                raise AssertionError(f"{self.name}: circular limits for {name}")
            seen.add(ref)
            ranks = self.limits[ref].ranks
        return ranks

    def support_limits(self, restrict: Callable[[str], tuple[str, ...]] | None = None) -> dict[str, Any]:
        """This op's member of ``MLOpSupportLimits`` (camelCase keys, as in the spec)."""
        result: dict[str, Any] = {}
        for name in self.limits:
            types = self.resolve_types(name)
            if restrict is not None:
                types = tuple(t for t in types if t in restrict(self.name))
            lo, hi = self.resolve_ranks(name)
            result[camel(name)] = {"dataTypes": list(types), "rankRange": {"min": lo, "max": hi}}
        return result


_ITEMSIZE = {name: info.numpy.itemsize for name, info in dtypes.DATA_TYPES.items()}

#: The ops defined so far (their family modules imported), by name.
_DEFINED: dict[str, OpDef] = {}


class OpTable(Mapping[str, OpDef]):
    """Every op's :class:`OpDef`, by name.  An op's family module is imported when the op is
    first looked up; iterating imports every family (see :mod:`webnn.ops.names`)."""

    def __getitem__(self, name: str) -> OpDef:
        opdef = _DEFINED.get(name)
        if opdef is None:
            family = OP_FAMILY.get(name) if isinstance(name, str) else None
            if family is None:
                raise KeyError(name)
            import_module(f"{__package__}.{family}")
            opdef = _DEFINED[name]
        return opdef

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and name in OP_FAMILY

    def __iter__(self) -> Iterator[str]:
        for family in FAMILY_OPS:
            import_module(f"{__package__}.{family}")
        return iter(OP_FAMILY)

    def __len__(self) -> int:
        return len(OP_FAMILY)

    def __repr__(self) -> str:
        return f"OpTable({len(OP_FAMILY)} ops, {len(_DEFINED)} defined so far)"


OPS = OpTable()
#: The spec's camelCase op names -> snake_case names.
JS_NAMES: dict[str, str] = {JS_NAME_EXCEPTIONS.get(name, camel(name)): name for name in OP_FAMILY}
#: The signature of each op definition function (several ops may share one).
_SIGNATURES: dict[Callable[..., Any], inspect.Signature] = {}


def signature_of(opdef: OpDef) -> inspect.Signature:
    """The signature of ``opdef``'s definition function (read once)."""
    signature = _SIGNATURES.get(opdef.func)
    if signature is None:
        signature = _SIGNATURES[opdef.func] = inspect.signature(opdef.func)
    return signature
"""The spec's camelCase op name -> snake_case name."""


def op(
    name: str, *, limits: Mapping[str, TensorLimit], js_name: str | None = None, doc: str | None = None
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Register an op definition (see the module docstring).

    One function may define several ops (``add``, ``sub``, ...): register it once
    per name, with ``doc`` giving each op's own docstring.  ``js_name`` is the
    spec's camelCase name where it is not the plain camelCase of ``name``
    (``isNaN``, ``gatherND``).
    """

    def register(func: Callable[..., Any]) -> Callable[..., Any]:
        if name in _DEFINED:
            raise AssertionError(f"op {name} defined twice")
        family = func.__module__.rsplit(".", 1)[-1]
        if OP_FAMILY.get(name) != family or (js_name or camel(name)) != JS_NAME_EXCEPTIONS.get(name, camel(name)):
            raise AssertionError(f"op {name} ({family}, {js_name or camel(name)}): not so in webnn.ops.names")
        signature = _SIGNATURES.get(func)
        if signature is None:  # one function may define several ops: read it once
            signature = _SIGNATURES[func] = inspect.signature(func)
        params: list[Param] = []
        for p in list(signature.parameters.values())[1:]:
            lim = limits.get(p.name)
            kind = "value" if lim is None else ("operands" if lim.many else "operand")
            params.append(
                Param(
                    name=p.name,
                    js_name=camel(p.name),
                    kind=kind,
                    positional=p.kind is inspect.Parameter.POSITIONAL_OR_KEYWORD,
                    default=p.default,
                )
            )
        unknown = set(limits) - {p.name for p in params} - {"output", "outputs", "output0", "output1", "output2"}
        if unknown:
            raise AssertionError(f"op {name}: limits for unknown parameters {sorted(unknown)}")
        opdef = OpDef(name, js_name or camel(name), func, tuple(params), dict(limits), doc or func.__doc__ or "")
        _DEFINED[name] = opdef
        return func

    return register
