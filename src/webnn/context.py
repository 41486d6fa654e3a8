"""``ML`` and ``MLContext``: choosing a backend, running graphs, tensors."""

from __future__ import annotations

import os
import threading
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar
from weakref import WeakSet

import numpy as np

from . import dtypes
from .backends import AUTO, BACKENDS, Backend, available_backends, load_backend, unavailable_reason
from .descriptor import buffer_to_array, check_byte_length, check_value_range, to_descriptor
from .errors import InvalidStateError, NotSupportedError, TensorStateError, ValidationError
from .graph import MLGraph
from .ir import MAX_RANK, MAX_TENSOR_BYTE_LENGTH
from .tensor import MLDeviceTensor, MLTensor

#: A kind of MLTensor (:meth:`MLContext._own_tensor` returns what it takes).
T = TypeVar("T", bound=MLTensor)

if TYPE_CHECKING:
    from concurrent.futures import Future

    from .builder import MLGraphBuilder

POWER_PREFERENCES = ("default", "high-performance", "low-power")
_LOST_MESSAGE = "destroy() was called"


async def _to_thread(func: Any, /, *args: Any) -> Any:
    import asyncio  # imported on first use: it costs more than the rest of webnn's import

    return await asyncio.to_thread(func, *args)
DEVICE_TYPES = ("cpu", "gpu", "npu")


class ML:
    """Entry point (the spec's ``navigator.ml``)."""

    def create_context(
        self,
        *args: Any,
        power_preference: str = "default",
        accelerated: bool = True,
        device_type: str | None = None,
        backend: str | None = None,
        num_threads: int | None = None,
        provider_options: Mapping[str, Mapping[str, Any]] | None = None,
        cache: bool = True,
        tune: bool = True,
    ) -> MLContext:
        """A context on the chosen backend.

        ``backend`` (not in the spec) names the implementation; when None, the
        ``WEBNN_BACKEND`` environment variable decides, else the first available
        of: onnxruntime, openvino, litert, reference.  ``backend="auto"`` chooses an engine per graph
        (:mod:`webnn.backends.auto`): with ``tune`` (default True), the first build of a graph
        times every installed engine that runs it and the persistent cache remembers the
        fastest for the next process; ``graph.backend`` names the engine chosen.  ``options`` may be the spec's dict
        (``{"powerPreference": "low-power", "accelerated": False}``).
        ``device_type`` ("cpu", "gpu", "npu"; not in the spec) asks for a device.
        ``num_threads`` caps the backend's intra-op threads; ``provider_options``
        (onnxruntime) maps execution provider names to their options.  ``cache``
        (default True) keeps compiled graphs in the persistent cache (``webnn cache info``;
        the ``WEBNN_CACHE=0`` environment variable turns it off for every context).

        pywebnn's positional form ``create_context(power_preference, accelerated, device_type)``
        works too, and ``device_type="auto"`` means None.  A ``device_type`` of "gpu" or "npu"
        that no installed engine offers falls back to the CPU with a warning (once per
        process), and ``backend_info()`` says so.
        """
        options: Any = None
        if args and (args[0] is None or isinstance(args[0], Mapping)):
            options, args = args[0], args[1:]
            if args:
                raise ValidationError("create_context: takes the options dict alone, or pywebnn's "
                                      "(power_preference, accelerated, device_type)")
        if args:  # pywebnn: (power_preference, accelerated, device_type)
            if len(args) > 3:
                raise ValidationError(f"create_context: takes at most 3 positional arguments, got {len(args)}")
            given = dict(zip(("power_preference", "accelerated", "device_type"), args))
            power_preference = given.get("power_preference", power_preference)
            accelerated = given.get("accelerated", accelerated)
            device_type = given.get("device_type", device_type)
        if device_type == "auto":
            device_type = None
        if options is not None:
            if not isinstance(options, Mapping):
                raise ValidationError(f"create_context: options must be a dict, got {type(options).__name__}")
            names = {"powerPreference": "power_preference", "power_preference": "power_preference",
                     "accelerated": "accelerated", "deviceType": "device_type", "device_type": "device_type",
                     "backend": "backend"}
            for key, value in options.items():
                if key not in names:
                    raise ValidationError(f"create_context: unknown option {key!r}")
                if names[key] == "power_preference":
                    power_preference = value
                elif names[key] == "accelerated":
                    accelerated = value
                elif names[key] == "device_type":
                    device_type = value
                else:
                    backend = value
        if power_preference not in POWER_PREFERENCES:
            raise ValidationError(
                f"create_context: power_preference must be one of {', '.join(POWER_PREFERENCES)}, "
                f"got {power_preference!r}"
            )
        if not isinstance(accelerated, bool):
            raise ValidationError(f"create_context: accelerated must be a bool, got {accelerated!r}")
        if device_type is not None and device_type not in DEVICE_TYPES:
            raise ValidationError(
                f"create_context: device_type must be one of {', '.join(DEVICE_TYPES)} or None, got {device_type!r}"
            )
        source = "backend"
        if backend is None and os.environ.get("WEBNN_BACKEND"):
            backend, source = os.environ["WEBNN_BACKEND"], "WEBNN_BACKEND"
        if backend is not None and backend not in BACKENDS and backend != AUTO:
            raise ValidationError(
                f"create_context: {source} must be one of {', '.join([*BACKENDS, AUTO])}, got {backend!r}")
        available = available_backends()
        if backend is None:
            backend = available[0]
        elif backend not in available and backend != AUTO:
            raise NotSupportedError(unavailable_reason(backend))
        if num_threads is not None and (
            isinstance(num_threads, bool) or not isinstance(num_threads, int) or num_threads < 1
        ):
            raise ValidationError(f"create_context: num_threads must be a positive integer, got {num_threads!r}")
        if not isinstance(cache, bool):
            raise ValidationError(f"create_context: cache must be a bool, got {cache!r}")
        if not isinstance(tune, bool):
            raise ValidationError(f"create_context: tune must be a bool, got {tune!r}")
        if provider_options is not None and not isinstance(provider_options, Mapping):
            raise ValidationError("create_context: provider_options must be a dict of provider name -> options")
        context = MLContext(
            load_backend(
                backend,
                power_preference=power_preference,
                accelerated=accelerated,
                device_type=device_type,
                num_threads=num_threads,
                provider_options=dict(provider_options or {}),
                cache=cache,
                **({"tune": tune} if backend == AUTO else {}),
            ),
            power_preference=power_preference,
            accelerated=accelerated,
            device_type=device_type,
        )
        fallback = context._device_fallback()
        if fallback is not None and fallback not in _WARNED:
            _WARNED.add(fallback)
            import warnings

            warnings.warn(f"create_context: {fallback}", RuntimeWarning, stacklevel=2)
        return context


#: The device fallbacks warned about in this process.
_WARNED: set[str] = set()
_ADOPT_LOCK = threading.RLock()
_DEFAULT: MLContext | None = None


def default_context() -> MLContext:
    """The context of this process that graphs loaded without one use when nothing else runs
    them (``webnn.ML().create_context()``, made on first use)."""
    global _DEFAULT
    with _ADOPT_LOCK:
        if _DEFAULT is None or _DEFAULT.is_lost:
            _DEFAULT = ML().create_context()
        return _DEFAULT


def _writable_in_place(inputs: Mapping[str, np.ndarray], outputs: Mapping[str, np.ndarray] | None,
                       names: list[str]) -> bool:
    """Whether a backend may write every output straight into the caller's arrays: all outputs
    given, C-contiguous, distinct, and sharing no memory with an input."""
    if outputs is None or len(outputs) != len(names):
        return False
    arrays = list(outputs.values())
    if not all(a.flags.c_contiguous for a in arrays):
        return False
    for i, a in enumerate(arrays):
        if any(np.may_share_memory(a, b) for b in arrays[i + 1:]) or any(
                np.may_share_memory(a, x) for x in inputs.values()):
            return False
    return True


class MLContext:
    """Owns graphs and tensors and runs them on one backend."""

    def __init__(self, backend: Backend, *, power_preference: str, accelerated: bool, device_type: str | None):
        self._backend = backend
        self._power_preference = power_preference
        self._requested_accelerated = accelerated
        self._device_type = device_type
        self._lost: Future[dict[str, str]] | None = None  # created on first use
        self._is_lost = False
        self._graphs: WeakSet[MLGraph] = WeakSet()
        self._tensors: WeakSet[MLTensor] = WeakSet()
        #: Constants are hashed as they are added (for the persistent cache's keys).
        self._digests_ahead = bool(getattr(backend, "_use_cache", False)) and os.environ.get(
            "WEBNN_CACHE", "1").lower() not in ("0", "off", "false", "no")

    # ------------------------------------------------------------------ properties
    @property
    def backend(self) -> str:
        """The name of the backend running this context's graphs."""
        return self._backend.name

    @property
    def accelerated(self) -> bool:
        """True only if graphs really run on an accelerator (GPU / NPU)."""
        return self._backend.accelerated

    @property
    def power_preference(self) -> str:
        return self._power_preference

    @property
    def device_type(self) -> str:
        """The device graphs run on: "cpu", "gpu" or "npu"."""
        return self._backend.device

    @property
    def lost(self) -> Future[dict[str, str]]:
        """Resolves with ``{"message": ...}`` when the context is lost (after ``destroy()``)."""
        if self._lost is None:
            from concurrent.futures import Future  # imported on first use: costs import time

            self._lost = Future()
            if self._is_lost:
                self._lost.set_result({"message": _LOST_MESSAGE})
        return self._lost

    @property
    def is_lost(self) -> bool:
        return self._is_lost

    def backend_info(self) -> dict[str, Any]:
        """Which backend runs this context's graphs, on which device and provider(s); with
        ``device_fallback`` when the device asked for is not the one graphs run on."""
        info = self._backend.info()
        fallback = self._device_fallback()
        if fallback is not None:
            info["requested_device"] = self._device_type
            info["device_fallback"] = fallback
        return info

    def _device_fallback(self) -> str | None:
        requested, actual = self._device_type, self._backend.device
        if requested is None or requested == actual:
            return None
        return (f"device_type={requested!r} was asked for, but the {self.backend} backend has no {requested} "
                f"device here: graphs run on the {actual}")

    def __repr__(self) -> str:
        return f"MLContext(backend={self.backend!r}, device={self.device_type!r}, accelerated={self.accelerated})"

    # ------------------------------------------------------------------ graphs
    def create_graph_builder(self) -> MLGraphBuilder:
        from .builder import MLGraphBuilder  # the op definitions load with the first builder

        return MLGraphBuilder(self)

    def _compile(self, ir: Any) -> MLGraph:
        """A validated graph IR compiled for this context (what ``builder.build`` does next)."""
        from .compile import compile_graph

        return compile_graph(self, ir)

    def _adopt(self, graph: MLGraph, what: str = "compute") -> None:
        """Compile ``graph``, loaded without a context, for this one (once: the first context
        to run it keeps it)."""
        with _ADOPT_LOCK:
            if graph._context is not None:
                return
            self._check_alive(what)
            compiled = self._compile(graph.ir)
            assert compiled._compiled is not None
            graph._bind(self, compiled._compiled, compiled._lowered, compiled._engine)
            compiled._compiled = None
            self._graphs.discard(compiled)

    def _check_graph(self, what: str, graph: Any) -> Any:
        if not isinstance(graph, MLGraph):
            raise ValidationError(f"{what}: expected an MLGraph, got {type(graph).__name__}")
        if graph._context is None:
            if graph.destroyed:
                raise InvalidStateError(f"{what}: the graph is destroyed")
            self._adopt(graph, what)
        if graph._context is not self:
            raise ValidationError(f"{what}: the graph was built for another context")
        if self.is_lost:
            raise InvalidStateError(f"{what}: the context is lost (destroyed)")
        compiled = graph._compiled
        if compiled is None:
            raise InvalidStateError(f"{what}: the graph is destroyed")
        return compiled

    def compute(
        self,
        graph: MLGraph,
        inputs: Mapping[str, Any],
        outputs: Mapping[str, np.ndarray] | None = None,
    ) -> dict[str, np.ndarray]:
        """Run ``graph`` on NumPy inputs; returns ``{output name: array}``.

        Inputs must have the declared shape and dtype (Python lists are
        converted).  Output arrays have the graph's declared data types.  When
        ``outputs`` maps some output names to arrays, results are written into
        them (and returned).
        """
        compiled = self._check_graph("compute", graph)
        feeds = self._check_inputs(graph, inputs)
        if outputs is not None:
            self._check_outputs(graph, outputs)
        run_into = getattr(compiled, "run_into", None) if outputs else None
        if run_into is not None and _writable_in_place(feeds, outputs, graph.output_names):
            run_into(feeds, outputs)  # every output written where it goes: nothing allocated
            if graph._deferred is not None:
                graph._start_deferred()
            return dict(outputs)  # type: ignore[arg-type]
        results = compiled.run(feeds)
        if graph._deferred is not None:  # (background work that waited for the first result)
            graph._start_deferred()
        if outputs:
            for name, array in outputs.items():
                np.copyto(array, results[name], casting="no")
                results[name] = array
        return results

    def _check_inputs(self, graph: MLGraph, inputs: Mapping[str, Any]) -> Mapping[str, np.ndarray]:
        """The inputs as arrays of the declared dtype and shape (converted only when they are not)."""
        if not isinstance(inputs, Mapping) or inputs.keys() != graph._input_descriptors.keys():
            self._input_mismatch(graph, inputs)
        feeds: dict[str, np.ndarray] | None = None
        for name, dtype, shape, sub_byte in graph._input_specs:
            value = inputs[name]
            if type(value) is np.ndarray and value.dtype == dtype and value.shape == shape and not sub_byte:
                continue  # the fast path: used as it is
            desc = graph._input_descriptors[name]
            what = f"compute: input {name!r}"
            if isinstance(value, np.ndarray) and value.shape != desc.shape:
                raise ValidationError(f"{what} has shape {list(value.shape)}, the graph needs {desc}")
            if isinstance(value, np.ndarray) and value.dtype == dtype:
                check_value_range(what, desc, value)
                converted = value
            else:
                converted = buffer_to_array(what, desc, value)
            if feeds is None:
                feeds = dict(inputs)
            feeds[name] = converted
        return inputs if feeds is None else feeds

    @staticmethod
    def _input_mismatch(graph: MLGraph, inputs: Any) -> None:
        if not isinstance(inputs, Mapping):
            raise ValidationError(f"compute: inputs must be a dict of name -> array, got {type(inputs).__name__}")
        expected = graph._input_descriptors
        missing = sorted(set(expected) - set(inputs))
        extra = sorted(set(inputs) - set(expected), key=str)
        parts = ([f"missing {missing}"] if missing else []) + ([f"unknown {extra}"] if extra else [])
        raise ValidationError(f"compute: inputs do not match the graph's inputs: {'; '.join(parts)}")

    def _check_outputs(self, graph: MLGraph, outputs: Mapping[str, Any]) -> None:
        if not isinstance(outputs, Mapping):
            raise ValidationError(f"compute: outputs must be a dict of name -> array, got {type(outputs).__name__}")
        for name, array in outputs.items():
            desc = graph._output_descriptors.get(name)
            if desc is None:
                raise ValidationError(f"compute: {name!r} is not an output of the graph ({', '.join(graph.output_names)})")
            if not isinstance(array, np.ndarray) or array.dtype != desc.numpy_dtype or array.shape != desc.shape:
                raise ValidationError(f"compute: output array {name!r} must be a numpy array of {desc}")
            if not array.flags.writeable:
                raise ValidationError(f"compute: output array {name!r} is read-only")

    # ------------------------------------------------------------------ tensors
    def create_tensor(
        self,
        descriptor: Any,
        data_type: str | None = None,
        readable: bool | None = None,
        writable: bool | None = None,
        exportable_to_gpu: bool = False,
    ) -> MLTensor:
        """A zero-filled tensor for ``dispatch``.

        ``descriptor`` is the spec's dict (``dataType``, ``shape`` and optional ``readable`` /
        ``writable``), or a shape with ``data_type`` as in pywebnn, which also takes the flags
        positionally.  ``readable`` and ``writable`` are false by default, as in the spec
        (``create_host_tensor`` makes one that is both).  ``exportable_to_gpu`` is recorded for
        code that reads it back; there is no WebGPU to export to, so it changes nothing.
        """
        self._check_alive("create_tensor")
        if isinstance(descriptor, Mapping):
            descriptor = dict(descriptor)
            for key, given in (("readable", readable), ("writable", writable)):
                if key in descriptor:
                    if given is not None:
                        raise ValidationError(f"create_tensor: {key} given twice")
                    if not isinstance(descriptor[key], bool):
                        raise ValidationError(f"create_tensor: {key} must be a bool")
            readable = descriptor.pop("readable", readable)
            writable = descriptor.pop("writable", writable)
            descriptor.pop("exportableToGPU", None)
        for name, flag in (("readable", readable), ("writable", writable), ("exportable_to_gpu", exportable_to_gpu)):
            if flag is not None and not isinstance(flag, bool | np.bool_):
                raise ValidationError(f"create_tensor: {name} must be a bool, got {flag!r}")
        desc = to_descriptor("create_tensor", descriptor, data_type)
        check_byte_length("create_tensor", desc)
        tensor = MLTensor(
            self,
            desc,
            readable=bool(readable),
            writable=bool(writable),
            storage=self._backend.create_storage(desc),
        )
        tensor._exportable_to_gpu = bool(exportable_to_gpu)
        return self._own_tensor("create_tensor", tensor)

    def create_host_tensor(self, shape: Any, data_type: str | None = None) -> MLTensor:
        """pywebnn's readable and writable tensor: ``create_tensor(shape, data_type, True, True)``."""
        return self.create_tensor(shape, data_type, readable=True, writable=True)

    def create_device_tensor(
        self, graph: MLGraph, shape: Any, data_type: str | None = None, device: str | None = None
    ) -> MLDeviceTensor:
        """pywebnn's device tensor: a readable and writable :class:`MLTensor` for ``dispatch`` with
        ``graph`` (any graph of this context), in the memory the context's engine computes in, so
        that dispatch reads and writes it without copies.  It also has pywebnn's ``read()`` and
        ``write(data)``.  ``device`` (None, "cpu", "cuda", ...) must be the context's device."""
        self._check_alive("create_device_tensor")
        self._check_graph("create_device_tensor", graph)
        if device is not None:
            kinds = {"cpu": "cpu", "cuda": "gpu", "gpu": "gpu", "directml": "gpu", "rocm": "gpu",
                     "coreml": "npu", "npu": "npu"}
            if device not in kinds:
                raise ValidationError(f"create_device_tensor: device must be one of {', '.join(kinds)}, got {device!r}")
            if kinds[device] != self.device_type:
                raise NotSupportedError(
                    f"create_device_tensor: device {device!r} is not this context's device ({self.device_type}); "
                    f"create the context with device_type={kinds[device]!r}")
        desc = to_descriptor("create_device_tensor", shape, data_type)
        check_byte_length("create_device_tensor", desc)
        tensor = MLDeviceTensor(self, desc, readable=True, writable=True, storage=self._backend.create_storage(desc))
        return self._own_tensor("create_device_tensor", tensor)

    def create_constant_tensor(self, descriptor: Any, data: Any) -> MLTensor:
        """An immutable tensor to pass to ``builder.constant(tensor)``; it can be shared by graphs."""
        self._check_alive("create_constant_tensor")
        desc = to_descriptor("create_constant_tensor", descriptor)
        check_byte_length("create_constant_tensor", desc)
        array = buffer_to_array("create_constant_tensor", desc, data)
        array.flags.writeable = False
        tensor = MLTensor(
            self, desc, readable=False, writable=False, constant=True,
            storage=self._backend.create_storage(desc, array),
        )
        tensor._constant_data = array
        return self._own_tensor("create_constant_tensor", tensor)

    def _check_tensor(self, what: str, tensor: Any) -> MLTensor:
        if not isinstance(tensor, MLTensor):
            raise ValidationError(f"{what}: expected an MLTensor, got {type(tensor).__name__}")
        if tensor.context is not self:
            raise ValidationError(f"{what}: the tensor belongs to another context")
        if tensor.destroyed:
            raise TensorStateError(f"{what}: the tensor is destroyed")
        return tensor

    def write_tensor(self, tensor: MLTensor, data: Any) -> None:
        """Copy ``data`` (an array of the tensor's dtype, raw bytes, or values) into ``tensor``."""
        self._check_alive("write_tensor")
        self._check_tensor("write_tensor", tensor)
        if not tensor.writable:
            raise TensorStateError("write_tensor: the tensor is not writable")
        array = buffer_to_array("write_tensor", tensor.descriptor, data)
        with tensor._in_use("write_tensor"):
            tensor._storage.write(array)

    def read_tensor(self, tensor: MLTensor, out: np.ndarray | None = None) -> np.ndarray:
        """A copy of the tensor's data as an array, or written into ``out``
        (an array of the tensor's dtype and size, or a ``uint8`` array of its byte length)."""
        self._check_alive("read_tensor")
        self._check_tensor("read_tensor", tensor)
        if not tensor.readable:
            raise TensorStateError("read_tensor: the tensor is not readable")
        desc = tensor.descriptor
        if out is not None:
            if not isinstance(out, np.ndarray) or not out.flags.writeable or not out.flags.c_contiguous:
                raise ValidationError("read_tensor: out must be a writable C-contiguous numpy array")
            if out.dtype == desc.numpy_dtype and out.size == desc.element_count:
                view = out.reshape(-1)
            elif out.dtype == np.uint8 and out.nbytes == desc.element_count * desc.numpy_dtype.itemsize:
                view = out.reshape(-1).view(desc.numpy_dtype)
            else:
                raise ValidationError(
                    f"read_tensor: out ({out.dtype}, {out.size} elements) does not match {desc} "
                    f"or its {desc.byte_length} bytes"
                )
        with tensor._in_use("read_tensor"):
            data = tensor._storage.read()
        if out is None:
            return data
        view[...] = data.reshape(-1)
        return out

    def dispatch(self, graph: MLGraph, inputs: Mapping[str, MLTensor], outputs: Mapping[str, MLTensor]) -> None:
        """Run ``graph`` reading input tensors and writing output tensors (the spec's ``dispatch``)."""
        compiled = self._check_graph("dispatch", graph)
        if not isinstance(inputs, Mapping) or not isinstance(outputs, Mapping):
            raise ValidationError("dispatch: inputs and outputs must be dicts of name -> MLTensor")
        seen: set[int] = set()
        for tensor in [*inputs.values(), *outputs.values()]:
            self._check_tensor("dispatch", tensor)
            if id(tensor) in seen:
                raise ValidationError("dispatch: the same tensor is used twice")
            seen.add(id(tensor))
        for what, tensors, expected in (
            ("inputs", inputs, graph._input_descriptors),
            ("outputs", outputs, graph._output_descriptors),
        ):
            if tensors.keys() != expected.keys():
                raise ValidationError(
                    f"dispatch: {what} {sorted(tensors)} do not match the graph's {what} {sorted(expected)}"
                )
            for name, tensor in tensors.items():
                if tensor.constant:
                    raise ValidationError(f"dispatch: {what[:-1]} {name!r} is a constant tensor")
                if tensor.descriptor != expected[name]:
                    raise ValidationError(
                        f"dispatch: {what[:-1]} {name!r} is {tensor.descriptor}, the graph needs {expected[name]}"
                    )
        # Each tensor counts this call as a user, so a destroy() on another thread waits for it
        # instead of freeing memory the engine is reading or writing.
        acquired: list[MLTensor] = []
        try:
            for tensor in (*inputs.values(), *outputs.values()):
                tensor._acquire("dispatch")
                acquired.append(tensor)
            compiled.dispatch(
                {name: t._storage for name, t in inputs.items()},
                {name: t._storage for name, t in outputs.items()},
            )
        finally:
            for tensor in acquired:
                tensor._release()
        if graph._deferred is not None:
            graph._start_deferred()

    # ------------------------------------------------------------------ asyncio
    # Each runs its synchronous counterpart in a worker thread, so the event loop is never
    # blocked; the backends release the GIL while they compute.

    async def compute_async(
        self, graph: MLGraph, inputs: Mapping[str, Any], outputs: Mapping[str, np.ndarray] | None = None
    ) -> dict[str, np.ndarray]:
        """``compute`` without blocking the event loop."""
        return await _to_thread(self.compute, graph, inputs, outputs)

    async def dispatch_async(
        self, graph: MLGraph, inputs: Mapping[str, MLTensor], outputs: Mapping[str, MLTensor]
    ) -> None:
        """``dispatch``, awaiting its completion without blocking the event loop."""
        await _to_thread(self.dispatch, graph, inputs, outputs)

    async def read_tensor_async(self, tensor: MLTensor, out: np.ndarray | None = None) -> np.ndarray:
        """``read_tensor`` without blocking the event loop (the spec's promise-returning readTensor)."""
        return await _to_thread(self.read_tensor, tensor, out)

    async def write_tensor_async(self, tensor: MLTensor, data: Any) -> None:
        await _to_thread(self.write_tensor, tensor, data)

    async def build_async(self, builder: MLGraphBuilder, outputs: Mapping[str, Any]) -> MLGraph:
        """``builder.build(outputs)`` (compilation) without blocking the event loop."""
        return await _to_thread(builder.build, outputs)

    def convert_to_onnx(self, graph: MLGraph, output_path: str | os.PathLike[str]) -> None:
        """Write ``graph`` as a standard ONNX file (pywebnn's name for ``graph.to_onnx(path)``)."""
        self._check_graph("convert_to_onnx", graph)
        graph.to_onnx(output_path)

    def convert_to_coreml(self, graph: MLGraph, output_path: str | os.PathLike[str]) -> None:
        """Write ``graph`` as a CoreML ML Program (pywebnn's name for ``graph.convert_to_coreml(path)``;
        an ``.mlpackage`` folder)."""
        self._check_graph("convert_to_coreml", graph)
        graph.convert_to_coreml(output_path)

    def execute_with_coreml(self, graph: MLGraph, inputs: Any = None, device: str = "cpu") -> Any:
        """pywebnn's CoreML execution: a context of the coreml backend (macOS) computes graphs with
        CoreML; this one computes them on its own backend."""
        raise NotSupportedError(
            "execute_with_coreml: create_context(backend='coreml') (macOS) computes graphs with CoreML; "
            "compute(graph, inputs) runs the graph on this context's backend")

    # ------------------------------------------------------------------ limits and lifetime
    def op_support_limits(self) -> dict[str, Any]:
        """The spec's ``MLOpSupportLimits``: per op and operand, data types and rank range."""
        max_rank = min(MAX_RANK, getattr(self._backend, "max_rank", MAX_RANK))  # (coreml: 5)
        io = {"dataTypes": list(dtypes.SPEC_DATA_TYPES), "rankRange": {"min": 0, "max": max_rank}}
        limits: dict[str, Any] = {
            "preferredInputLayout": getattr(self._backend, "layout", "nchw"),
            "maxTensorByteLength": MAX_TENSOR_BYTE_LENGTH,
            "input": io,
            "constant": {**io, "dataTypes": list(io["dataTypes"])},
            "output": {**io, "dataTypes": list(io["dataTypes"])},
        }
        from .ops import OPS

        subset = getattr(self._backend, "operand_types", None)  # a backend that runs a subset of the ops
        for opdef in OPS.values():
            entry = opdef.support_limits()
            if subset is not None:
                operands, outputs = subset(opdef.name, False), subset(opdef.name, True)
                if operands is None or outputs is None:
                    continue  # (not run here)
                for key, operand in entry.items():
                    allowed = outputs if key.startswith("output") else operands
                    operand["dataTypes"] = [t for t in operand["dataTypes"] if t in allowed]
            for operand in entry.values():
                ranks = operand["rankRange"]
                ranks["max"] = min(ranks["max"], max_rank)
            limits[opdef.js_name] = entry
        return limits

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        """``with`` destroys it at the end of the block."""
        self.destroy()

    def _own_tensor(self, what: str, tensor: T) -> T:
        """``tensor``, made one of the context's tensors (destroyed with it).  A context destroyed
        by another thread while the tensor was being made has missed it: it is destroyed here and
        the call fails as it would have a moment later."""
        self._tensors.add(tensor)
        if self._is_lost:  # (destroy() sets it before it lists the tensors)
            tensor.destroy()
            raise InvalidStateError(f"{what}: the context is lost (destroyed)")
        return tensor

    def _check_alive(self, what: str) -> None:
        if self.is_lost:
            raise InvalidStateError(f"{what}: the context is lost (destroyed)")

    def destroy(self) -> None:
        """Lose the context: its graphs and tensors are destroyed, ``lost`` resolves."""
        if self.is_lost:
            return
        self._is_lost = True
        if self._lost is not None:
            self._lost.set_result({"message": _LOST_MESSAGE})
        for graph in list(self._graphs):
            graph.destroy()
        for tensor in list(self._tensors):
            tensor.destroy()
