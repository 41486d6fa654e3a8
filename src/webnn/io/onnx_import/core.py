"""The converter core: reading the model, then converting it node by node (static shapes,
constant folding, every other node mapped onto spec ops) straight onto the target builder, which
is rolled back to where it was if any node cannot be converted.

Every ONNX value becomes a :class:`Value`: its element type, its static shape, and either a
NumPy constant (initializers, ``Constant`` nodes and everything folded from them) or an
operand of the scratch builder.  A node whose inputs are all constants is evaluated by its
NumPy folder (:data:`.registry.FOLDERS`) when it has one; otherwise its converter
(:data:`.registry.CONVERTERS`) maps it onto builder calls.  ``Shape`` and ``Size`` give
constants from static shapes, so shape sub-graphs fold away once the input shapes are known.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any, NoReturn

import numpy as np

from ...errors import NotSupportedError, sanitize
from . import types as T
from .registry import CONVERTERS, FOLDERS, SUBGRAPH_OPS, load_all

if TYPE_CHECKING:
    from ...builder import MLGraphBuilder, MLOperand
    from ...context import MLContext
    from ...graph import MLGraph

#: The opsets of the default domain the converters are written for.
MIN_OPSET = 7
DEFAULT_DOMAINS = ("", "ai.onnx")


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
    from onnx import helper

    value = helper.get_attribute_value(attr)
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    if isinstance(value, list) and value and isinstance(value[0], bytes):
        return [v.decode("utf-8", "replace") for v in value]
    return value


class Node:
    """One ONNX node being converted: its attributes, its input values and helpers."""

    def __init__(self, importer: Importer, proto: Any, index: int, where: str,
                 inputs: list[Value | None]) -> None:
        self.importer = importer
        self.proto = proto
        self.index = index
        self.where = where
        self.inputs = inputs
        self.op_type: str = proto.op_type
        self.opset: int = importer.opset
        self.b = importer.builder
        self._attrs = {a.name: a for a in proto.attribute}

    # -- naming and failing
    def describe(self) -> str:
        if self.proto.name:
            text = f"node {sanitize(self.proto.name)!r} ({self.op_type})"
        else:
            text = f"node #{self.index} ({self.op_type}, outputs {[sanitize(o) for o in self.proto.output]})"
        return text + self.where

    def fail(self, reason: str) -> NoReturn:
        raise NotSupportedError(f"{self.describe()}: {reason}")

    def check(self, condition: object, reason: str) -> None:
        if not condition:
            self.fail(reason)

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
                "once the input shapes are known), but it is computed at run time"
            )
        return value

    def ints(self, i: int, what: str) -> list[int]:
        return [int(v) for v in self.need_const(i, what).reshape(-1)]

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
            array = array.astype(T.NUMPY[T.elem_of_webnn(data_type)])
        elif array.dtype == np.bool_:
            array = array.astype(np.uint8)
        return self.importer.cached_constant(array)

    def scalar(self, value: float | int, like: MLOperand) -> MLOperand:
        """A 0-D constant of ``like``'s data type."""
        return self.constant(np.array(value), like.data_type)

    def label(self, suffix: str = "") -> str:
        base = self.proto.name or (self.proto.output[0] if self.proto.output else self.op_type)
        return base + suffix


# --------------------------------------------------------------------------- scopes


class Scope:
    """Value names of a graph, falling back to the enclosing graph's (for If branches)."""

    def __init__(self, parent: Scope | None = None) -> None:
        self.values: dict[str, Value] = {}
        self.parent = parent

    def get(self, name: str) -> Value | None:
        scope: Scope | None = self
        while scope is not None:
            if name in scope.values:
                return scope.values[name]
            scope = scope.parent
        return None

    def __setitem__(self, name: str, value: Value) -> None:
        self.values[name] = value


# --------------------------------------------------------------------------- the importer


def _walk_nodes(graph: Any) -> Iterator[Any]:
    """Every node of ``graph`` and of its sub-graphs."""
    for node in graph.node:
        yield node
        for attr in node.attribute:
            if attr.HasField("g"):
                yield from _walk_nodes(attr.g)
            for g in attr.graphs:
                yield from _walk_nodes(g)


def _consumed_names(graph: Any) -> set[str]:
    names = {o.name for o in graph.output}
    for node in _walk_nodes(graph):
        names.update(node.input)
        for attr in node.attribute:  # sub-graph outputs are read by their node
            if attr.HasField("g"):
                names.update(o.name for o in attr.g.output)
    names.discard("")
    return names


class Importer:
    """Converts an ONNX model onto ``builder`` (the caller rolls it back on failure)."""

    def __init__(self, model: Any, builder: MLGraphBuilder, input_shapes: Mapping[str, Sequence[int]] | None) -> None:
        load_all()
        self.model = model
        self.builder = builder
        self.input_shapes = _check_input_shapes(input_shapes)
        self.opset = _default_opset(model)
        self.consumed = _consumed_names(model.graph)
        self._constants: dict[int, tuple[np.ndarray, MLOperand]] = {}
        self._value_operands: dict[int, tuple[Value, MLOperand]] = {}
        self.input_names: list[str] = []

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
            scope[sparse.values.name] = sparse_value(sparse, f"sparse initializer {sanitize(sparse.values.name)!r}")
            names.add(sparse.values.name)
        return names

    def _inputs(self, graph: Any, scope: Scope, initializers: set[str]) -> None:
        shapes = dict(self.input_shapes)
        names = [info.name for info in graph.input if info.name not in initializers]
        unknown = [n for n in shapes if n not in names]
        if unknown:
            listed = ", ".join(repr(sanitize(n)) for n in unknown)
            raise TypeError(
                f"input_shapes names {listed}, which the model has no (non-initializer) input called; "
                f"its inputs: {[sanitize(n) for n in names]}"
            )
        for info in graph.input:
            name = info.name
            if name in initializers:
                continue  # an initializer listed as an input (IR < 4): a constant here
            self.input_names.append(name)
            shape, elem = _input_shape(info, shapes.pop(name, None))
            operand = self.builder.input(name, list(shape), T.WEBNN[elem])
            scope[name] = Value(elem, shape, operand=operand)

    def run_graph(self, graph: Any, scope: Scope, where: str) -> None:
        """Convert the nodes of ``graph`` in dependency order, adding their outputs to ``scope``."""
        for index, proto in _sorted_nodes(graph, scope, where):
            inputs = [None if not name else scope.get(name) for name in proto.input]
            node = Node(self, proto, index, where, inputs)
            for name, value in zip(proto.input, inputs):
                if name and value is None:
                    node.fail(f"input {sanitize(name)!r} is not produced by any node, initializer or graph input")
            values = self._convert(node, scope)
            for i, (name, value) in enumerate(zip(proto.output, values)):
                if name and value is not None:
                    scope[name] = value
                elif name and name in self.consumed:
                    node.fail(f"output {i} ({sanitize(name)!r}) is used but cannot be computed")
            for i in range(len(values), len(proto.output)):
                if node.output_used(i):
                    node.fail(f"output {i} ({sanitize(proto.output[i])!r}) is used but cannot be computed")

    def _convert(self, node: Node, scope: Scope) -> list[Value | None]:
        op_type = node.op_type
        folder = FOLDERS.get(op_type)
        present = [v for v in node.inputs if v is not None]
        if folder is not None and all(v.const is not None for v in present) and op_type not in SUBGRAPH_OPS:
            try:
                arrays = folder(node, [None if v is None else v.const for v in node.inputs])
            except NotSupportedError:
                raise
            except Exception as exc:  # a NumPy error on malformed constants
                node.fail(f"cannot fold the constant inputs: {type(exc).__name__}: {exc}")
            if not isinstance(arrays, list | tuple):
                arrays = [arrays]
            return [None if a is None else (a if isinstance(a, Value) else const_value(a)) for a in arrays]
        converter = CONVERTERS.get(op_type)
        if converter is None:
            dynamic = [sanitize(n) for n, v in zip(node.proto.input, node.inputs) if v is not None and v.const is None]
            node.fail(
                f"{op_type} has no WebNN equivalent and is only supported when its inputs are constants "
                f"(folded at import), but {dynamic} are computed at run time"
            )
        try:
            result = converter(node, scope) if op_type in SUBGRAPH_OPS else converter(node)
        except NotSupportedError:
            raise
        except TypeError as exc:  # WebNN's validation refused the mapped op
            raise NotSupportedError(f"{node.describe()}: WebNN refuses the mapped operation: {exc}") from exc
        except Exception as exc:  # malformed attributes or inputs
            raise NotSupportedError(f"{node.describe()}: cannot convert: {type(exc).__name__}: {exc}") from exc
        if isinstance(result, Value):
            return [result]
        return list(result)


# --------------------------------------------------------------------------- helpers


def _default_opset(model: Any) -> int:
    version = None
    for entry in model.opset_import:
        if entry.domain in DEFAULT_DOMAINS:
            version = int(entry.version)
    if version is None:
        version = 1 if not model.opset_import else MIN_OPSET
    if version < MIN_OPSET:
        raise NotSupportedError(
            f"the model imports opset {version} of the default ONNX domain; opsets {MIN_OPSET} and later are "
            "supported (upgrade it with onnx.version_converter)"
        )
    return version


def _tensor_value(tensor: Any, what: str) -> Value:
    from onnx import numpy_helper

    elem = tensor.data_type
    if elem not in T.NUMPY:
        # Kept as a typed placeholder: using it fails with the node's name.
        raise NotSupportedError(f"{what} has ONNX type {T.name(elem)}, which is not supported")
    try:
        array = numpy_helper.to_array(tensor)
    except Exception as exc:
        raise NotSupportedError(f"{what}: cannot read its data: {exc}") from exc
    return const_value(np.asarray(array, dtype=T.NUMPY[elem]), elem)


#: The most elements a sparse tensor may expand to (1 GiB of float32), checked before allocating.
MAX_SPARSE_ELEMENTS = 2**28


def sparse_value(sparse: Any, what: str) -> Value:
    """A dense constant from an ONNX SparseTensorProto (indices flat or [count, rank])."""
    from onnx import numpy_helper

    dims = tuple(int(d) for d in sparse.dims)
    count = 1
    for d in dims:
        count *= d
    if any(d < 0 for d in dims) or count > MAX_SPARSE_ELEMENTS:
        raise NotSupportedError(f"{what}: shape {list(dims)} is invalid or too large")
    try:
        values = numpy_helper.to_array(sparse.values)
        indices = numpy_helper.to_array(sparse.indices).astype(np.int64)
        array = np.zeros(dims, values.dtype)
        if indices.ndim == 1:
            array.reshape(-1)[indices] = values
        else:
            array[tuple(indices.T)] = values
    except Exception as exc:
        raise NotSupportedError(f"{what}: malformed sparse tensor: {type(exc).__name__}: {exc}") from None
    return const_value(array, sparse.values.data_type)


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


def _sorted_nodes(graph: Any, scope: Scope, where: str) -> list[tuple[int, Any]]:
    """The nodes in a dependency order (the file's order when it is one, as ONNX requires)."""
    nodes = list(enumerate(graph.node))
    known = set()
    ordered = True
    for _, node in nodes:
        if any(n and n not in known and scope.get(n) is None for n in node.input):
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
            for name in nodes[j][1].input:
                k = produced_by.get(name)
                if k is not None and k not in done:
                    stack.append((k, False))

    for i in range(len(nodes)):
        visit(i)
    return result


def read_model(model: Any) -> Any:
    """An ``onnx.ModelProto`` from a path, bytes or a ModelProto."""
    try:
        import onnx
    except ImportError as exc:  # pragma: no cover - onnx ships with the onnxruntime extra
        raise NotSupportedError(f"ONNX import needs the onnx package (pip install onnx): {exc}") from None
    from ..errors import GraphFormatError

    if isinstance(model, onnx.ModelProto):
        return model
    if isinstance(model, bytes | bytearray | memoryview):
        try:
            return onnx.load_model_from_string(bytes(model))
        except Exception as exc:
            raise GraphFormatError(f"not a readable ONNX model: {exc}") from None
    if isinstance(model, str | os.PathLike):
        path = os.fspath(model)
        if not os.path.isfile(path):
            raise FileNotFoundError(f"{path}: no such file")
        try:
            return onnx.load(path)
        except Exception as exc:
            raise GraphFormatError(f"not a readable ONNX model: {exc}", file=path) from None
    raise TypeError(f"model must be a path, bytes or an onnx.ModelProto, got {type(model).__name__}")


# --------------------------------------------------------------------------- API


def import_onnx(model: Any, builder: MLGraphBuilder,
                input_shapes: Mapping[str, Sequence[int]] | None = None) -> dict[str, MLOperand]:
    from ...builder import MLGraphBuilder

    if not isinstance(builder, MLGraphBuilder):
        raise TypeError(f"import_onnx needs an MLGraphBuilder, got {type(builder).__name__}")
    builder._check_can_build("import_onnx")
    proto = read_model(model)
    return _convert(proto, builder, input_shapes, wrap_outputs=False)


def load_onnx(model: Any, context: MLContext | None = None,
              input_shapes: Mapping[str, Sequence[int]] | None = None) -> MLGraph:
    from ...context import ML, MLContext

    if context is None:
        context = ML().create_context()
    elif not isinstance(context, MLContext):
        raise TypeError(f"load_onnx needs an MLContext, got {type(context).__name__}")
    proto = read_model(model)
    builder = context.create_graph_builder()
    return builder.build(_convert(proto, builder, input_shapes, wrap_outputs=True))


def _convert(proto: Any, builder: MLGraphBuilder, input_shapes: Mapping[str, Sequence[int]] | None,
             wrap_outputs: bool) -> dict[str, MLOperand]:
    """Convert ``proto`` onto ``builder``; on any error the builder is as it was before."""
    initializers = {t.name for t in proto.graph.initializer} | {t.values.name for t in proto.graph.sparse_initializer}
    taken = [sanitize(i.name) for i in proto.graph.input if i.name not in initializers and i.name in builder._inputs]
    if taken:
        raise TypeError(f"import_onnx: the builder already has inputs named {taken}")
    checkpoint = builder._checkpoint()
    try:
        return Importer(proto, builder, input_shapes).plan(wrap_outputs)
    except BaseException:
        builder._rollback(checkpoint)
        raise


def supported_op_types() -> list[str]:
    load_all()
    return sorted(set(CONVERTERS) | set(FOLDERS))
