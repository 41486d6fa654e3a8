"""The litert backend's shape, indexing and scan lowerings against the reference backend, bit for
bit, with runtime (non-constant) inputs: every data type, ranks 0 to 8, negative and
out-of-range indices, repeated scatter targets, float16 NaN payloads."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import webnn

pytest.importorskip("ai_edge_litert")

TYPES = ["float32", "float16", "int32", "uint32", "int64", "uint64", "int8", "uint8"]
#: float16 bit patterns the moves must keep: quiet and signalling NaNs with payloads, -0, infinities.
F16_SPECIALS = np.array([0x7E01, 0xFC3F, 0x7D00, 0x8000, 0x7C00, 0xFC00, 0x0001, 0x3C00], np.uint16).view(np.float16)


def data(shape: tuple[int, ...], data_type: str, seed: int = 0) -> np.ndarray:
    """Values of ``data_type`` covering its range (float16: with NaN payloads and the specials)."""
    rng = np.random.default_rng(seed)
    dtype = np.dtype(data_type)
    if dtype.kind == "f":
        values = (rng.standard_normal(shape) * 100).astype(dtype)
        if dtype == np.float16 and values.size:
            flat = values.reshape(-1)
            flat[:F16_SPECIALS.size] = F16_SPECIALS[:flat.size]
        return values
    info = np.iinfo(dtype)
    return rng.integers(info.min, info.max, size=shape, dtype=dtype, endpoint=True)


def run(context: webnn.MLContext, make: Callable[..., Any], arrays: dict[str, np.ndarray]) -> list[np.ndarray]:
    builder = context.create_graph_builder()
    operands = {name: builder.input(name, list(a.shape), str(a.dtype)) for name, a in arrays.items()}
    made = make(builder, **operands)
    outputs = made if isinstance(made, list) else [made]
    graph = builder.build({f"out{i}": o for i, o in enumerate(outputs)})
    results = context.compute(graph, arrays)
    return [results[f"out{i}"] for i in range(len(outputs))]


def check(litert: webnn.MLContext, reference: webnn.MLContext, make: Callable[..., Any], **arrays: np.ndarray) -> None:
    """litert's results equal the reference's bit for bit."""
    expected = run(reference, make, arrays)
    got = run(litert, make, arrays)
    for e, g in zip(expected, got):
        assert g.dtype == e.dtype and g.shape == e.shape, (g.dtype, g.shape, e.dtype, e.shape)
        assert e.tobytes() == g.tobytes(), (e, g)


# --------------------------------------------------------------------------- data movement


@pytest.mark.parametrize("data_type", TYPES)
def test_moves_keep_every_type_bit_for_bit(litert, reference, data_type) -> None:
    x = data((2, 3, 4), data_type)
    y = data((2, 1, 4), data_type, seed=1)

    def make(b, x, y):
        return [
            b.transpose(x, {"permutation": [2, 0, 1]}),
            b.concat([x, y], 1),
            b.expand(y, [3, 2, 5, 4]),
            *b.split(x, [1, 2], {"axis": 1}),
            b.slice(x, [0, 1, 1], [2, 2, 3], {"strides": [1, 2, 2]}),
            b.tile(y, [2, 3, 1]),
            b.reverse(x, {"axes": [2, 0]}),
            b.triangular(x, {"upper": False, "diagonal": 1}),
            b.pad(x, [1, 0, 2], [0, 2, 1], {"mode": "constant", "value": 3}),
            b.pad(x, [1, 0, 2], [0, 2, 1], {"mode": "edge"}),
            b.pad(x, [1, 0, 2], [0, 2, 1], {"mode": "reflection"}),
        ]

    check(litert, reference, make, x=x, y=y)


@pytest.mark.parametrize("data_type", ["float32", "float16", "uint32", "int64"])
def test_rank_8(litert, reference, data_type) -> None:
    x = data((2, 1, 2, 3, 1, 2, 2, 3), data_type)

    def make(b, x):
        return [
            b.transpose(x),
            b.concat([x, x], 3),
            b.expand(x, [2, 2, 2, 3, 2, 2, 2, 3]),
            *b.split(x, 3, {"axis": 7}),
            b.slice(x, [1, 0, 0, 1, 0, 0, 1, 0], [1, 1, 2, 2, 1, 2, 1, 3], {"strides": [1, 1, 2, 1, 1, 1, 1, 2]}),
            b.tile(x, [1, 2, 1, 1, 2, 1, 1, 1]),
            b.reverse(x, {"axes": [0, 2, 3, 7]}),
            b.triangular(x, {"diagonal": -1}),
            b.pad(x, [1] * 8, [0, 1] * 4, {"value": 2}),
            b.pad(x, [1, 0] * 4, [1] * 8, {"mode": "edge"}),
            b.pad(x, [1, 0, 1, 2, 0, 1, 1, 0], [0] * 8, {"mode": "reflection"}),
            b.gather(x, b.constant({"dataType": "int32", "shape": [2]}, np.array([1, -1], np.int32)), {"axis": 6}),
            b.cumulative_sum(x, 5, {"exclusive": True}) if data_type != "float16" else b.reshape(x, [48, 3]),
        ]

    check(litert, reference, make, x=x)


@pytest.mark.parametrize("data_type", ["float32", "int8", "uint64"])
def test_rank_0_and_1(litert, reference, data_type) -> None:
    x, v = data((), data_type), data((5,), data_type, seed=2)

    def make(b, x, v):
        return [
            b.reshape(x, [1, 1]),
            b.transpose(x),
            b.expand(x, [2, 3]),
            b.slice(x, [], []),
            b.tile(x, []),
            b.reverse(x),
            b.pad(x, [], []),
            b.pad(v, [3], [4], {"mode": "edge"}),
            b.reverse(v),
            b.slice(v, [4], [1]),
        ]

    check(litert, reference, make, x=x, v=v)


def test_padding_only_inner_and_outer_dimensions_of_rank_7(litert, reference) -> None:
    x = data((2, 2, 2, 2, 2, 2, 2), "float16")
    check(litert, reference, lambda b, x: [
        b.pad(x, [1, 0, 1, 0, 1, 0, 1], [0, 1, 0, 1, 0, 1, 0], {"value": -0.0}),
        b.pad(x, [0, 0, 0, 0, 0, 0, 1], [1, 0, 0, 0, 0, 0, 0]),
    ], x=x)


# --------------------------------------------------------------------------- indexing


def _indices(raw: list[int], index_type: str, size: int) -> np.ndarray:
    """``raw`` (with negatives and out-of-range ones) as ``index_type`` (uint32: huge ones instead)."""
    if index_type == "uint32":
        raw = [abs(r) % size if r > -size else 2**32 - 1 - i for i, r in enumerate(raw)]
        raw[0] = 2**31 + 5
    if index_type == "int64":
        raw = [2**40, *raw[1:-1], -2**40]
    return np.array(raw, np.int64).astype(index_type)


@pytest.mark.parametrize("index_type", ["int32", "uint32", "int64"])
@pytest.mark.parametrize("data_type", ["float16", "uint32", "int8"])
def test_gathers_count_negative_indices_from_the_end_and_clamp(litert, reference, index_type, data_type) -> None:
    x = data((4, 3, 2), data_type)
    i = _indices([-1, 7, -4, 0, -9, 2**31 - 1, 3, -2**31], index_type, 4).reshape(2, 4)
    e = _indices([-1, 5, 0, -3, 2, -8], index_type, 3)
    elements = np.resize(e, (4, 2, 2))
    coordinates = _indices([-1, 2, 9, -2, -3, 0, 1, 1], index_type, 3).reshape(4, 2)

    def make(b, x, i, elements, coordinates):
        return [
            b.gather(x, i),
            b.gather(x, i, {"axis": 2}),
            b.gather(x, b.reshape(b.slice(i, [0, 0], [1, 1]), [])),
            b.gather_elements(x, elements, {"axis": 1}),
            b.gather_nd(x, coordinates),
            b.gather_nd(x, b.reshape(coordinates, [2, 4, 1])),
        ]

    check(litert, reference, make, x=x, i=i, elements=elements, coordinates=coordinates)


@pytest.mark.parametrize("index_type", ["int32", "uint32", "int64"])
@pytest.mark.parametrize("data_type", ["float32", "float16", "uint64", "int32"])
def test_scatters_replace_and_the_last_repeated_target_wins(litert, reference, index_type, data_type) -> None:
    x = data((4, 3, 2), data_type)
    elements = _indices([1, -3, 1, 7, 0, -1, 2, 1, -2, 0, 3, 3, -1, 2, 2, 2], index_type, 3).reshape(4, 2, 2)
    updates = data((4, 2, 2), data_type, seed=3)
    outer = _indices([1, -3, 1, 7, 0, -1, 2, 1, -2, 0, 3, 3], index_type, 4).reshape(2, 3, 2)
    outer_updates = data((2, 3, 2), data_type, seed=6)
    coordinates = _indices([1, -3, 3, -9, 1, 0, 9, 2], index_type, 3).reshape(4, 2)
    rows = data((4, 2), data_type, seed=4)
    slabs = data((3, 3, 2), data_type, seed=5)

    def make(b, x, elements, updates, outer, outer_updates, coordinates, rows, slabs):
        return [
            b.scatter_elements(x, elements, updates, {"axis": 1}),
            b.scatter_elements(x, outer, outer_updates),
            b.scatter_elements(x, b.reshape(b.slice(elements, [0, 0, 0], [4, 2, 1]), [4, 1, 2]),
                               b.reshape(b.slice(updates, [0, 0, 0], [4, 2, 1]), [4, 1, 2]), {"axis": 1}),
            b.scatter_nd(x, coordinates, rows),
            b.scatter_nd(x, b.reshape(b.slice(coordinates, [0, 0], [3, 1]), [3, 1]), slabs),
        ]

    check(litert, reference, make, x=x, elements=elements, updates=updates, outer=outer, outer_updates=outer_updates,
          coordinates=coordinates, rows=rows, slabs=slabs)


def test_one_whole_coordinate(litert, reference) -> None:
    """gather_nd / scatter_nd with a single full coordinate (0-D slices, 0-D updates)."""
    x = data((3, 4), "int64")
    c = np.array([-1, 9], np.int32)
    u = data((), "int64", seed=7)
    check(litert, reference, lambda b, x, c, u: [b.gather_nd(x, c), b.scatter_nd(x, c, u), b.expand(u, [2] * 8)],
          x=x, c=c, u=u)


def test_constant_indices(litert, reference) -> None:
    x = data((5, 3), "float32")

    def make(b, x):
        i = b.constant({"dataType": "int64", "shape": [3]}, np.array([-1, 9, -7], np.int64))
        c = b.constant({"dataType": "int32", "shape": [2, 2]}, np.array([[-1, 5], [0, -2]], np.int32))
        u = b.constant({"dataType": "uint32", "shape": [2, 1]}, np.array([[1], [1]], np.uint32))
        return [b.gather(x, i), b.gather_nd(x, c), b.scatter_nd(x, u, b.slice(x, [0, 0], [2, 3]))]

    check(litert, reference, make, x=x)


# --------------------------------------------------------------------------- resample2d, cumulative_sum


@pytest.mark.parametrize("data_type", ["float32", "float16", "int8", "uint8"])
@pytest.mark.parametrize("mode", ["nearest-neighbor", "linear"])
def test_resample2d(litert, reference, data_type, mode) -> None:
    x = data((1, 3, 4, 6), data_type)
    if mode == "linear" and data_type == "float16":
        x = np.nan_to_num(x, posinf=1.0, neginf=-1.0)  # (NaNs made by arithmetic have no set payload)

    def make(b, x):
        return [
            b.resample2d(x, {"mode": mode, "scales": [2.0, 0.5]}),
            b.resample2d(x, {"mode": mode, "sizes": [7, 5], "axes": [1, 2]}),
            b.resample2d(x, {"mode": mode, "sizes": [3, 13], "axes": [3, 1]}),
            b.resample2d(x, {"mode": mode, "scales": [1.0, 1.0]}),
        ]

    check(litert, reference, make, x=x)


@pytest.mark.parametrize("data_type", ["float32", "float16", "int32", "uint32", "int64", "uint64"])
def test_cumulative_sum_wraps_around_and_takes_every_option(litert, reference, data_type) -> None:
    x = data((3, 4, 5), data_type)
    if data_type.startswith("float"):
        x = np.nan_to_num(x, posinf=1.0, neginf=-1.0)  # (NaNs made by arithmetic have no set payload)
        x[x == 0] = 0  # (CUMSUM adds to +0: a leading -0.0 sums to +0.0, the reference keeps it)

    def make(b, x):
        return [b.cumulative_sum(x, axis, {"exclusive": exclusive, "reversed": backwards})
                for axis in (0, 2) for exclusive in (False, True) for backwards in (False, True)]

    check(litert, reference, make, x=x)


def test_support_limits_list_every_type_moved(litert) -> None:
    limits = litert.op_support_limits()
    every = set(TYPES)
    for op in ("reshape", "expand", "transpose", "split", "slice", "pad", "tile", "reverse", "triangular",
               "gather", "gatherElements", "gatherND", "scatterElements", "scatterND"):
        assert set(limits[op]["input"]["dataTypes"]) == every, op
    assert set(limits["concat"]["inputs"]["dataTypes"]) == every
    assert set(limits["gather"]["indices"]["dataTypes"]) == {"int32", "uint32", "int64"}
    assert set(limits["resample2d"]["input"]["dataTypes"]) == {"float32", "float16", "int8", "uint8"}
    assert set(limits["cumulativeSum"]["input"]["dataTypes"]) == {"float32", "float16", "int32", "uint32", "int64",
                                                                  "uint64"}
