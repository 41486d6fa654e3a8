"""The converter core: reading the model, then converting it node by node (static shapes,
constant folding, every other node mapped onto spec ops) straight onto the target builder, which
is rolled back to where it was if any node cannot be converted.

Every ONNX value becomes a :class:`Value`: its element type, its static shape, and either a
NumPy constant (initializers, ``Constant`` nodes and everything folded from them) or an
operand of the scratch builder.  A node whose inputs are all constants is evaluated by its
NumPy folder (:data:`.registry.FOLDERS`) when it has one; otherwise its converter
(:data:`.registry.CONVERTERS`) maps it onto builder calls.  ``Shape`` and ``Size`` give
constants from static shapes, so shape sub-graphs fold away once the input shapes are known.
Graph inputs fixed by ``input_values`` (:mod:`.values`) are constants from the start, so what
is computed from them folds too (an ``If`` they decide imports the taken branch only).  The
branches of ``If`` go through this same machinery, in a :class:`Scope` nested in their node's.

A model is untrusted data: what folding makes is bounded by one :class:`webnn.limits.Budget` per
import, sized from the model's bytes.  Each fold's cost is estimated before it runs (the folder
table's estimates, :mod:`.costs`); a fold that does not fit is converted instead when the op has
a converter (the op stays in the graph, its constant inputs become builder constants), and is a
NotSupportedError otherwise.  Sparse tensors made dense and the NumPy work of converters on
constant data (``EyeLike``, ``OneHot``, ``Resize``'s interpolation taps, ...) draw on the same budget.
"""

from __future__ import annotations

import math
import os
import sys
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, NoReturn

import numpy as np

from ...errors import NotSupportedError, sanitize
from ...limits import Budget, Limits, check_limits, size_text
from ..errors import GraphFormatError
from . import types as T
from .costs import WIDEST, Cost
from .external import EXTERNAL, external_tensors, read_external_data
from .graphs import subgraphs, walk_graphs, walk_nodes
from .proto import ONNX_OPSET, DecodeError, get_attribute_value, load_model, tensor_to_array
from .registry import CONVERTERS, FOLDERS, SUBGRAPH_OPS, Fold, load_all
from .values import check_input_values, fit_value

if TYPE_CHECKING:
    from ...builder import MLGraphBuilder, MLOperand
    from ...context import MLContext
    from ...graph import MLGraph

#: The opsets of the default domain the converters are written for.
MIN_OPSET = 7
DEFAULT_DOMAINS = ("", "ai.onnx")
#: The longest list of integers (a shape, axes, pads, repeats, split sizes) read from a constant.
MAX_INTS = 2**16


#: How an operand computed from graph inputs becomes a constant (the end of refusals that name them).
FIX_HINT = ("if such an input is a setting rather than data, fixing its value at import with input_values= "
            "(command line: --input-value NAME=V) makes this a constant")


def inputs_text(names: Sequence[str]) -> str:
    """``the graph input 'a'`` / ``the graph inputs 'a', 'b'``."""
    listed = ", ".join(repr(sanitize(n)) for n in names)
    return f"the graph input{'s' if len(names) > 1 else ''} {listed}"


def name_text(name: str | bytes) -> str:
    """A name from the file as text: protobuf gives ``bytes`` for a string that is not valid UTF-8
    (its invalid bytes are escaped here, ``\\xff``)."""
    return name if isinstance(name, str) else bytes(name).decode("utf-8", "backslashreplace")


# --------------------------------------------------------------------------- values


class Value:
    """An ONNX value during the plan: element type, static shape, and a constant or an operand."""

    __slots__ = ("elem", "shape", "const", "operand")

    def __init__(self, elem: int, shape: Sequence[int], const: np.ndarray | None = None,
                 operand: MLOperand | None = None) -> None:
        self.elem = elem
        self.shape = tuple(int(d) for d in shape)
        self.const = const
        self.operand = operand

    @property
    def is_const(self) -> bool:
        return self.const is not None

    @property
    def rank(self) -> int:
        return len(self.shape)

    @property
    def size_is_one(self) -> bool:
        """One element (a per-tensor scale or zero point, of any rank)."""
        return all(d == 1 for d in self.shape)

    def __repr__(self) -> str:
        kind = "const" if self.const is not None else "operand"
        return f"Value({kind}, {T.name(self.elem)}, {list(self.shape)})"


def const_value(array: Any, elem: int | None = None) -> Value:
    """A constant value; ``elem`` defaults to the array's dtype."""
    array = np.asarray(array)
    if elem is None:
        elem = T.elem_of_numpy(array.dtype)
        if elem is None:
            raise NotSupportedError(f"constant of NumPy dtype {array.dtype} has no ONNX element type")
    elif elem in T.NUMPY and array.dtype != T.NUMPY[elem]:
        array = array.astype(T.NUMPY[elem])
    return Value(elem, array.shape, const=array)


# --------------------------------------------------------------------------- nodes


def _attribute_value(attr: Any) -> Any:
    value = get_attribute_value(attr)
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    if isinstance(value, list) and value and isinstance(value[0], bytes):
        return [v.decode("utf-8", "replace") for v in value]
    return value


class Node:
    """One ONNX node being converted: its attributes, its input values and helpers."""

    def __init__(self, importer: Importer, proto: Any, index: int, where: str,
                 inputs: list[Value | None], scope: Scope | None = None) -> None:
        self.importer = importer
        self.proto = proto
        self.index = index
        self.where = where
        self.inputs = inputs
        #: The scope the node's input names are looked up in (its graph's).
        self.scope = scope
        self.op_type: str = proto.op_type
        self.opset: int = importer.opset
        self.b = importer.builder
        self._attrs = {a.name: a for a in proto.attribute}

    # -- naming and failing
    def describe(self) -> str:
        op_type = sanitize(self.op_type)
        if self.proto.name:
            name = f"node {sanitize(self.proto.name)!r} ({op_type})"
        else:
            name = f"node #{self.index} ({op_type}, outputs {[sanitize(o) for o in self.proto.output]})"
        return name + self.where

    def fail(self, reason: str) -> NoReturn:
        raise NotSupportedError(f"{self.describe()}: {reason}")

    def check(self, condition: object, reason: str) -> None:
        if not condition:
            self.fail(reason)

    # -- the import's budget
    def afford(self, cost: Cost) -> bool:
        """Whether ``cost`` fits what is left of the import's budget (it is then spent)."""
        return self.importer.afford(cost)

    def charge(self, cost: Cost, what: str) -> None:
        """Spend ``cost`` on NumPy work of this node (``what``), or fail when it does not fit."""
        if not self.afford(cost):
            self.fail(self.importer.over_budget(what, cost))

    # -- attributes
    def has_attr(self, name: str) -> bool:
        return name in self._attrs

    def attr(self, name: str, default: Any = None) -> Any:
        attr = self._attrs.get(name)
        return default if attr is None else _attribute_value(attr)

    def attr_proto(self, name: str) -> Any:
        return self._attrs.get(name)

    # -- inputs
    def has(self, i: int) -> bool:
        return i < len(self.inputs) and self.inputs[i] is not None

    def input(self, i: int) -> Value:
        if not self.has(i):
            self.fail(f"input {i} is missing")
        value = self.inputs[i]
        assert value is not None
        return value

    def const(self, i: int) -> np.ndarray | None:
        value = self.inputs[i] if i < len(self.inputs) else None
        return None if value is None else value.const

    def need_const(self, i: int, what: str) -> np.ndarray:
        """The constant value of input ``i``; a computed value is a NotSupportedError."""
        if not self.has(i):
            self.fail(f"input {i} ({what}) is missing")
        value = self.const(i)
        if value is None:
            self.fail(
                f"{what} (input {i}, {sanitize(self.proto.input[i])!r}) must be a constant (or fold to one "
                f"once the input shapes are known), but it is computed at run time{self.runtime_hint(i)}"
            )
        return value

    def runtime_hint(self, i: int) -> str:
        """Which graph inputs input ``i`` is computed from, and how fixing them would make it a
        constant (an empty string when it depends on none)."""
        sources = self.importer.sources(self.proto.input[i], self.scope) if self.scope is not None else []
        if not sources:
            return ""
        return f" from {inputs_text(sources)}; {FIX_HINT}"

    def ints(self, i: int, what: str) -> list[int]:
        array = self.need_const(i, what)
        self.check(array.size <= MAX_INTS, f"{what} (input {i}) holds {array.size} values, more than {MAX_INTS}")
        return [int(v) for v in array.reshape(-1)]

    def ints_input_or_attr(self, i: int, attr: str, since: int, what: str | None = None) -> list[int] | None:
        """An int list that is attribute ``attr`` before opset ``since`` and input ``i`` from it on."""
        if self.opset >= since:
            return self.ints(i, what or attr) if self.has(i) else None
        value = self.attr(attr)
        return None if value is None else [int(v) for v in value]

    def shape(self, i: int) -> tuple[int, ...]:
        return self.input(i).shape

    def elem(self, i: int) -> int:
        return self.input(i).elem

    def x(self, i: int) -> MLOperand:
        """Input ``i`` as an operand (a constant becomes a builder constant)."""
        return self.importer.operand_of(self.input(i), self)

    def operand_of(self, value: Value) -> MLOperand:
        return self.importer.operand_of(value, self)

    # -- outputs
    @property
    def output_count(self) -> int:
        return len(self.proto.output)

    def output_used(self, i: int) -> bool:
        """Whether output ``i`` exists and something (a node or the graph) reads it."""
        return i < len(self.proto.output) and self.proto.output[i] in self.importer.consumed

    def only_first_output(self, what: str = "the optional outputs") -> None:
        for i in range(1, self.output_count):
            if self.output_used(i):
                self.fail(f"output {i} ({sanitize(self.proto.output[i])!r}) is used, but {what} cannot be computed")

    def out(self, operand: MLOperand, elem: int | None = None) -> Value:
        """A computed value; ``elem`` overrides the element type (``BOOL`` for uint8 0 / 1)."""
        if elem is None:
            elem = T.elem_of_webnn(operand.data_type)
        return Value(elem, operand.shape, operand=operand)

    # -- building
    def constant(self, array: Any, data_type: str | None = None) -> MLOperand:
        """A new constant operand of ``array`` (cast to ``data_type`` when given)."""
        array = np.asarray(array)
        if data_type is not None:
            array = array.astype(T.NUMPY[T.elem_of_webnn(data_type)], copy=False)
        elif array.dtype == np.bool_:
            array = array.astype(np.uint8)
        return self.importer.cached_constant(array)

    def scalar(self, value: float | int, like: MLOperand) -> MLOperand:
        """A 0-D constant of ``like``'s data type."""
        return self.constant(np.array(value), like.data_type)

    def label(self, suffix: str = "") -> str:
        base = self.proto.name or (self.proto.output[0] if self.proto.output else self.op_type)
        return name_text(base) + suffix


# --------------------------------------------------------------------------- scopes


class Scope:
    """Value names of a graph, falling back to the enclosing graph's (for If branches)."""

    def __init__(self, parent: Scope | None = None) -> None:
        self.values: dict[str, Value] = {}
        #: The node that made each computed value of this graph (what :meth:`Importer.sources` follows).
        self.producers: dict[str, Any] = {}
        self.parent = parent
        #: How many graphs enclose this one (0 for the model's graph).
        self.depth: int = 0 if parent is None else parent.depth + 1

    def get(self, name: str) -> Value | None:
        scope: Scope | None = self
        while scope is not None:
            if name in scope.values:
                return scope.values[name]
            scope = scope.parent
        return None

    def owner(self, name: str) -> Scope | None:
        """The scope (this one or an enclosing one) that holds ``name``."""
        scope: Scope | None = self
        while scope is not None:
            if name in scope.values:
                return scope
            scope = scope.parent
        return None

    def __setitem__(self, name: str, value: Value) -> None:
        self.values[name] = value


# --------------------------------------------------------------------------- the importer


def _consumed_names(graph: Any) -> set[str]:
    names = {o.name for o in graph.output}
    for node in walk_nodes(graph):
        names.update(node.input)
        for attr in node.attribute:  # sub-graph outputs are read by their node
            if attr.HasField("g"):
                names.update(o.name for o in attr.g.output)
    names.discard("")
    return names


class Importer:
    """Converts an ONNX model onto ``builder`` (the caller rolls it back on failure)."""

    def __init__(self, model: Any, builder: MLGraphBuilder, input_shapes: Mapping[str, Sequence[int]] | None,
                 budget: Budget, input_values: Mapping[str, Any] | None = None) -> None:
        load_all()
        self.model = model
        self.builder = builder
        self.budget = budget
        self.input_shapes = _check_input_shapes(input_shapes)
        self.input_values = check_input_values(input_values)
        self.opset = _default_opset(model)
        self.consumed = _consumed_names(model.graph)
        self._constants: dict[int, tuple[np.ndarray, MLOperand]] = {}
        self._value_operands: dict[int, tuple[Value, MLOperand]] = {}
        #: The graph inputs that stay inputs (the ones fixed by ``input_values`` are constants).
        self.input_names: list[str] = []

    # -- where run-time values come from
    def sources(self, name: str, scope: Scope) -> list[str]:
        """The graph inputs that the value ``name`` (seen from ``scope``) is computed from, in the
        order of the graph's inputs; none for a constant."""
        found: set[str] = set()
        seen: set[tuple[int, str]] = set()
        stack: list[tuple[str, Scope]] = [(name, scope)]
        while stack:
            current, where = stack.pop()
            owner = where.owner(current)
            if owner is None or (id(owner), current) in seen:
                continue
            seen.add((id(owner), current))
            if owner.values[current].const is not None:
                continue
            proto = owner.producers.get(current)
            if proto is None:
                if owner.parent is None:
                    found.add(current)
                continue
            stack.extend((n, owner) for n in _dependencies(proto) if n)
        return [n for n in self.input_names if n in found]

    # -- the budget
    def afford(self, cost: Cost) -> bool:
        """Whether ``cost`` fits what is left of the budget (it is then spent)."""
        if not self.budget.fits(cost.nbytes, cost.work):
            return False
        self.budget.spend(cost.nbytes, cost.work)
        return True

    def over_budget(self, what: str, cost: Cost) -> str:
        """Why ``what`` (``"folding it"``) is refused: its cost, the budget and how to raise it."""
        budget = self.budget
        return (
            f"{what} needs {_bytes_text(cost.nbytes)} and {_count_text(cost.work)} arithmetic operations, more "
            f"than is left ({_bytes_text(max(budget.bytes_left, 0))} and {_count_text(max(budget.work_left, 0))}) "
            f"of this import's budget of {budget.describe()}"
        )

    # -- constants
    def cached_constant(self, array: np.ndarray) -> MLOperand:
        key = id(array)
        hit = self._constants.get(key)
        if hit is not None and hit[0] is array:
            return hit[1]
        operand = self.builder.constant(array)
        self._constants[key] = (array, operand)
        return operand

    def operand_of(self, value: Value, node: Node | None) -> MLOperand:
        if value.operand is not None:
            return value.operand
        hit = self._value_operands.get(id(value))
        if hit is not None and hit[0] is value:
            return hit[1]
        array = value.const
        assert array is not None
        if value.elem not in T.WEBNN:
            what = f"a constant of ONNX type {T.name(value.elem)}, which WebNN has no data type for"
            if node is not None:
                node.fail(f"an input is {what}")
            raise NotSupportedError(f"graph output is {what}")
        if array.size == 0:
            reason = f"an input is an empty constant (shape {list(array.shape)}); WebNN has no empty tensors"
            if node is not None:
                node.fail(reason)
            raise NotSupportedError(reason)
        if array.dtype == np.bool_:
            array = array.astype(np.uint8)
        array = array if array.flags.c_contiguous else array.copy()
        if value.elem in (T.INT4, T.UINT4):  # held unpacked in int8 / uint8
            operand = self.builder.constant({"dataType": T.WEBNN[value.elem], "shape": list(array.shape)}, array)
        else:
            operand = self.builder.constant(array)
        self._value_operands[id(value)] = (value, operand)
        return operand

    # -- planning
    def plan(self, wrap_outputs: bool) -> dict[str, MLOperand]:
        graph = self.model.graph
        self.check_ops(graph)
        scope = Scope()
        initializers = self.add_initializers(graph, scope)
        self._inputs(graph, scope, initializers)
        self.run_graph(graph, scope, where="")
        outputs: dict[str, MLOperand] = {}
        for out in graph.output:
            _check_utf8("output", out.name)
            value = scope.get(out.name)
            if value is None:
                raise NotSupportedError(f"graph output {sanitize(out.name)!r} is produced by no node")
            operand = self.operand_of(value, None)
            if wrap_outputs and operand._kind in ("input", "constant"):  # graph outputs must be computed
                operand = self.builder.identity(operand, label=out.name)
            outputs[out.name] = operand
        return outputs

    def check_ops(self, graph: Any) -> None:
        """Every node's op must have a converter or a folder (checked before any work).

        The branches of ``If`` are checked when they are converted: a branch that a constant
        condition never takes may hold anything."""
        for index, node in enumerate(graph.node):
            desc = (f"node {sanitize(node.name)!r}" if node.name
                    else f"node #{index} (outputs {[sanitize(o) for o in node.output]})")
            if node.domain not in DEFAULT_DOMAINS:
                raise NotSupportedError(
                    f"{desc} ({sanitize(node.op_type)}): op type {sanitize(node.op_type)!r} of the custom domain "
                    f"{sanitize(node.domain)!r} has no WebNN mapping (only the default ONNX domain is supported)"
                )
            if node.op_type not in CONVERTERS and node.op_type not in FOLDERS:
                raise NotSupportedError(
                    f"{desc} ({sanitize(node.op_type)}): the ONNX operator {sanitize(node.op_type)!r} is not supported "
                    "(no WebNN mapping)"
                )

    def add_initializers(self, graph: Any, scope: Scope) -> set[str]:
        names = set()
        for tensor in graph.initializer:
            scope[tensor.name] = _tensor_value(tensor, f"initializer {sanitize(tensor.name)!r}")
            names.add(tensor.name)
        for sparse in graph.sparse_initializer:
            what = f"sparse initializer {sanitize(sparse.values.name)!r}"
            cost = sparse_cost(sparse, what)
            if not self.afford(cost):
                raise NotSupportedError(f"{what}: {self.over_budget('making it dense', cost)}")
            scope[sparse.values.name] = sparse_value(sparse, what)
            names.add(sparse.values.name)
        return names

    def _inputs(self, graph: Any, scope: Scope, initializers: set[str]) -> None:
        shapes = dict(self.input_shapes)
        values = dict(self.input_values)
        names = [info.name for info in graph.input if info.name not in initializers]
        _check_names("input_shapes", shapes, names, "(non-initializer) ")
        _check_names("input_values", values, [info.name for info in graph.input], "")
        for info in graph.input:
            name = info.name
            if name in values:  # a constant of the import (an initializer's default value replaced)
                scope[name] = _fixed_input(info, values.pop(name), shapes.pop(name, None), scope.values.get(name))
                continue
            if name in initializers:
                continue  # an initializer listed as an input (IR < 4): a constant here
            _check_utf8("input", name)
            self.input_names.append(name)
            shape, elem = _input_shape(info, shapes.pop(name, None))
            try:
                operand = self.builder.input(name, list(shape), T.WEBNN[elem])
            except TypeError as exc:
                raise NotSupportedError(f"input {sanitize(name)!r}: WebNN refuses its descriptor: {exc}") from None
            scope[name] = Value(elem, shape, operand=operand)

    def run_graph(self, graph: Any, scope: Scope, where: str) -> None:
        """Convert the nodes of ``graph`` in dependency order, adding their outputs to ``scope``."""
        for index, proto in _sorted_nodes(graph, scope, where):
            inputs = [None if not name else scope.get(name) for name in proto.input]
            node = Node(self, proto, index, where, inputs, scope)
            for name, value in zip(proto.input, inputs):
                if name and value is None:
                    node.fail(f"input {sanitize(name)!r} is not produced by any node, initializer or graph input")
            values = self._convert(node, scope)
            for i, (name, value) in enumerate(zip(proto.output, values)):
                if name and value is not None:
                    scope[name] = value
                    scope.producers[name] = proto
                elif name and name in self.consumed:
                    node.fail(f"output {i} ({sanitize(name)!r}) is used but cannot be computed")
            for i in range(len(values), len(proto.output)):
                if node.output_used(i):
                    node.fail(f"output {i} ({sanitize(proto.output[i])!r}) is used but cannot be computed")

    def _convert(self, node: Node, scope: Scope) -> list[Value | None]:
        op_type = node.op_type
        rule = FOLDERS.get(op_type)
        present = [v for v in node.inputs if v is not None]
        if rule is not None and all(v.const is not None for v in present) and op_type not in SUBGRAPH_OPS:
            folded = self._fold(node, rule)
            if folded is not None:
                return folded
        converter = CONVERTERS.get(op_type)
        if converter is None:
            dynamic = [n for n, v in zip(node.proto.input, node.inputs) if v is not None and v.const is None]
            sources = sorted({s for n in dynamic for s in self.sources(n, scope)}, key=self.input_names.index)
            hint = f" from {inputs_text(sources)}; {FIX_HINT}" if sources else ""
            node.fail(
                f"{op_type} has no WebNN equivalent and is only supported when its inputs are constants "
                f"(folded at import), but {[sanitize(n) for n in dynamic]} are computed at run time{hint}"
            )
        try:
            result = converter(node, scope) if op_type in SUBGRAPH_OPS else converter(node)
        except (NotSupportedError, GraphFormatError):  # malformed data in a branch, say
            raise
        except TypeError as exc:  # WebNN's validation refused the mapped op
            raise NotSupportedError(f"{node.describe()}: WebNN refuses the mapped operation: {exc}") from exc
        except Exception as exc:  # malformed attributes or inputs
            raise NotSupportedError(f"{node.describe()}: cannot convert: {type(exc).__name__}: {exc}") from exc
        if isinstance(result, Value):
            return [result]
        return list(result)

    def _fold(self, node: Node, rule: Fold) -> list[Value | None] | None:
        """The node's outputs computed by its folder; None when the fold does not fit the budget
        and the op has a converter (which then keeps it in the graph)."""
        arrays = [None if v is None else v.const for v in node.inputs]
        try:
            cost = rule.cost(node, arrays)
            if not self.afford(cost):
                if node.op_type in CONVERTERS:
                    return None
                node.fail(self.over_budget("folding it", cost))
            results = rule.fold(node, arrays)
        except (NotSupportedError, GraphFormatError):
            raise
        except Exception as exc:  # a NumPy error on malformed constants
            node.fail(f"cannot fold the constant inputs: {type(exc).__name__}: {exc}")
        if not isinstance(results, list | tuple):
            results = [results]
        return [None if a is None else (a if isinstance(a, Value) else const_value(a)) for a in results]


# --------------------------------------------------------------------------- helpers


def _bytes_text(nbytes: int) -> str:
    return size_text(nbytes) if nbytes < 2**80 else f"about 2^{nbytes.bit_length() - 1} bytes"


def _count_text(count: int) -> str:
    return f"{count:.2g}" if count < 2**80 else f"about 2^{count.bit_length() - 1}"


def _check_utf8(kind: str, name: str | bytes) -> None:
    """Graph input and output names (``kind``) become WebNN names: they must be text."""
    if not isinstance(name, str):
        raise NotSupportedError(f"graph {kind} {sanitize(name)!r}: the name is not valid UTF-8, so it cannot name "
                                f"a WebNN {kind}")


def _newest_opset() -> int:
    """The newest default-domain opset the installed onnx package knows (never below
    :data:`.proto.ONNX_OPSET`, what onnx 1.19 knows; that is the answer without onnx)."""
    try:
        from onnx.defs import onnx_opset_version
    except ImportError:
        return ONNX_OPSET
    return max(ONNX_OPSET, int(onnx_opset_version()))


def _default_opset(model: Any) -> int:
    version = None
    for entry in model.opset_import:
        if entry.domain in DEFAULT_DOMAINS:
            version = int(entry.version)
    if version is None:
        version = 1 if not model.opset_import else MIN_OPSET
    if not 0 < version <= ONNX_OPSET:  # up to ONNX_OPSET without importing onnx (slower than most imports)
        newest = _newest_opset()
        if not 0 < version <= newest:
            raise NotSupportedError(
                f"the model imports opset {version} of the default ONNX domain, which no ONNX release defines "
                f"(the newest the installed onnx package knows is {newest})"
            )
    if version < MIN_OPSET:
        raise NotSupportedError(
            f"the model imports opset {version} of the default ONNX domain; opsets {MIN_OPSET} and later are "
            "supported (upgrade it with onnx.version_converter)"
        )
    return version


#: The TensorProto field that holds one value per element, by element type (when not in raw_data).
_TYPED_FIELDS = {
    T.FLOAT: "float_data", T.INT32: "int32_data", T.INT16: "int32_data", T.INT8: "int32_data",
    T.UINT16: "int32_data", T.UINT8: "int32_data", T.BOOL: "int32_data", T.FLOAT16: "int32_data",
    T.INT64: "int64_data", T.DOUBLE: "double_data", T.UINT32: "uint64_data", T.UINT64: "uint64_data",
}


def _declared_dims(dims: Sequence[int], what: str) -> list[int]:
    dims = [int(d) for d in dims]
    if any(d < 0 for d in dims):
        raise GraphFormatError(f"{what}: the shape {dims} has a negative dimension")
    return dims


def checked_dims(tensor: Any, what: str) -> list[int]:
    """The shape of a TensorProto of a supported type whose data (raw or typed) matches it."""
    elem = tensor.data_type
    if elem not in T.NUMPY:
        raise NotSupportedError(f"{what} has ONNX type {T.name(elem)}, which is not supported")
    dims = _declared_dims(tensor.dims, what)
    count = math.prod(dims)
    if tensor.data_location == EXTERNAL:  # read by read_model; never by the onnx package
        raise GraphFormatError(f"{what}: its external data was not read")
    if tensor.HasField("raw_data"):
        need = T.stored_bytes(elem, count)
        if len(tensor.raw_data) != need:
            raise GraphFormatError(f"{what}: raw_data holds {len(tensor.raw_data)} bytes, its shape {dims} of "
                                   f"{T.name(elem)} needs {need}")
    elif elem in _TYPED_FIELDS:
        field = _TYPED_FIELDS[elem]
        held = len(getattr(tensor, field))
        if held != count:
            raise GraphFormatError(f"{what}: {field} holds {held} values, its shape {dims} needs {count}")
    return dims


def _tensor_value(tensor: Any, what: str, checked: bool = False) -> Value:
    """A constant from a TensorProto (``checked``: :func:`checked_dims` has passed it)."""
    if not checked:
        checked_dims(tensor, what)
    elem = tensor.data_type
    try:
        array = tensor_to_array(tensor)
    except Exception as exc:
        raise GraphFormatError(f"{what}: cannot read its data: {type(exc).__name__}: {exc}") from None
    return const_value(np.asarray(array, dtype=T.NUMPY[elem]), elem)


def sparse_cost(sparse: Any, what: str) -> Cost:
    """What making an ONNX SparseTensorProto dense costs: its declared shape, zero-filled."""
    dims = _declared_dims(sparse.dims, what)
    dtype = T.NUMPY.get(sparse.values.data_type)
    elements = math.prod(dims)
    return Cost(elements * (WIDEST if dtype is None else dtype.itemsize), elements)


def sparse_value(sparse: Any, what: str) -> Value:
    """A dense constant from an ONNX SparseTensorProto (indices flat or [count, rank], each in
    range); the caller has checked :func:`sparse_cost` against the budget."""
    dims = _declared_dims(sparse.dims, what)
    values = _tensor_value(sparse.values, f"{what}: the values").const
    indices = _tensor_value(sparse.indices, f"{what}: the indices").const
    assert values is not None and indices is not None
    count = math.prod(dims)
    nnz = values.size
    if values.ndim != 1 or indices.dtype.kind not in "iu":
        raise GraphFormatError(f"{what}: the values must be 1-D and the indices integers")
    if indices.shape == (nnz, len(dims)):
        if nnz and np.any((indices < 0) | (indices >= np.array(dims, np.int64))):
            raise GraphFormatError(f"{what}: an index is out of range for the shape {dims}")
        flat = np.ravel_multi_index(tuple(indices.astype(np.int64).T), dims) if nnz else indices.reshape(-1)
    elif indices.shape == (nnz,):
        if nnz and (int(indices.min()) < 0 or int(indices.max()) >= count):
            raise GraphFormatError(f"{what}: an index is out of range for {count} elements")
        flat = indices
    else:
        raise GraphFormatError(f"{what}: indices of shape {list(indices.shape)} do not fit {nnz} values of rank "
                               f"{len(dims)}")
    array = np.zeros(count, values.dtype)
    array[flat.astype(np.int64)] = values
    return const_value(array.reshape(dims), sparse.values.data_type)


def _check_input_shapes(input_shapes: Any) -> dict[str, tuple[int, ...]]:
    if input_shapes is None:
        return {}
    if not isinstance(input_shapes, Mapping):
        raise TypeError(f"input_shapes must be a dict of input name -> shape, got {type(input_shapes).__name__}")
    result = {}
    for name, shape in input_shapes.items():
        if isinstance(shape, str | bytes) or not isinstance(shape, Sequence | np.ndarray):
            raise TypeError(f"input_shapes[{name!r}] must be a sequence of dimensions, got {shape!r}")
        dims = []
        for d in shape:
            if isinstance(d, bool) or not isinstance(d, int | np.integer) or not 0 < int(d) <= 2**31 - 1:
                raise TypeError(f"input_shapes[{name!r}]: {d!r} is not a valid dimension (a positive integer)")
            dims.append(int(d))
        result[name] = tuple(dims)
    return result


def _check_names(option: str, given: Mapping[str, Any], names: list[str], kind: str) -> None:
    unknown = [n for n in given if n not in names]
    if unknown:
        listed = ", ".join(repr(sanitize(n)) for n in unknown)
        raise TypeError(
            f"{option} names {listed}, which the model has no {kind}input called; "
            f"its inputs: {[sanitize(n) for n in names]}"
        )


def _declared_text(dims: Any) -> str:
    return "[" + ", ".join(
        str(d.dim_value) if d.HasField("dim_value") and d.dim_value >= 0
        else (sanitize(d.dim_param) if d.dim_param else "?") for d in dims
    ) + "]"


def _fixed_input(info: Any, array: np.ndarray, given: tuple[int, ...] | None, default: Value | None) -> Value:
    """The constant that ``input_values`` gives graph input ``info``: of the input's ONNX type, its
    shape checked against the declared one (free dimensions take the value's) and ``input_shapes``."""
    name = sanitize(info.name)
    what = f"input_values[{name!r}]"
    if info.type.HasField("tensor_type"):
        tensor_type = info.type.tensor_type
        elem = tensor_type.elem_type or (default.elem if default is not None else 0)
    elif default is not None:
        tensor_type, elem = None, default.elem
    else:
        raise NotSupportedError(f"input {name!r} is not a tensor (sequence, map and optional inputs are not supported)")
    array = fit_value(array, elem, what)
    shape = list(array.shape)
    if given is not None and tuple(given) != array.shape:
        raise TypeError(f"{what} has shape {shape}, but input_shapes[{name!r}] is {list(given)}")
    if tensor_type is not None and tensor_type.HasField("shape"):
        dims = tensor_type.shape.dim
        fixed = [d.dim_value if d.HasField("dim_value") and d.dim_value >= 0 else None for d in dims]
        if len(dims) != array.ndim or any(f is not None and f != s for f, s in zip(fixed, shape)):
            raise TypeError(f"{what} has shape {shape}, which does not fit the input's declared shape "
                            f"{_declared_text(dims)}")
    elif default is not None and default.shape != array.shape:
        raise TypeError(f"{what} has shape {shape}, the input's initializer {list(default.shape)}")
    return const_value(array, elem)


def _input_shape(info: Any, given: tuple[int, ...] | None) -> tuple[tuple[int, ...], int]:
    name = sanitize(info.name)
    if not info.type.HasField("tensor_type"):
        raise NotSupportedError(f"input {name!r} is not a tensor (sequence, map and optional inputs are not supported)")
    tensor_type = info.type.tensor_type
    elem = tensor_type.elem_type
    if elem not in T.WEBNN:
        raise NotSupportedError(f"input {name!r} has ONNX type {T.name(elem)}, which WebNN has no data type for")
    if not tensor_type.HasField("shape"):
        if given is None:
            raise NotSupportedError(
                f"input {name!r} has no declared shape: give it in input_shapes, e.g. input_shapes={{{name!r}: [...]}}"
            )
        return given, elem
    dims = tensor_type.shape.dim
    if given is not None and len(given) != len(dims):
        raise TypeError(f"input_shapes[{name!r}] {list(given)} has rank {len(given)}, the input has rank {len(dims)}")
    shape = []
    for i, dim in enumerate(dims):
        fixed = dim.dim_value if dim.HasField("dim_value") and dim.dim_value > 0 else None
        if dim.HasField("dim_value") and dim.dim_value == 0:
            raise NotSupportedError(f"input {name!r}: dimension {i} is 0; WebNN has no empty tensors")
        if given is not None:
            if fixed is not None and given[i] != fixed:
                raise TypeError(
                    f"input_shapes[{name!r}] {list(given)}: dimension {i} is {given[i]}, the model fixes it at {fixed}"
                )
            shape.append(given[i])
        elif fixed is not None:
            shape.append(fixed)
        else:
            what = f"{sanitize(dim.dim_param)!r}" if dim.dim_param else "unknown"
            raise NotSupportedError(
                f"input {name!r}: dimension {i} ({what}) is free; fix it with input_shapes, "
                f"e.g. input_shapes={{{name!r}: [...]}} (one size per dimension)"
            )
    return tuple(shape), elem


def _outer_names(node: Any) -> set[str]:
    """The names that the sub-graphs of ``node`` (``If`` branches, at any depth) read from the
    graphs around them: its implicit inputs."""
    used: set[str] = set()
    made: set[str] = set()
    for top in subgraphs(node):
        for graph in walk_graphs(top):
            made.update(t.name for t in graph.initializer)
            made.update(t.values.name for t in graph.sparse_initializer)
            made.update(i.name for i in graph.input)
            used.update(o.name for o in graph.output)
            for inner in graph.node:
                used.update(inner.input)
                made.update(inner.output)
    used.discard("")
    return used - made


def _dependencies(node: Any) -> list[str]:
    """What ``node`` reads: its inputs, then the outer names its sub-graphs read."""
    names = list(node.input)
    if any(True for _ in subgraphs(node)):
        names.extend(sorted(_outer_names(node)))
    return names


def _sorted_nodes(graph: Any, scope: Scope, where: str) -> list[tuple[int, Any]]:
    """The nodes in a dependency order (the file's order when it is one, as ONNX requires); a
    node with sub-graphs comes after what they read from this graph."""
    nodes = list(enumerate(graph.node))
    needs = {i: _dependencies(node) for i, node in nodes}
    known = set()
    ordered = True
    for i, node in nodes:
        if any(n and n not in known and scope.get(n) is None for n in needs[i]):
            ordered = False
            break
        known.update(node.output)
    if ordered:
        return nodes
    produced_by = {out: i for i, node in nodes for out in node.output if out}
    done: set[int] = set()
    result: list[tuple[int, Any]] = []
    visiting: set[int] = set()

    def visit(i: int) -> None:
        stack = [(i, False)]
        while stack:
            j, expanded = stack.pop()
            if j in done:
                continue
            if expanded:
                visiting.discard(j)
                done.add(j)
                result.append(nodes[j])
                continue
            if j in visiting:
                node = nodes[j][1]
                raise NotSupportedError(
                    f"node {sanitize(node.name or str(j))!r} ({node.op_type}){where}: the graph has a cycle"
                )
            visiting.add(j)
            stack.append((j, True))
            for name in needs[j]:
                k = produced_by.get(name)
                if k is not None and k not in done:
                    stack.append((k, False))

    for i in range(len(nodes)):
        visit(i)
    return result


def read_model(model: Any, external_data_dir: str | os.PathLike[str] | None = None) -> tuple[Any, int]:
    """The ModelProto of a path, bytes or an ``onnx.ModelProto``, its external data read in by the
    rules of :mod:`.external`, and its size in bytes (the file, the bytes or ``ByteSize()``, plus
    the external data): what the import's budget is sized from.

    A path or bytes are decoded by :mod:`.proto` (the ``onnx`` package is not imported); an
    ``onnx.ModelProto`` given by the caller is used as it is (the converter reads both alike),
    copied first when its external data is to be read into it."""
    folder = _check_folder(external_data_dir)
    file = None
    if isinstance(model, bytes | bytearray | memoryview):
        try:
            proto, size = load_model(model), len(model)
        except DecodeError as exc:
            raise GraphFormatError(f"not a readable ONNX model: {exc}") from None
    elif isinstance(model, str | os.PathLike):
        file = os.fspath(model)
        if not os.path.isfile(file):
            raise FileNotFoundError(f"{file}: no such file")
        try:
            with open(file, "rb") as f:
                data = f.read()
            proto, size = load_model(data), len(data)
        except (DecodeError, OSError) as exc:
            raise GraphFormatError(f"not a readable ONNX model: {exc}", file=file) from None
        del data
        if folder is None:
            folder = os.path.dirname(os.path.abspath(file))
    elif _is_onnx_model(model):
        proto, size = model, model.ByteSize()
    else:
        raise TypeError(f"model must be a path, bytes or an onnx.ModelProto, got {type(model).__name__}")
    tensors = external_tensors(proto)
    if tensors:
        if proto is model:
            proto = type(model)()
            proto.CopyFrom(model)
            tensors = external_tensors(proto)
        size += read_external_data(tensors, folder, file)
    return proto, size


def _is_onnx_model(model: Any) -> bool:
    """Whether ``model`` is an ``onnx.ModelProto``, without importing onnx (a process that made
    one has imported it)."""
    onnx = sys.modules.get("onnx")
    return onnx is not None and isinstance(model, onnx.ModelProto)


def _check_folder(folder: Any) -> str | None:
    if folder is None:
        return None
    if not isinstance(folder, str | os.PathLike):
        raise TypeError(f"external_data_dir must be a path, got {type(folder).__name__}")
    path = os.fspath(folder)
    if not os.path.isdir(path):
        raise FileNotFoundError(f"{path}: no such folder (external_data_dir)")
    return path


# --------------------------------------------------------------------------- API


def import_onnx(model: Any, builder: MLGraphBuilder, input_shapes: Mapping[str, Sequence[int]] | None = None,
                *, input_values: Mapping[str, Any] | None = None, limits: Limits | None = None,
                external_data_dir: str | os.PathLike[str] | None = None) -> dict[str, MLOperand]:
    from ...builder import MLGraphBuilder

    if not isinstance(builder, MLGraphBuilder):
        raise TypeError(f"import_onnx needs an MLGraphBuilder, got {type(builder).__name__}")
    limits = check_limits("import_onnx", limits)
    builder.check_usable("import_onnx")
    proto, size = read_model(model, external_data_dir)
    return _convert(proto, builder, input_shapes, limits.budget(size), wrap_outputs=False, input_values=input_values)


def load_onnx(model: Any, context: MLContext | None = None, input_shapes: Mapping[str, Sequence[int]] | None = None,
              *, input_values: Mapping[str, Any] | None = None, limits: Limits | None = None,
              external_data_dir: str | os.PathLike[str] | None = None) -> MLGraph:
    from ...context import ML, MLContext

    limits = check_limits("load_onnx", limits)
    if context is None:
        context = ML().create_context()
    elif not isinstance(context, MLContext):
        raise TypeError(f"load_onnx needs an MLContext, got {type(context).__name__}")
    proto, size = read_model(model, external_data_dir)
    builder = context.create_graph_builder()
    outputs = _convert(proto, builder, input_shapes, limits.budget(size), wrap_outputs=True, input_values=input_values)
    return builder.build(outputs)


def _convert(proto: Any, builder: MLGraphBuilder, input_shapes: Mapping[str, Sequence[int]] | None,
             budget: Budget, wrap_outputs: bool, input_values: Mapping[str, Any] | None = None) -> dict[str, MLOperand]:
    """Convert ``proto`` onto ``builder``; on any error the builder is as it was before."""
    initializers = {t.name for t in proto.graph.initializer} | {t.values.name for t in proto.graph.sparse_initializer}
    fixed = check_input_values(input_values)
    existing = set(builder.input_names)
    taken = [sanitize(i.name) for i in proto.graph.input
             if i.name not in initializers and i.name not in fixed and i.name in existing]
    if taken:
        raise TypeError(f"import_onnx: the builder already has inputs named {taken}")
    with builder.transaction():
        return Importer(proto, builder, input_shapes, budget, fixed).plan(wrap_outputs)


def supported_op_types() -> list[str]:
    load_all()
    return sorted(set(CONVERTERS) | set(FOLDERS))
