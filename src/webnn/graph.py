"""``MLGraph``: a compiled, immutable graph bound to its context."""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, Self

from .ir import Graph, OperandDescriptor

if TYPE_CHECKING:
    from .backends import CompiledGraph
    from .context import MLContext


#: The file formats of a graph, by name: functions of an MLGraph that the modules writing them
#: (webnn.io, webnn.compile) register here, so that this module imports none of them.
FORMATS: dict[str, Callable[..., Any]] = {}
#: Readers of a graph's IR from a file, by format name (``"webnn-graph"``: path, context or None,
#: weights or None -> ir.Graph).
READERS: dict[str, Callable[..., Graph]] = {}


class MLGraph:
    """The result of ``MLGraphBuilder.build``: run it with ``context.compute`` or ``context.dispatch``."""

    def __init__(
        self,
        context: MLContext | None,
        graph: Graph | Callable[[], Graph],
        compiled: CompiledGraph | None,
        *,
        lowered: Graph | None = None,
        signature: tuple[Mapping[str, OperandDescriptor], Mapping[str, OperandDescriptor]] | None = None,
        counts: tuple[int, int] | None = None,
        engine: Any = None,
    ) -> None:
        """``graph`` is the IR, or a function that reads it on first use (then ``signature``,
        the input and output descriptors, is given, and ``counts``, its operand and operation
        counts, when known); ``lowered`` the graph the backend compiled (None when the compiled
        graph was loaded, not compiled); ``engine`` the backend that compiled it (default: the
        context's; with ``backend="auto"``, the engine chosen for it).  Without a context (``MLGraph.load`` without one), the
        graph is compiled for the first context that runs it (see :attr:`context`)."""
        self._context = context
        self._graph_or_reader = graph
        self._compiled: CompiledGraph | None = compiled
        self._destroyed = False
        self._lowered = lowered
        self._from_cache = lowered is None
        self._engine = engine if engine is not None or context is None else context._backend
        #: A background switch to another engine (``backend="auto"``): its thread, started at
        #: build, waits until the first compute or dispatch has returned and opened the gate
        #: (``_deferred``, then None); ``_pending`` is set when the thread is done.
        self._deferred: threading.Event | None = None
        self._pending: threading.Event | None = None
        if signature is None:
            assert isinstance(graph, Graph)
            signature = (graph.input_descriptors, graph.output_descriptors)
        if isinstance(graph, Graph):
            counts = (len(graph.operands), len(graph.operations))
        self._counts = counts
        self._input_descriptors = dict(signature[0])
        self._output_descriptors = dict(signature[1])
        #: (name, numpy dtype, shape, needs a range check) per input, for compute's fast path.
        self._input_specs = tuple(
            (name, d.numpy_dtype, d.shape, d.data_type in ("int4", "uint4"))
            for name, d in self._input_descriptors.items()
        )
        if context is not None:
            context._graphs.add(self)
            if context.is_lost:  # (destroyed by another thread meanwhile: it missed this graph)
                self.destroy()

    @property
    def _graph(self) -> Graph:
        graph = self._graph_or_reader
        if not isinstance(graph, Graph):
            graph = self._graph_or_reader = graph()
        return graph

    @property
    def context(self) -> MLContext:
        """The context the graph is compiled for.  A graph loaded without one (``MLGraph.load``)
        belongs to the first context that computes or dispatches it; asked for before that, it
        is compiled for a default context (``webnn.ML().create_context()``, one per process)."""
        if self._context is None:
            from .context import default_context

            default_context()._adopt(self)
        assert self._context is not None
        return self._context

    def _bind(self, context: MLContext, compiled: CompiledGraph, lowered: Graph | None, engine: Any = None) -> None:
        """Compiled for ``context`` (by ``context._adopt``, once)."""
        self._context, self._compiled, self._lowered = context, compiled, lowered
        self._engine = engine if engine is not None else context._backend
        self._from_cache = lowered is None
        context._graphs.add(self)
        if context.is_lost:  # (destroyed by another thread meanwhile: it missed this graph)
            self.destroy()

    def _switch_to(self, other: MLGraph) -> None:
        """Run from now on as ``other`` (the same graph compiled by another engine) does."""
        if self._destroyed or other._compiled is None:
            return
        self._engine, self._lowered, self._from_cache = other._engine, other._lowered, other._from_cache
        self._compiled = other._compiled  # (one assignment: a compute in progress keeps the old one)
        other._compiled = None
        other._destroyed = True
        if self._destroyed:  # (destroyed meanwhile)
            self._compiled = None

    def _defer(self, work: Callable[[], None]) -> None:
        """Run ``work`` in a background thread once the first compute or dispatch has returned
        (see :meth:`wait_ready`).

        The thread starts now, with ``_thread``: ``threading.Thread.start`` waits until the new
        thread runs, which took up to 20 ms after an engine's session was created (its worker
        threads held both cores), and a thread started at the end of the first compute
        delayed the first result the same way."""
        import _thread

        gate, done = threading.Event(), threading.Event()

        def run() -> None:
            try:
                gate.wait()
                if not self._destroyed:
                    work()
            finally:
                done.set()

        self._deferred, self._pending = gate, done
        _thread.start_new_thread(run, ())

    def _start_deferred(self) -> None:
        """Let the background work that waits for the first result begin (once)."""
        gate, self._deferred = self._deferred, None
        if gate is not None:
            gate.set()

    @property
    def backend(self) -> str:
        """The engine that runs the graph: the context's backend, or with ``backend="auto"``
        the one chosen for this graph (which may change once, see :meth:`wait_ready`)."""
        return str(self._engine.name) if self._engine is not None else self.context.backend

    def wait_ready(self, timeout: float | None = None) -> bool:
        """Wait for a background switch to a faster engine (``backend="auto"`` loads a
        remembered winner that this process has not imported yet while the graph already
        runs on another); True when none is in progress any more."""
        if self._deferred is not None:
            self._start_deferred()
        pending = self._pending
        if pending is not None:
            if not pending.wait(timeout):
                return False
            self._pending = None
        return True

    @staticmethod
    def load(
        path: str | os.PathLike[str], manifest_path: str | os.PathLike[str] | None = None,
        weights_path: str | os.PathLike[str] | None = None, *, context: MLContext | None = None,
    ) -> MLGraph:
        """pywebnn's loader of webnn-graph files: text or JSON form, whatever the extension
        (``webnn.load`` is the full one).  ``manifest_path`` and ``weights_path`` name a
        manifest and its weights data; ``weights_path`` alone a ``.safetensors`` file (by
        default: the weights file the graph file names, or one beside it).  Without ``context``
        the graph is compiled for the first context that runs it."""
        if manifest_path is not None and weights_path is not None:
            weights: Any = (os.fspath(manifest_path), os.fspath(weights_path))
        else:
            weights = manifest_path if manifest_path is not None else weights_path
        ir = READERS["webnn-graph"](path, context, weights)
        if context is not None:
            return context._compile(ir)
        return MLGraph(None, ir, None)

    @property
    def ir(self) -> Graph:
        """The validated graph representation the backend compiled."""
        return self._graph

    @property
    def from_cache(self) -> bool:
        """Whether the compiled graph was loaded (from the persistent cache or a compiled
        package) rather than compiled in this process."""
        return self._from_cache

    @property
    def lowered_ir(self) -> Graph:
        """The graph the backend compiles: :attr:`ir` after the backend's pass pipeline (run
        now if the compiled graph came from the persistent cache)."""
        if self._lowered is None:
            from .passes.pipeline import optimize

            self._lowered = optimize(self._graph, self._engine if self._engine is not None else self.context._backend)
        return self._lowered

    @property
    def input_names(self) -> list[str]:
        return list(self._input_descriptors)

    @property
    def output_names(self) -> list[str]:
        return list(self._output_descriptors)

    @property
    def input_descriptors(self) -> dict[str, OperandDescriptor]:
        """Input name -> descriptor (``.data_type``, ``.shape``; ``.to_dict()`` for the spec form)."""
        return dict(self._input_descriptors)

    @property
    def output_descriptors(self) -> dict[str, OperandDescriptor]:
        return dict(self._output_descriptors)

    # pywebnn names
    def get_input_names(self) -> list[str]:
        return self.input_names

    def get_output_names(self) -> list[str]:
        return self.output_names

    def debug_operand(self, index: int) -> str:
        """One line about operand ``index`` of the graph: its kind (input, constant, output of an
        operation), name, data type and shape."""
        graph = self._graph
        if not 0 <= index < len(graph.operands):
            return f"Operand[{index}]: not found (the graph has {len(graph.operands)} operands)"
        names = {operand: name for name, operand in graph.inputs.items()}
        outputs = {operand: name for name, operand in graph.outputs.items()}
        if index in names:
            kind, name = "input", names[index]
        elif index in graph.constants:
            kind, name = "constant", None
        else:
            kind, name = "operation output", outputs.get(index)
            for op in graph.operations:
                if index in op.outputs:
                    kind = f"output of {op.type}" + (f" {op.label!r}" if op.label else "")
                    break
        desc = graph.operands[index]
        return f"Operand[{index}]: name={name!r}, kind={kind}, type={desc.data_type}, shape={list(desc.shape)}"

    def count_empty_shapes(self) -> int:
        """How many operands are scalars (shape [])."""
        return sum(1 for desc in self._graph.operands if not desc.shape)

    @property
    def operand_count(self) -> int:
        return self._counts[0] if self._counts is not None else len(self._graph.operands)

    @property
    def operation_count(self) -> int:
        return self._counts[1] if self._counts is not None else len(self._graph.operations)

    @property
    def destroyed(self) -> bool:
        return self._destroyed

    def destroy(self) -> None:
        """Release the compiled graph; later compute / dispatch raise ``InvalidStateError``."""
        self._destroyed = True
        self._compiled = None
        self._start_deferred()  # (its thread then ends without working)

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        """``with`` destroys it at the end of the block."""
        self.destroy()

    # ------------------------------------------------------------------ files and pictures
    def save_compiled(self, path: str | os.PathLike[str]) -> str:
        """Write the graph compiled for this context's backend as a package folder that
        ``webnn.load_compiled`` loads without lowering or optimizing again (see ``webnn compile``).
        Returns the folder's path."""
        return FORMATS["compiled"](self, path)

    def save(
        self, path: str | os.PathLike[str], weights: str = "safetensors", *, inline_threshold: int = 64,
        quantized: bool = False,
    ) -> list[str]:
        """Write the graph as a webnn-graph file: ``.webnn`` (text form) or ``.json`` (JSON form).

        ``weights``: "safetensors" (``<path>.safetensors``, e.g. ``model.webnn.safetensors``),
        "manifest" (``<path>.manifest.json`` + ``<path>.weights``) or "inline" (all in the graph
        file).  Constants of at most ``inline_threshold`` bytes are written inline anyway (0:
        none).  The graph file records its weights file and the file's SHA-256, which
        ``webnn.load`` checks; every file is written atomically, the weights first.  A weights
        file recorded as another graph file's is never replaced (FileExistsError, nothing
        written).  Lossless: every attribute and label; ``webnn.load`` reads it back.
        ``quantized`` sets the format's ``@quantized`` flag (the file holds a quantized model; it
        changes nothing in the graph).  Returns the paths written.
        """
        return FORMATS["webnn-graph"](self, path, weights, inline_threshold=inline_threshold, quantized=quantized)

    def to_onnx(self, path: str | os.PathLike[str] | None = None) -> bytes:
        """The graph as a standard ONNX model (opset 21) that stock ONNX Runtime runs with the
        same results; written to ``path`` too when given.  Weights are inline below 2 GB, else in
        ``<path>.data``.  Node names carry the op labels; input and output names are the graph's."""
        return FORMATS["onnx"](self, path)

    def export_tflite(self, path: str | os.PathLike[str] | None = None) -> bytes:
        """The graph as a TFLite model (what the litert backend runs: NHWC inside, the graph's
        inputs and outputs in their own layouts) for LiteRT elsewhere, e.g. on Android; written
        atomically to ``path`` too when given.  Needs the ``litert`` extra; NotSupportedError
        for an op or data type LiteRT does not compute exactly."""
        return FORMATS["tflite"](self, path)

    def convert_to_coreml(self, path: str | os.PathLike[str], precision: str = "auto") -> str:
        """Write the graph as a CoreML ML Program (an ``.mlpackage`` folder, the iOS 17 / macOS 14
        opset) at ``path``, on any system (CoreML runs it on Apple's); returns the folder's path.
        Each operation computes in its own data type (float16 graphs in float16); with
        ``precision="float16"`` float32 operations compute in float16.  Needs the ``coreml``
        extra; NotSupportedError for an op or data type CoreML does not compute exactly."""
        return FORMATS["coreml"](self, path, precision)  # type: ignore[no-any-return]

    def to_dot(self, compact: bool | None = None) -> str:
        """The graph as Graphviz DOT text (ops, inputs, constants and outputs as nodes; edges
        labelled with data type and shape).  ``compact=True``, for large graphs: constants written
        in the nodes of the ops that read them, and boxes around the blocks the op labels name
        (``block3`` around ``block3.expand`` and ``block3.add``; prefixes end at ``.`` or ``/``);
        False: never; None (the default): for graphs of 30 operations or more."""
        return FORMATS["dot"](self, compact)

    def render(self, path: str | os.PathLike[str], compact: bool | None = None) -> None:
        """Draw the graph to ``path``: ``.svg``, ``.png`` or ``.pdf`` (needs Graphviz's ``dot``
        program; RuntimeError if it is missing), or ``.dot`` (the DOT text); ``compact`` as for
        ``to_dot``."""
        FORMATS["picture"](self, path, compact)

    def __repr__(self) -> str:
        ins = ", ".join(f"{n}: {d}" for n, d in self._input_descriptors.items())
        outs = ", ".join(f"{n}: {d}" for n, d in self._output_descriptors.items())
        state = ", destroyed" if self.destroyed else ""
        return f"MLGraph(inputs={{{ins}}}, outputs={{{outs}}}, operations={self.operation_count}{state})"

    def _debug(self) -> dict[str, Any]:
        return {"operations": [op.type for op in self._graph.operations]}
