"""Switching from pywebnn (the rustnn project's Python package) to this package.

What it shows: one small program written twice, as pywebnn code is written and in this
package's own (the WebNN spec's) form, both run here with the same results.  What changes:

- the install line: ``pip uninstall pywebnn && pip install "webnn[cpu]"``;
- the import line: nothing, both packages are imported as ``import webnn``;
- the code: nothing.  pywebnn's call forms (options given positionally in its order, ``pads=``,
  ``constant(value, shape, data_type)``, ``where_``, ``global_average_pool``,
  ``create_host_tensor``, ``get_input_names()``, ``AsyncMLContext``) are accepted as they are
  (``webnn/compat.py``).  Only where pywebnn departs from the spec does the code need a change
  (``arg_max`` returns int32 unless ``output_data_type="int64"``, the logical ops take uint8,
  ``where``'s condition is uint8, ...): docs/migrating-from-pywebnn.md lists each one.

``pywebnn_program`` below is pywebnn-style code; ``spec_program`` is the same program as this
package documents it.  pywebnn code has no backend argument: this package reads
``$WEBNN_BACKEND`` (``--backend`` sets it for the pywebnn-style program).

Run it, from the repository root of a fresh clone:

    pip install -e ".[cpu]" && python examples/from_pywebnn.py

    python examples/from_pywebnn.py --backend reference

It takes about 1 second.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys

import numpy as np

import webnn  # pywebnn's import line, and this package's: the same


def pywebnn_program(image: np.ndarray, filters: np.ndarray, classifier: np.ndarray) -> dict[str, np.ndarray]:
    """Written as for pywebnn: positional options, pywebnn's helpers and tensors."""
    ml = webnn.ML()
    context = ml.create_context("default", False, "cpu")  # power_preference, accelerated, device_type
    builder = context.create_graph_builder()

    x = builder.input("x", [1, 3, 8, 8], "float32")
    w = builder.constant(filters.ravel(), [4, 3, 3, 3], "float32")  # (value, shape, data_type)
    # (builder.pyi types the spec's signatures: a type checker flags pywebnn's forms, which run)
    y = builder.conv2d(x, w, [1, 1], [1, 1], pads=[1, 1, 1, 1])  # type: ignore[call-arg, arg-type]  # strides, dilations, pads
    y = builder.relu(y)
    y = builder.global_average_pool(y)  # [1, 4, 1, 1]
    y = builder.reshape(y, [1, 4])
    logits = builder.gemm(y, builder.constant(classifier, [4, 2], "float32"))
    mean = builder.reduce_mean(logits, [1], True)  # type: ignore[call-arg, arg-type]  # axes, keep_dimensions
    centered = builder.sub(logits, mean)
    zero = builder.constant(np.zeros((1, 2), np.float32))
    above_mean = builder.where_(builder.relu(centered), logits, zero)  # a float condition: nonzero is true
    graph = builder.build({"above_mean": above_mean, "logits": logits})
    print("pywebnn form:", graph.get_input_names(), "->", graph.get_output_names())

    x_tensor = context.create_host_tensor([1, 3, 8, 8], "float32")
    outputs = {name: context.create_host_tensor([1, 2], "float32") for name in ("above_mean", "logits")}
    context.write_tensor(x_tensor, image)
    context.dispatch(graph, {"x": x_tensor}, outputs)

    async def read_all() -> dict[str, np.ndarray]:
        async_context = webnn.AsyncMLContext(context)
        return {name: await async_context.read_tensor_async(t) for name, t in outputs.items()}

    return asyncio.run(read_all())


def spec_program(image: np.ndarray, filters: np.ndarray, classifier: np.ndarray,
                 backend: str | None = None) -> dict[str, np.ndarray]:
    """The same program in the spec's form, as this package documents it."""
    context = webnn.ML().create_context(power_preference="default", accelerated=False, device_type="cpu",
                                        backend=backend)
    builder = webnn.MLGraphBuilder(context)

    x = builder.input("x", {"dataType": "float32", "shape": [1, 3, 8, 8]})
    w = builder.constant(filters)  # a NumPy array: its dtype and shape
    y = builder.conv2d(x, w, strides=[1, 1], dilations=[1, 1], padding=[1, 1, 1, 1])
    y = builder.relu(y)
    y = builder.average_pool2d(y, window_dimensions=[8, 8])
    y = builder.reshape(y, [1, 4])
    logits = builder.gemm(y, builder.constant(classifier))
    mean = builder.reduce_mean(logits, axes=[1], keep_dimensions=True)
    centered = builder.sub(logits, mean)
    zero = builder.constant(np.zeros((1, 2), np.float32))
    above_mean = builder.where(builder.greater(centered, zero), logits, zero)  # a uint8 condition
    graph = builder.build({"above_mean": above_mean, "logits": logits})
    print("spec form:   ", graph.input_names, "->", graph.output_names)

    x_tensor = context.create_tensor({"dataType": "float32", "shape": [1, 3, 8, 8], "writable": True})
    outputs = {name: context.create_tensor({"dataType": "float32", "shape": [1, 2], "readable": True})
               for name in ("above_mean", "logits")}
    context.write_tensor(x_tensor, image)
    context.dispatch(graph, {"x": x_tensor}, outputs)
    return {name: context.read_tensor(t) for name, t in outputs.items()}


def run(argv: list[str] | None = None) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    """Both programs on the same data: returns (pywebnn form's outputs, spec form's outputs)."""
    parser = argparse.ArgumentParser(description="The same program in pywebnn's form and the spec's.")
    parser.add_argument("--backend", default=None,
                        help="webnn backend (default: $WEBNN_BACKEND, else the first installed engine; "
                             "'auto' picks the fastest per graph)")
    args = parser.parse_args(argv)
    rng = np.random.default_rng(0)
    image = rng.standard_normal((1, 3, 8, 8)).astype(np.float32)
    filters = rng.standard_normal((4, 3, 3, 3)).astype(np.float32)
    classifier = rng.standard_normal((4, 2)).astype(np.float32)

    saved = os.environ.get("WEBNN_BACKEND")
    if args.backend:
        os.environ["WEBNN_BACKEND"] = args.backend
    try:
        old = pywebnn_program(image, filters, classifier)
    finally:
        if saved is None:
            os.environ.pop("WEBNN_BACKEND", None)
        else:
            os.environ["WEBNN_BACKEND"] = saved
    new = spec_program(image, filters, classifier, backend=args.backend)
    for name in old:
        print(f"{name}: pywebnn form {old[name].ravel()}, spec form {new[name].ravel()}")
    same = all(np.array_equal(old[name], new[name]) for name in old)
    print("the same results" if same else "the results differ")
    return old, new


def main(argv: list[str] | None = None) -> int:
    old, new = run(argv)
    return 0 if all(np.array_equal(old[name], new[name]) for name in old) else 1


if __name__ == "__main__":
    sys.exit(main())
