"""The constant arena: the builder's copies of weights in huge-page-backed chunks."""

from __future__ import annotations

import gc
import mmap
import weakref

import numpy as np
import pytest

import webnn
from webnn import arena
from webnn.arena import ConstantArena

needs_arena = pytest.mark.skipif(not arena.AVAILABLE, reason="no anonymous mappings with huge-page advice here")


@needs_arena
def test_pieces_are_aligned_disjoint_writable_and_of_the_asked_shape() -> None:
    a = ConstantArena(start_bytes=0)
    shapes = [(128, 129), (40000,), (3, 100, 100), (257, 257)]
    pieces = [a.empty(shape, np.dtype(np.float32)) for shape in shapes]
    spans = []
    for shape, piece in zip(shapes, pieces):
        assert piece is not None and piece.shape == shape and piece.dtype == np.float32
        assert piece.flags.c_contiguous and piece.flags.writeable
        address = piece.__array_interface__["data"][0]
        assert address % arena.ALIGNMENT == 0
        spans.append((address, address + piece.nbytes))
    spans.sort()
    assert all(end <= start for (_, end), (start, _) in zip(spans, spans[1:]))
    for i, piece in enumerate(pieces):  # writing one leaves the others as they are
        piece[...] = i
    assert [float(p.min()) for p in pieces] == [float(p.max()) for p in pieces] == [0.0, 1.0, 2.0, 3.0]


def test_sizes_outside_its_range_are_left_to_numpy() -> None:
    a = ConstantArena(start_bytes=0)
    assert a.empty((10,), np.dtype(np.float32)) is None  # below MIN_BYTES
    assert a.empty((arena.MIN_BYTES // 4 - 1,), np.dtype(np.float32)) is None
    assert a.empty((arena.NUMPY_HUGE_BYTES,), np.dtype(np.uint8)) is None  # NumPy advises huge pages itself


@needs_arena
def test_it_takes_arrays_only_after_its_start_bytes() -> None:
    """A graph with small weights never takes a huge page: the arena starts after START_BYTES."""
    a = ConstantArena(start_bytes=1 << 20)
    piece = (1 << 18,)  # 1 MiB of float32
    assert [a.empty(piece, np.dtype(np.float32)) is None for _ in range(3)] == [True, False, False]


@needs_arena
def test_a_full_chunk_is_followed_by_a_new_one_and_freed_with_its_last_array() -> None:
    a = ConstantArena(start_bytes=0)
    size = arena.NUMPY_HUGE_BYTES - 1
    pieces = [a.empty((size,), np.dtype(np.uint8)) for _ in range(arena.CHUNK_BYTES // size + 1)]
    assert all(p is not None for p in pieces)
    bases = {id(p.base.base) for p in pieces if p is not None}  # piece -> chunk view -> chunk
    assert len(bases) == 2
    first = weakref.ref(pieces[0].base.base)  # type: ignore[union-attr]
    del a, pieces, bases
    gc.collect()
    assert first() is None


@needs_arena
def test_builder_constants_are_copies_in_the_arena_unchanged_by_the_callers_later_writes() -> None:
    context = webnn.ML().create_context(backend="reference")
    builder = webnn.MLGraphBuilder(context)
    rng = np.random.default_rng(0)
    builder.constant(np.zeros(arena.START_BYTES, np.uint8))  # (copied before the arena starts)
    weights = rng.standard_normal((64, 32, 3, 3)).astype(np.float32)  # 72 KiB: in the arena
    bias = rng.standard_normal(64).astype(np.float32)  # small: NumPy's
    swapped = weights.astype(weights.dtype.newbyteorder(">"))  # another byte order: converted
    x = builder.input("x", [1, 32, 8, 8])
    w = builder.constant(weights)
    w2 = builder.constant(swapped)
    b = builder.constant(bias)
    y = builder.add(builder.conv2d(x, w, bias=b), builder.conv2d(x, w2, bias=b))
    expected_w, expected_b = weights.copy(), bias.copy()
    weights[...] = 0
    swapped[...] = 0
    bias[...] = 0
    ir = builder.graph_ir({"y": y})
    arrays = list(ir.constants.values())
    chunks = [getattr(c.base, "base", None) for c in arrays]  # (piece -> chunk array -> its memoryview)
    in_chunks = [c for c, m in zip(arrays, chunks) if isinstance(m, memoryview) and isinstance(m.obj, mmap.mmap)]
    assert [c.shape for c in in_chunks] == [(64, 32, 3, 3), (64, 32, 3, 3)]  # (the bias is NumPy's)
    assert not any(c.flags.writeable for c in arrays)
    graph = builder.build({"y": y})
    feed = rng.standard_normal((1, 32, 8, 8)).astype(np.float32)
    out = context.compute(graph, {"x": feed})["y"]
    # an independent reference: the two (equal) convolutions in NumPy, with the values given
    windows = np.lib.stride_tricks.sliding_window_view(feed[0], (3, 3), axis=(1, 2))  # (32, 6, 6, 3, 3)
    conv = np.einsum("chwij,ocij->ohw", windows.astype(np.float64), expected_w.astype(np.float64))
    np.testing.assert_allclose(out[0], 2 * (conv + expected_b[:, None, None]), rtol=1e-4, atol=1e-4)
