"""Property tests (hypothesis): shape rules against NumPy's, and round trips on every backend."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import webnn
from webnn.ops.base import cast_number

shapes = st.lists(st.integers(1, 4), min_size=0, max_size=5).map(tuple)


@given(shapes, shapes)
def test_binary_broadcasting_matches_numpy(a: tuple[int, ...], b: tuple[int, ...]) -> None:
    builder = webnn.ML().create_context(backend="reference").create_graph_builder()
    x, y = builder.input("a", list(a)), builder.input("b", list(b))
    try:
        expected = np.broadcast_shapes(a, b)
    except ValueError:
        with pytest.raises(TypeError, match="^add: shapes"):
            builder.add(x, y)
    else:
        assert builder.add(x, y).shape == list(expected)


@given(st.floats(allow_nan=True, allow_infinity=True, width=64), st.sampled_from(["int8", "uint8", "int32", "uint32"]))
def test_cast_number_saturates_and_rounds_half_to_even(value: float, data_type: str) -> None:
    info = np.iinfo(data_type)
    result = cast_number(value, data_type)
    if math.isnan(value):
        assert result == 0
    elif value <= info.min:
        assert result == info.min
    elif value >= info.max:
        assert result == info.max
    else:
        floor = math.floor(value)
        fraction = value - floor
        expected = floor + (1 if fraction > 0.5 or (fraction == 0.5 and floor % 2) else 0)
        assert result == expected


@settings(max_examples=25, deadline=None)
@given(st.lists(st.integers(1, 4), min_size=1, max_size=4), st.randoms(use_true_random=False))
def test_transpose_then_inverse_is_identity(shape: list[int], rnd) -> None:
    permutation = list(range(len(shape)))
    rnd.shuffle(permutation)
    inverse = list(np.argsort(permutation))
    data = np.arange(math.prod(shape), dtype=np.float32).reshape(shape)
    for backend in webnn.available_backends():
        context = webnn.ML().create_context(backend=backend)
        builder = context.create_graph_builder()
        x = builder.input("x", shape)
        y = builder.transpose(builder.transpose(x, permutation=permutation), permutation=[int(i) for i in inverse])
        graph = builder.build({"y": builder.identity(y)})
        np.testing.assert_array_equal(context.compute(graph, {"x": data})["y"], data)
