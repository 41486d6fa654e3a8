"""Batch inference with a saved WebNN graph over a Ray Dataset.

::

    import ray, webnn.integrations.ray as wr

    ds = ray.data.read_parquet("s3://bucket/images/")          # a column "x" of [3, 224, 224] float32
    out = wr.map_graph(ds, "/models/mobilenet.onnx", batch_size=32, concurrency=4)
    out.filter(lambda row: row["error"] == "").write_parquet(...)

``map_graph`` runs ``Dataset.map_batches`` with an actor pool of :class:`GraphPredictor`: each
actor loads and compiles the graph once, in its constructor, then computes every batch it is given
(a dict of NumPy arrays, column name -> array, one row per element of the first dimension).  The
persistent compiled-graph cache (``webnn cache``) is shared by the actors of one machine: the first
actor compiles, the others load the compiled graph from the cache.

**The batch dimension.**  The first dimension of every graph input and output is the batch
dimension; a column holds the rest of the shape for each row.

- A graph whose batch dimension is fixed (every ``.webnn`` graph, an ONNX model whose inputs declare
  a size there) computes its batch size ``B`` at a time: each Ray batch is cut into chunks of ``B``
  rows, the last chunk padded with copies of its last row (whose results are dropped).  Any Ray
  ``batch_size`` works; a multiple of ``B`` wastes nothing.
- An ONNX model whose inputs all leave the first dimension free (``dim_param`` such as ``"N"``) is
  specialized to each batch's row count: the actor loads it with that dimension bound
  (``load_onnx(..., input_shapes=...)``) and keeps one compiled graph per row count (at most
  ``max_graphs``, least recently used first out).  Ray gives ``batch_size`` rows per batch except
  for the last batch of a task's input (a few blocks), so an actor compiles a few sizes; each
  compiles once per machine thanks to the persistent cache (graphs of fewer than 16 operations
  and 64 KiB of constants bypass the cache: they compile in a millisecond or two).  Other free dimensions must be fixed with
  ``input_shapes`` (``None`` for the batch dimension: ``{"x": [None, 3, 224, 224]}``).

**Bad rows.**  A batch that fails (a row of another shape, a column of another data type, a
value the graph refuses) does not fail the job: its rows are computed one at a time, the rows that
still fail get their error message in ``error_column`` (``"ValueError: ..."``; ``""`` for the rows
that computed) and NaN (0 for integer outputs) in the output columns, and the other rows get their
results.  NaN or infinite inputs are no error: they compute what the graph computes of them.
``error_column=None`` makes a failing batch fail the job instead.  A configuration error (a
missing column, a model that does not load) always fails the job.  Rows whose rank differs from
the others' never reach the actor: Ray Data cannot batch blocks of such a column (Python objects)
with blocks of regular rows (tensors), and the job fails in Ray.

Nothing here imports Ray until :func:`map_graph` is called; :class:`GraphPredictor` runs without
Ray too (it is a plain callable on dicts of arrays).
"""

from __future__ import annotations

import os
import sys
import time
from collections import OrderedDict
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from ray.data import Dataset

    from ..context import MLContext
    from ..graph import MLGraph

__all__ = ["DEFAULT_ERROR_COLUMN", "GraphPredictor", "map_graph"]

#: The column that holds each row's error message ("" when the row computed).
DEFAULT_ERROR_COLUMN = "error"
#: Longest error message kept per row.
_MESSAGE_LIMIT = 1000

Model = str | os.PathLike[str] | bytes


def _column_map(names: Sequence[str], given: Mapping[str, str] | Sequence[str] | None, what: str) -> dict[str, str]:
    """{graph name: column name} for ``given`` (None: every name as itself; a list: those names)."""
    if given is None:
        return {name: name for name in names}
    if isinstance(given, Mapping):
        mapping = {str(k): str(v) for k, v in given.items()}
    elif isinstance(given, str):
        mapping = {given: given}
    else:
        mapping = {str(k): str(k) for k in given}
    unknown = sorted(set(mapping) - set(names))
    if unknown:
        raise ValueError(f"{what} names {unknown}, which the graph has no {what[:-1]} called; its {what}: {list(names)}")
    return mapping


def _onnx_input_dims(data: bytes) -> dict[str, list[int | None]]:
    """The declared dimensions of an ONNX model's graph inputs (initializers left out), None where
    a dimension is free (read with webnn's own protobuf reader; ``onnx`` is not imported)."""
    from ..io.onnx_import.proto import load_model

    graph = load_model(data).graph
    initializers = {t.name for t in graph.initializer} | {t.values.name for t in graph.sparse_initializer}
    dims: dict[str, list[int | None]] = {}
    for value in graph.input:
        if value.name in initializers:
            continue
        tensor = value.type.tensor_type
        if not tensor.HasField("shape"):
            dims[value.name] = []
            continue
        dims[value.name] = [d.dim_value if d.HasField("dim_value") and d.dim_value > 0 else None
                            for d in tensor.shape.dim]
    return dims


def _assigned_cpus() -> int | None:
    """The CPUs Ray gave this actor (rounded, at least 1), None outside a Ray worker."""
    ray = sys.modules.get("ray")
    if ray is None or not ray.is_initialized():
        return None
    try:
        cpus = ray.get_runtime_context().get_assigned_resources().get("CPU")
    except Exception:
        return None
    return max(1, round(cpus)) if cpus else None


def _fill_value(dtype: np.dtype) -> Any:
    return np.nan if np.issubdtype(dtype, np.floating) else 0


class GraphPredictor:
    """Computes a saved graph on batches of rows: give the class to ``Dataset.map_batches`` (with
    ``batch_format="numpy"`` and an actor pool), or call an instance on a dict of arrays.

    ``model``: a webnn-graph file (``.webnn``, ``.json``; its weights beside it), an ONNX file
    (``.onnx``) or an ONNX model's bytes.  A path must be readable where the actor runs (on a
    cluster: shared storage, or the same file on every node); bytes travel with the actor.
    ``backend``: as for ``webnn.ML().create_context`` (``"auto"``: the fastest installed engine,
    chosen at the first build and remembered in the persistent cache).  ``inputs``: {graph input:
    column} (an input it does not name reads the column of its name).  ``outputs``: {graph output:
    column}, or a list of graph outputs written under their own names: the outputs written
    (default: every output, under its name).
    ``input_shapes``: the shapes of an ONNX model's inputs, ``None`` for the batch dimension, for
    models whose other dimensions are free.  ``batch_size``: the row count to compile an ONNX model
    with a free batch dimension for in the constructor (default 1; ``map_graph`` passes its own).
    ``error_column``: where each row's error message goes (``""`` when the row computed); None:
    a failing batch raises.  ``cast``: convert columns of another data type to the input's
    (``same_kind`` casts, float64 to float32 say) instead of reporting them as errors.
    ``keep_columns``: the batch's columns returned with the outputs: all (True, the default),
    none (False: the outputs and the error column alone) or those listed (``["id"]``).  ``num_threads``: the engine's threads (default: the CPUs Ray gave the
    actor, else the engine's default).  ``max_graphs``: how many compiled sizes an actor keeps.

    The graph is loaded and compiled in the constructor; :meth:`stats` says how long that took and
    whether it came from the persistent cache.
    """

    def __init__(
        self,
        model: Model,
        *,
        backend: str | None = "auto",
        inputs: Mapping[str, str] | None = None,
        outputs: Mapping[str, str] | Sequence[str] | None = None,
        input_shapes: Mapping[str, Sequence[int | None]] | None = None,
        batch_size: int | None = None,
        error_column: str | None = DEFAULT_ERROR_COLUMN,
        cast: bool = False,
        keep_columns: bool | Sequence[str] = True,
        num_threads: int | None = None,
        max_graphs: int = 8,
    ) -> None:
        import webnn

        started = time.perf_counter()
        if max_graphs < 1:
            raise ValueError(f"max_graphs must be at least 1, got {max_graphs}")
        if batch_size is not None and batch_size < 1:
            raise ValueError(f"batch_size must be at least 1, got {batch_size}")
        self.error_column = error_column
        self.cast = bool(cast)
        self.keep_columns: bool | list[str] = (
            keep_columns if isinstance(keep_columns, bool) else
            [keep_columns] if isinstance(keep_columns, str) else list(keep_columns))
        self.max_graphs = max_graphs
        threads = num_threads if num_threads is not None else _assigned_cpus()
        self.context: MLContext = webnn.ML().create_context(backend=backend, num_threads=threads)
        self._graphs: OrderedDict[int, MLGraph] = OrderedDict()
        #: The graph's fixed batch size, None when it is specialized per batch.
        self.fixed_batch: int | None = None
        self._onnx: bytes | None = None
        #: Per ONNX input, its shape without the batch dimension (free batch dimension only).
        self._rest: dict[str, list[int]] = {}
        if isinstance(model, bytes | bytearray | memoryview):
            self._onnx = bytes(model)
        else:
            path = os.fspath(model)
            if path.lower().endswith(".onnx"):
                with open(path, "rb") as f:
                    self._onnx = f.read()
            else:
                graph = webnn.load(path, self.context)
        if self._onnx is not None:
            graph = self._load_onnx(input_shapes, batch_size or 1)
        elif input_shapes is not None:
            raise ValueError("input_shapes is for ONNX models (a webnn-graph file fixes every shape)")

        if inputs is not None and not isinstance(inputs, Mapping):
            raise TypeError(f"inputs must be a mapping {{graph input: column}}, got {type(inputs).__name__}")
        given = _column_map(graph.input_names, inputs, "inputs")
        #: {graph input: column}; the inputs ``inputs`` does not name read the column of their name.
        self.input_columns = {name: given.get(name, name) for name in graph.input_names}
        self.output_columns = _column_map(graph.output_names, outputs, "outputs")
        self._check_batch_dimension(graph)
        if not self._rest:
            self.fixed_batch = graph.input_descriptors[graph.input_names[0]].shape[0]
            self._graphs = OrderedDict([(self.fixed_batch, graph)])
        self._in = {name: (tuple(d.shape[1:]), d.numpy_dtype) for name, d in graph.input_descriptors.items()}
        self._out = {name: (tuple(d.shape[1:]), d.numpy_dtype) for name, d in graph.output_descriptors.items()
                     if name in self.output_columns}
        self.from_cache = graph.from_cache
        self._stored(graph)
        self.load_seconds = time.perf_counter() - started
        self.backend = graph.backend

    # ------------------------------------------------------------------------------------ loading

    def _load_onnx(self, input_shapes: Mapping[str, Sequence[int | None]] | None, rows: int) -> MLGraph:
        assert self._onnx is not None
        declared = _onnx_input_dims(self._onnx)
        given = {str(k): list(v) for k, v in (input_shapes or {}).items()}
        unknown = sorted(set(given) - set(declared))
        if unknown:
            raise ValueError(f"input_shapes names {unknown}, which the model has no input called; "
                             f"its inputs: {list(declared)}")
        shapes: dict[str, list[int | None]] = {}
        for name, dims in declared.items():
            shape = given.get(name, dims)
            if dims and len(shape) != len(dims):
                raise ValueError(f"input_shapes[{name!r}] has {len(shape)} dimensions, the input {len(dims)}")
            if not shape:
                raise ValueError(f"input {name!r} has no batch dimension (a scalar, or no declared shape: "
                                 f"give it in input_shapes, None for the batch dimension)")
            free = [i for i, d in enumerate(shape[1:], 1) if d is None]
            if free:
                raise ValueError(f"input {name!r}: dimensions {free} of {shape} are free; fix them with "
                                 f"input_shapes={{{name!r}: [None, ...]}} (only the batch dimension may stay free)")
            shapes[name] = shape
        free_batch = {name for name, shape in shapes.items() if shape[0] is None}
        if free_batch and len(free_batch) != len(shapes):
            raise ValueError(f"the batch dimension is free in inputs {sorted(free_batch)} but fixed in "
                             f"{sorted(set(shapes) - free_batch)}: free it in all or fix it in all (input_shapes)")
        if free_batch:
            self._rest = {name: [int(d) for d in shape[1:] if d is not None] for name, shape in shapes.items()}
            return self._graph_for(rows)
        import webnn

        fixed = {name: [int(d) for d in shape if d is not None] for name, shape in shapes.items()}
        return webnn.load_onnx(self._onnx, self.context, input_shapes=fixed)

    def _graph_for(self, rows: int) -> MLGraph:
        """The compiled graph for ``rows`` rows (the fixed one, or the specialization)."""
        if self.fixed_batch is not None and self._graphs:
            return next(iter(self._graphs.values()))
        graph = self._graphs.get(rows)
        if graph is not None:
            self._graphs.move_to_end(rows)
            return graph
        import webnn

        assert self._onnx is not None
        graph = webnn.load_onnx(self._onnx, self.context,
                                input_shapes={name: [rows, *rest] for name, rest in self._rest.items()})
        self._graphs[rows] = graph
        self._stored(graph)
        while len(self._graphs) > self.max_graphs:
            _, old = self._graphs.popitem(last=False)
            old.destroy()
        return graph

    @staticmethod
    def _stored(graph: MLGraph) -> None:
        """Wait for the persistent cache to hold ``graph`` when it was compiled here: the store runs
        in a background thread, and Ray ends actors without waiting for their threads."""
        if not graph.from_cache:
            from ..cache import wait_for_stores

            wait_for_stores()

    def _check_batch_dimension(self, graph: MLGraph) -> None:
        descriptors = {**graph.input_descriptors, **graph.output_descriptors}
        sizes = {name: d.shape[0] if d.shape else None for name, d in descriptors.items()}
        if None in sizes.values() or len(set(sizes.values())) != 1:
            raise ValueError(
                "every graph input and output must have the batch dimension first, of one size; the graph has "
                + ", ".join(f"{name} {list(d.shape)}" for name, d in descriptors.items()))

    # ------------------------------------------------------------------------------------ running

    def stats(self) -> dict[str, Any]:
        """How this actor's graph was loaded: ``load_seconds`` (the constructor's time, load and
        compile), ``from_cache`` (whether the compiled graph came from the persistent cache),
        ``backend`` (the engine), ``fixed_batch``, ``compiled_sizes``, ``pid`` and ``webnn`` (the
        file webnn was imported from)."""
        import webnn

        return {"load_seconds": self.load_seconds, "from_cache": self.from_cache, "backend": self.backend,
                "fixed_batch": self.fixed_batch, "compiled_sizes": sorted(self._graphs), "pid": os.getpid(),
                "webnn": webnn.__file__}

    def _feeds(self, batch: Mapping[str, np.ndarray], start: int, stop: int) -> tuple[dict[str, np.ndarray], int]:
        """The graph's inputs for rows ``start:stop`` (padded to the fixed batch size) and the row count."""
        rows = stop - start
        size = self.fixed_batch or rows
        feeds = {}
        for name, column in self.input_columns.items():
            part = np.asarray(batch[column][start:stop])
            if part.dtype == object:  # rows of different shapes (or an object column): stack what fits
                part = np.stack([np.asarray(value) for value in part])
            row_shape, dtype = self._in[name]
            if part.shape[1:] != row_shape:
                raise ValueError(f"column {column!r} has rows of shape {list(part.shape[1:])}; "
                                 f"input {name!r} takes {list(row_shape)}")
            if part.dtype != dtype:
                if not self.cast:
                    raise TypeError(f"column {column!r} is {part.dtype}; input {name!r} takes {dtype} "
                                    f"(cast=True converts it)")
                part = part.astype(dtype, casting="same_kind")
            if rows < size:
                part = np.concatenate([part, np.repeat(part[-1:], size - rows, axis=0)])
            feeds[name] = np.ascontiguousarray(part)
        return feeds, rows

    def _compute(self, batch: Mapping[str, np.ndarray], start: int, stop: int,
                 results: dict[str, np.ndarray]) -> None:
        feeds, rows = self._feeds(batch, start, stop)
        graph = self._graph_for(next(iter(feeds.values())).shape[0])
        computed = self.context.compute(graph, feeds)
        for name in self._out:
            results[name][start:stop] = computed[name][:rows]

    def __call__(self, batch: Mapping[str, np.ndarray]) -> dict[str, np.ndarray]:
        """The batch's results: {column: array}, the outputs (and the error column) added to the
        batch's columns (or those ``keep_columns`` lists, or none)."""
        absent = sorted({c for c in self.input_columns.values() if c not in batch})
        if absent:
            raise KeyError(f"the batch has no column {absent}; its columns: {sorted(batch)} "
                           f"(map graph inputs to columns with inputs={{input: column}})")
        n = len(batch[next(iter(self.input_columns.values()))])
        results = {name: np.full((n, *shape), _fill_value(dtype), dtype) for name, (shape, dtype) in self._out.items()}
        errors = [""] * n
        step = self.fixed_batch or max(n, 1)
        for start in range(0, n, step):
            stop = min(start + step, n)
            try:
                self._compute(batch, start, stop, results)
            except Exception:
                if self.error_column is None:
                    raise
                for row in range(start, stop):  # one at a time: the good rows still compute
                    try:
                        self._compute(batch, row, row + 1, results)
                    except Exception as exc:
                        errors[row] = f"{type(exc).__name__}: {exc}"[:_MESSAGE_LIMIT]
                        for array in results.values():
                            array[row] = _fill_value(array.dtype)
        if self.keep_columns is True:
            out = dict(batch)
        elif self.keep_columns is False:
            out = {}
        else:
            out = {column: batch[column] for column in self.keep_columns}
        for name, column in self.output_columns.items():
            out[column] = results[name]
        if self.error_column is not None:
            out[self.error_column] = np.array(errors, dtype=object)
        return out


def map_graph(
    dataset: Dataset,
    model: Model,
    *,
    backend: str | None = "auto",
    batch_size: int = 64,
    concurrency: int | tuple[int, int] = 1,
    inputs: Mapping[str, str] | None = None,
    outputs: Mapping[str, str] | Sequence[str] | None = None,
    input_shapes: Mapping[str, Sequence[int | None]] | None = None,
    error_column: str | None = DEFAULT_ERROR_COLUMN,
    cast: bool = False,
    keep_columns: bool | Sequence[str] = True,
    num_cpus: float = 1,
    num_threads: int | None = None,
    max_graphs: int = 8,
    **map_batches_args: Any,
) -> Dataset:
    """``dataset`` with the graph's outputs as columns: ``Dataset.map_batches`` over a pool of
    :class:`GraphPredictor` actors (lazy, as Ray Datasets are: nothing runs until the result is
    consumed).

    ``model``: a ``.webnn`` / ``.json`` / ``.onnx`` path (made absolute here; it must be readable on
    every node that runs an actor) or an ONNX model's bytes (shipped to the actors).
    ``batch_size``: rows per Ray batch.  ``concurrency``: the number of actors, or a (min, max)
    pair for an autoscaling pool.  ``num_cpus``: Ray CPUs per actor (the engine gets as many
    threads unless ``num_threads`` says otherwise).  The other arguments are
    :class:`GraphPredictor`'s; further keyword arguments go to ``map_batches`` (``memory=...``,
    ``runtime_env=...``).  The batch-dimension rule and the per-row errors are the module's
    (see :mod:`webnn.integrations.ray`).
    """
    from ray.data import ActorPoolStrategy

    if not isinstance(model, bytes | bytearray | memoryview):
        model = os.path.abspath(os.fspath(model))
        if not os.path.isfile(model):
            raise FileNotFoundError(f"no model file {model!r} here (it must be readable on every node)")
    if isinstance(concurrency, tuple):
        low, high = concurrency
        strategy = ActorPoolStrategy(min_size=low, max_size=high)
    else:
        strategy = ActorPoolStrategy(size=concurrency)
    return dataset.map_batches(
        GraphPredictor,
        batch_size=batch_size,
        batch_format="numpy",
        compute=strategy,
        num_cpus=num_cpus,
        fn_constructor_args=(model,),
        fn_constructor_kwargs={
            "backend": backend, "inputs": inputs, "outputs": outputs, "input_shapes": input_shapes,
            "batch_size": batch_size, "error_column": error_column, "cast": cast, "keep_columns": keep_columns,
            "num_threads": num_threads, "max_graphs": max_graphs,
        },
        **map_batches_args,
    )
