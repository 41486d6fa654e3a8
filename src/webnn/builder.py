"""``MLGraphBuilder`` and ``MLOperand``.

Every spec op is a builder method generated from its definition in
:mod:`webnn.ops`: the method binds the arguments, checks the operands against
the op's tensor-limits table, runs the op's validation and shape inference and
records an :class:`~webnn.ir.Operation`.  Nothing is computed here.
"""

from __future__ import annotations

import inspect
from collections.abc import Mapping, Sequence
from contextlib import AbstractContextManager
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

import numpy as np

from .arena import ConstantArena
from .compat import BUILDER_METHODS, adapt
from .descriptor import array_to_descriptor, buffer_to_array, check_byte_length, to_descriptor, values_array
from .errors import InvalidStateError, TensorStateError, ValidationError
from .fingerprint import prefetch
from .ir import Graph, OperandDescriptor, Operation, compact, freeze
from .ops import OPS, OpDef
from .ops.base import Check, Result, cast_number, signature_of
from .ops.names import OP_FAMILY

if TYPE_CHECKING:
    from .context import MLContext
    from .graph import MLGraph
    from .tensor import MLTensor


#: The attributes of an operation that has none (shared, read-only).
_NO_ATTRS = freeze({})

#: Validation outcomes by (op, operand descriptors, option values): validation depends on nothing
#: else (calls that involve constant operands, whose values some ops check, are not cached), so
#: an op called again with the same arguments, as graphs do all the time, skips it.
_VALIDATED: dict[tuple[Any, ...], Result] = {}
_VALIDATED_MAX = 4096
_PLAIN = (bool, int, float, str, type(None))


def _validation_key(opdef: OpDef, call: Mapping[str, Any]) -> tuple[Any, ...] | None:
    """A hashable key of a call's arguments, with every value's type (True is not 1 here), or
    None when an argument is not a plain value, a descriptor or a flat sequence of them."""
    items: list[Any] = [opdef]
    for name, value in call.items():
        kind = type(value)
        if kind is float:
            items.append((name, kind, value.hex()))  # -0.0 and 0.0 differ; NaN equals NaN
        elif kind in _PLAIN or kind is OperandDescriptor:
            items.append((name, kind, value))
        elif kind is tuple or kind is list:
            if not all(type(v) in _PLAIN or type(v) is OperandDescriptor for v in value):
                return None
            items.append((name, kind, tuple((type(v), v.hex() if type(v) is float else v) for v in value)))
        else:
            return None
    return tuple(items)

class MLOperand:
    """An operand of a graph under construction (immutable)."""

    __slots__ = ("_builder", "_id", "_desc", "_name", "_kind")

    def __init__(self, builder: MLGraphBuilder, id: int, desc: OperandDescriptor, kind: str, name: str | None = None):
        self._builder = builder
        self._id = id
        self._desc = desc
        self._kind = kind
        self._name = name

    @property
    def data_type(self) -> str:
        return self._desc.data_type

    @property
    def shape(self) -> list[int]:
        """The dimensions, as a new list (the spec's sequence; compare with ``== [2, 3]``)."""
        return list(self._desc.shape)

    @property
    def rank(self) -> int:
        return len(self._desc.shape)

    @property
    def descriptor(self) -> OperandDescriptor:
        return self._desc

    @property
    def name(self) -> str | None:
        """The input name for graph inputs, else None."""
        return self._name

    @property
    def dtype(self) -> np.dtype:
        """The NumPy dtype of the operand's values (``int8`` / ``uint8`` for int4 / uint4)."""
        return self._desc.numpy_dtype

    def __repr__(self) -> str:
        what = f"input {self._name!r}" if self._kind == "input" else self._kind
        return f"MLOperand({what}, {self._desc})"

    # Operators build the spec's ops (a + b is builder.add(a, b)); a number on either side becomes
    # a scalar constant of the operand's data type.  == and != keep Python's meaning (identity:
    # operands are dict keys and list items); use builder.equal / not_equal.
    def _other(self, other: Any) -> MLOperand:
        if isinstance(other, MLOperand):
            return other
        if isinstance(other, bool) or not isinstance(other, int | float | np.number):
            raise ValidationError(
                f"an MLOperand combines with an MLOperand or a number, not {type(other).__name__}")
        return self._builder.constant(self.data_type, other)

    def _binary(self, op: str, other: Any, reverse: bool = False) -> MLOperand:
        try:
            b = self._other(other)
        except ValidationError:
            return NotImplemented
        method = getattr(self._builder, op)
        return method(b, self) if reverse else method(self, b)

    def __add__(self, other: Any) -> MLOperand:
        return self._binary("add", other)

    def __radd__(self, other: Any) -> MLOperand:
        return self._binary("add", other, True)

    def __sub__(self, other: Any) -> MLOperand:
        return self._binary("sub", other)

    def __rsub__(self, other: Any) -> MLOperand:
        return self._binary("sub", other, True)

    def __mul__(self, other: Any) -> MLOperand:
        return self._binary("mul", other)

    def __rmul__(self, other: Any) -> MLOperand:
        return self._binary("mul", other, True)

    def __truediv__(self, other: Any) -> MLOperand:
        return self._binary("div", other)

    def __rtruediv__(self, other: Any) -> MLOperand:
        return self._binary("div", other, True)

    def __pow__(self, other: Any) -> MLOperand:
        return self._binary("pow", other)

    def __rpow__(self, other: Any) -> MLOperand:
        return self._binary("pow", other, True)

    def __matmul__(self, other: Any) -> MLOperand:
        return self._binary("matmul", other) if isinstance(other, MLOperand) else NotImplemented

    def __rmatmul__(self, other: Any) -> MLOperand:
        return self._binary("matmul", other, True) if isinstance(other, MLOperand) else NotImplemented

    def __lt__(self, other: Any) -> MLOperand:
        return self._binary("lesser", other)

    def __le__(self, other: Any) -> MLOperand:
        return self._binary("lesser_or_equal", other)

    def __gt__(self, other: Any) -> MLOperand:
        return self._binary("greater", other)

    def __ge__(self, other: Any) -> MLOperand:
        return self._binary("greater_or_equal", other)

    def __neg__(self) -> MLOperand:
        return self._builder.neg(self)  # type: ignore[attr-defined, no-any-return]

    def __abs__(self) -> MLOperand:
        return self._builder.abs(self)  # type: ignore[attr-defined, no-any-return]

    __hash__ = object.__hash__


class MLGraphBuilder:
    """Builds a computational graph one operation at a time (the spec's ``MLGraphBuilder``)."""

    def __init__(self, context: MLContext) -> None:
        from .context import MLContext

        if not isinstance(context, MLContext):
            raise ValidationError(f"MLGraphBuilder needs an MLContext, got {type(context).__name__}")
        if context.is_lost:
            raise InvalidStateError("MLGraphBuilder: the context is lost (destroyed)")
        self._context = context
        self._built = False
        self._operands: list[OperandDescriptor] = []
        self._operations: list[Operation] = []
        self._producer: dict[int, int] = {}
        self._inputs: dict[str, int] = {}
        self._constants: dict[int, np.ndarray] = {}
        self._constant_tensors: dict[int, MLTensor] = {}
        self._arena = ConstantArena()

    @property
    def context(self) -> MLContext:
        return self._context

    # ------------------------------------------------------------------ state
    def _checkpoint(self) -> tuple[int, int]:
        """The builder's extent now; ``_rollback`` forgets everything added after it."""
        return len(self._operands), len(self._operations)

    def _rollback(self, checkpoint: tuple[int, int]) -> None:
        """Forget the operands, operations, inputs and constants added since ``checkpoint``
        (for multi-op additions such as an ONNX import that fail part-way)."""
        operands, operations = checkpoint
        del self._operands[operands:]
        del self._operations[operations:]
        for table in (self._producer, self._constants, self._constant_tensors):
            for key in [k for k in table if k >= operands]:
                del table[key]
        for name in [n for n, i in self._inputs.items() if i >= operands]:
            del self._inputs[name]

    @property
    def input_names(self) -> list[str]:
        """The names of the inputs added so far, in order."""
        return list(self._inputs)

    def check_usable(self, what: str) -> None:
        """``InvalidStateError`` (naming ``what``) when this builder has built its graph or its
        context is lost: for tools that add many operations at once (an import)."""
        self._check_can_build(what)

    def _check_can_build(self, what: str) -> None:
        if self._built:
            raise InvalidStateError(f"{what}: this builder has already built a graph")
        if self._context.is_lost:
            raise InvalidStateError(f"{what}: the context is lost (destroyed)")

    def _new_operand(self, desc: OperandDescriptor, kind: str, name: str | None = None) -> MLOperand:
        self._operands.append(desc)
        return MLOperand(self, len(self._operands) - 1, desc, kind, name)

    def _own(self, what: str, value: Any) -> MLOperand:
        if not isinstance(value, MLOperand):
            raise ValidationError(f"{what} must be an MLOperand, got {type(value).__name__}")
        if value._builder is not self:
            raise ValidationError(f"{what} belongs to another MLGraphBuilder")
        return value

    # ------------------------------------------------------------------ inputs and constants
    def input(self, name: str, descriptor: Any, data_type: str | None = None) -> MLOperand:
        """A named graph input.

        ``descriptor`` is ``{"dataType": ..., "shape": [...]}`` or a shape, with
        ``data_type`` (default ``"float32"``): ``builder.input("x", [1, 3], "float32")``.
        """
        self._check_can_build("input")
        if not isinstance(name, str) or not name:
            raise ValidationError(f"input: name must be a non-empty string, got {name!r}")
        if name in self._inputs:
            raise ValidationError(f"input: an input named {name!r} already exists")
        desc = to_descriptor(f"input {name!r}", descriptor, data_type)
        check_byte_length(f"input {name!r}", desc)
        operand = self._new_operand(desc, "input", name)
        self._inputs[name] = operand._id
        return operand

    def constant(
        self, *args: Any, value: Any = None, shape: Sequence[int] | None = None, data_type: str | None = None
    ) -> MLOperand:
        """A constant operand.  Accepted forms:

        - ``constant(array)``: a NumPy array of a WebNN dtype (``bool`` becomes ``uint8``);
          ``shape`` / ``data_type`` keywords convert a list or reshape;
        - ``constant(descriptor, buffer)``: the spec's form; ``buffer`` is an array of the
          descriptor's dtype, raw bytes, or a sequence of values;
        - ``constant(data_type, value)``: a scalar, cast to ``data_type`` as the spec says;
        - ``constant(tensor)``: a constant ``MLTensor`` from ``context.create_constant_tensor``;
        - ``constant(value, shape, data_type)`` and ``constant(value=...)``: pywebnn's forms
          (values converted to ``data_type``, which must hold them).
        """
        from .tensor import MLTensor

        if value is not None:
            if args:
                raise ValidationError("constant: the value is given both positionally and as value=")
            args = (value,)
        if len(args) == 3 or (len(args) == 2 and not isinstance(args[0], str | Mapping | OperandDescriptor)):
            # pywebnn's positional (value, shape[, data_type])
            if shape is not None or (len(args) == 3 and data_type is not None):
                raise ValidationError("constant: shape or data_type given both positionally and by keyword")
            shape = args[1]
            data_type = args[2] if len(args) == 3 else data_type
            args = args[:1]
        if len(args) == 1 and isinstance(args[0], MLTensor):
            return self._constant_from_tensor(args[0])
        self._check_can_build("constant")
        if len(args) == 2 and isinstance(args[0], str):
            dt, value = args
            desc = to_descriptor("constant", (), dt)
            if isinstance(value, bool) or not isinstance(value, int | float | np.number):
                raise ValidationError(f"constant: value must be a number, got {type(value).__name__}")
            array = np.array(cast_number(value, dt), dtype=desc.numpy_dtype)
        elif len(args) == 2:
            desc = to_descriptor("constant", args[0], data_type)
            array = buffer_to_array("constant", desc, args[1], self._arena)
        elif len(args) == 1:
            value = args[0]
            if isinstance(value, np.ndarray) and data_type is None:
                desc = array_to_descriptor("constant", value)
                if shape is not None:
                    desc = to_descriptor("constant", shape, desc.data_type)
            else:
                if isinstance(value, np.ndarray) and value.dtype.kind not in "biuf":
                    raise ValidationError(f"constant: array dtype {value.dtype} holds no numbers")
                values = values_array("constant", value)
                desc = to_descriptor(
                    "constant", values.shape if shape is None else shape, data_type or "float32"
                )
            array = buffer_to_array("constant", desc, value, self._arena)
        else:
            raise ValidationError(
                "constant: use constant(array), constant(descriptor, buffer), "
                "constant(data_type, value) or constant(tensor)"
            )
        check_byte_length("constant", desc)
        array.flags.writeable = False
        operand = self._new_operand(desc, "constant")
        self._constants[operand._id] = array
        if self._context._digests_ahead:
            prefetch(array)
        return operand

    def _constant_from_tensor(self, tensor: MLTensor) -> MLOperand:
        if tensor.context is not self._context:
            raise ValidationError("constant: the tensor belongs to another context")
        if tensor.destroyed:
            raise TensorStateError("constant: the tensor is destroyed")
        if not tensor.constant:
            raise ValidationError("constant: the tensor is not a constant tensor (use create_constant_tensor)")
        self._check_can_build("constant")
        operand = self._new_operand(tensor.descriptor, "constant")
        data = tensor._constant_data
        assert data is not None
        self._constants[operand._id] = data
        self._constant_tensors[operand._id] = tensor
        return operand

    # ------------------------------------------------------------------ ops
    def _add(self, opdef: OpDef, args: Sequence[Any], kwargs: Mapping[str, Any]) -> MLOperand | list[MLOperand]:
        try:
            values, label = opdef.bind(args, kwargs)
        except ValidationError:  # not the spec's form: maybe pywebnn's (positional options, its names)
            adapted = adapt(opdef, args, kwargs)
            if adapted is None:
                raise
            values, label = opdef.bind((), adapted)
        constants: dict[str, np.ndarray] = {}
        c = Check(opdef.name, label, constants)
        if self._built or self._context._is_lost:
            self._check_can_build(c.op if not label else f"{c.op} {label!r}")
        descs: dict[str, Any] = {}
        refs: dict[str, Any] = {}
        attrs: dict[str, Any] = {}
        call: dict[str, Any] = {}
        own_constants = self._constants
        for name, kind, required in opdef.param_kinds:
            value = values[name]
            if kind == "value":
                call[name] = attrs[name] = value
            elif kind == "operand":
                if value is None and not required:
                    call[name] = descs[name] = refs[name] = None
                    continue
                if type(value) is not MLOperand or value._builder is not self:
                    self._own_or_fail(c, name, value)
                operand_id = value._id
                call[name] = descs[name] = value._desc
                refs[name] = operand_id
                if operand_id in own_constants:
                    constants[name] = own_constants[operand_id]
            else:
                if isinstance(value, MLOperand) or not isinstance(value, Sequence):
                    c.fail(f"{name} must be a sequence of MLOperands, got {type(value).__name__}")
                operands = [self._own_or_fail(c, f"{name}[{i}]", v) for i, v in enumerate(value)]
                call[name] = descs[name] = tuple(o._desc for o in operands)
                refs[name] = tuple(o._id for o in operands)
        key = None if constants else _validation_key(opdef, call)
        result = _VALIDATED.get(key) if key is not None else None
        if result is None:
            result = opdef.infer(c, descs, call)
            if key is not None:
                if len(_VALIDATED) >= _VALIDATED_MAX:
                    _VALIDATED.clear()
                _VALIDATED[key] = result
        multi = type(result.outputs) is list
        outputs = result.outputs if multi else [result.outputs]
        if result.attrs:
            attrs.update(result.attrs)
        operands = self._operands
        producer = self._producer
        index = len(self._operations)
        output_operands = []
        output_ids = []
        for desc in outputs:
            operand_id = len(operands)
            operands.append(desc)
            producer[operand_id] = index
            output_ids.append(operand_id)
            output_operands.append(MLOperand(self, operand_id, desc, "output"))
        self._operations.append(
            Operation(opdef.name, MappingProxyType(refs), freeze(attrs) if attrs else _NO_ATTRS,
                      tuple(output_ids), label)
        )
        return output_operands if multi else output_operands[0]

    def _own_or_fail(self, c: Check, what: str, value: Any) -> MLOperand:
        if not isinstance(value, MLOperand):
            c.fail(f"{what} must be an MLOperand, got {type(value).__name__}")
        if value._builder is not self:
            c.fail(f"{what} belongs to another MLGraphBuilder")
        return value

    # ------------------------------------------------------------------ build
    def build(self, outputs: Mapping[str, MLOperand]) -> MLGraph:
        """Compile the graph that computes ``outputs`` (a dict name -> operand).

        The backend compiles once here; ``MLContext.compute`` / ``dispatch`` only run it.
        A builder builds once: a second call raises ``InvalidStateError``.
        """
        from .compile import compile_graph

        graph = self.graph_ir(outputs, what="build")
        self._built = True
        return compile_graph(self._context, graph)

    def graph_ir(self, outputs: Mapping[str, MLOperand], *, what: str = "graph_ir") -> Graph:
        """The validated graph (:class:`webnn.ir.Graph`) that computes ``outputs``, checked as
        ``build`` checks it, without compiling it; the builder stays usable.  For tools that
        read or transform graphs (file formats, the passes' tests)."""
        self._check_can_build(what)
        if not isinstance(outputs, Mapping):
            raise ValidationError(f"{what}: outputs must be a dict of name -> MLOperand, got {type(outputs).__name__}")
        if not outputs:
            raise ValidationError(f"{what}: outputs must not be empty")
        for name, operand in outputs.items():
            if not isinstance(name, str) or not name:
                raise ValidationError(f"{what}: output names must be non-empty strings, got {name!r}")
            self._own(f"{what}: output {name!r}", operand)
            if operand._kind in ("input", "constant"):
                raise ValidationError(
                    f"{what}: output {name!r} is a graph {operand._kind}; outputs must be computed "
                    "(wrap it in identity())"
                )
        for tensor in self._constant_tensors.values():
            if tensor.destroyed:
                raise ValidationError(f"{what}: a constant tensor used by the graph was destroyed")
        return self._extract({name: o._id for name, o in outputs.items()})

    def operation_of(self, operand: MLOperand) -> Operation | None:
        """The recorded operation (type, normalized attributes, label) that computes ``operand``;
        None for inputs and constants."""
        operand = self._own("operation_of: operand", operand)
        index = self._producer.get(operand._id)
        return None if index is None else self._operations[index]

    def transaction(self) -> AbstractContextManager[None]:
        """A group of additions that happen entirely or not at all: ``with builder.transaction():``
        when the block raises, every input, constant and operation added inside it is forgotten
        (operands made inside it must not be used afterwards).  For multi-operation additions
        such as an import."""
        return _Transaction(self)

    async def build_async(self, outputs: Mapping[str, MLOperand]) -> MLGraph:
        """``build`` in a worker thread: compilation does not block the event loop."""
        import asyncio

        return await asyncio.to_thread(self.build, outputs)

    def _extract(self, outputs: Mapping[str, int]) -> Graph:
        """The sub-graph reaching ``outputs``, operands renumbered densely in creation order."""
        # One pass from the last operation back: operations are in creation (topological) order.
        needed: set[int] = set(outputs.values())
        needed_ops: set[int] = set()
        for index in range(len(self._operations) - 1, -1, -1):
            op = self._operations[index]
            if not needed.isdisjoint(op.outputs):
                needed_ops.add(index)
                needed.update(op.outputs)
                needed.update(op.input_ids())
        if len(needed) == len(self._operands) and len(needed_ops) == len(self._operations):
            # Everything is needed (the usual case): operand ids are already dense.
            return Graph(
                operands=tuple(self._operands),
                inputs=self._inputs,
                constants=self._constants,
                operations=tuple(self._operations),
                outputs=outputs,
            )
        return compact(self._operands, self._inputs, self._constants, self._operations, outputs, needed_ops, needed)


class _Transaction(AbstractContextManager[None]):
    def __init__(self, builder: MLGraphBuilder) -> None:
        self._builder = builder
        self._checkpoint = builder._checkpoint()

    def __exit__(self, kind: Any, value: Any, traceback: Any) -> None:
        if kind is not None:
            self._builder._rollback(self._checkpoint)


def _operand_annotation(kind: str, optional: bool) -> str:
    if kind == "operands":
        return "Sequence[MLOperand]"
    return "MLOperand | None" if optional else "MLOperand"


def _method(opdef: OpDef) -> Any:
    def method(self: MLGraphBuilder, *args: Any, **kwargs: Any) -> Any:
        return self._add(opdef, args, kwargs)

    P = inspect.Parameter
    source = signature_of(opdef).parameters
    params = [P("self", P.POSITIONAL_OR_KEYWORD)]
    for p in opdef.params:
        annotation = source[p.name].annotation
        if p.kind != "value":
            annotation = _operand_annotation(p.kind, not p.required)
        kind = P.POSITIONAL_OR_KEYWORD if p.positional else P.KEYWORD_ONLY
        if p.positional:
            params.append(P(p.name, kind, annotation=annotation))
    params.append(P("options", P.POSITIONAL_OR_KEYWORD, default=None, annotation="Mapping[str, Any] | None"))
    for p in opdef.params:
        if not p.positional:
            annotation = source[p.name].annotation
            if p.kind != "value":
                annotation = _operand_annotation(p.kind, True)
            params.append(P(p.name, P.KEYWORD_ONLY, default=p.default, annotation=annotation))
    params.append(P("label", P.KEYWORD_ONLY, default="", annotation="str"))
    returns = "list[MLOperand]" if opdef.multi_output else "MLOperand"
    method.__signature__ = inspect.Signature(params, return_annotation=returns)  # type: ignore[attr-defined]
    method.__name__ = method.__qualname__ = opdef.name
    method.__qualname__ = f"MLGraphBuilder.{opdef.name}"
    method.__doc__ = opdef.doc
    method.__module__ = __name__
    return method


class _OpMethod:
    """The builder method of op ``name``, made (and its op family's module imported) when it is
    first looked up: a graph of a few op kinds does not import the definitions of the others."""

    __slots__ = ("name",)

    def __init__(self, name: str) -> None:
        self.name = name

    def __get__(self, instance: MLGraphBuilder | None, owner: type | None = None) -> Any:
        method = _method(OPS[self.name])
        setattr(MLGraphBuilder, self.name, method)
        return method.__get__(instance, owner)


for _name in OP_FAMILY:
    setattr(MLGraphBuilder, _name, _OpMethod(_name))
# pywebnn's builder methods beyond the spec's ops (webnn.compat)
for _name, _function in BUILDER_METHODS.items():
    setattr(MLGraphBuilder, _name, _function)
del _name, _function

__all__ = ["MLGraphBuilder", "MLOperand"]
