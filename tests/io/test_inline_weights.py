"""Inline constants of the webnn-graph files (``weights="inline"``, ``@bytes([...])`` /
``"inlineBytes"``): the format has no binary encoding for them (a list of byte values is what
every reader of the format takes), so they are written as compactly as that allows, read back
bit-identical, and read in time linear in the file with a small constant."""

from __future__ import annotations

import json
import time
from pathlib import Path

import numpy as np
import pytest

import webnn


def _graph(context: webnn.MLContext, size: int, seed: int = 0) -> tuple[webnn.MLGraph, np.ndarray]:
    rng = np.random.default_rng(seed)
    b = context.create_graph_builder()
    x = b.input("x", [1, 16], "float32")
    w = rng.standard_normal((16, size // 64)).astype(np.float32)
    c = rng.integers(-2**31, 2**31, 7, dtype=np.int64).astype(np.int32)
    graph = b.build({"y": b.matmul(x, b.constant(w)), "c": b.identity(b.constant(c))})
    return graph, rng.standard_normal((1, 16)).astype(np.float32)


@pytest.mark.parametrize("suffix", [".webnn", ".json"])
def test_inline_weights_are_compact_and_read_back_bit_identical(suffix: str, context: webnn.MLContext,
                                                                tmp_path: Path) -> None:
    graph, x = _graph(context, 64 * 1024)
    path = tmp_path / f"m{suffix}"
    assert graph.save(path, "inline") == [str(path)]
    weights = sum(a.nbytes for a in graph.ir.constants.values())
    # Decimal digits and one comma per byte, nothing more: about 3.57 characters per random byte
    # (a space after each comma made it 4.57).
    assert path.stat().st_size < 3.7 * weights
    text = path.read_text()
    marker = "@bytes([" if suffix == ".webnn" else '"bytes": ['
    lists = [part[:part.index("]")] for part in text.split(marker)[1:]]
    assert len(lists) == 2 and all(", " not in listed and "," in listed for listed in lists)
    loaded = webnn.load(path, context)
    want, got = context.compute(graph, {"x": x}), context.compute(loaded, {"x": x})
    for name in want:
        assert got[name].tobytes() == want[name].tobytes()


@pytest.mark.parametrize("suffix", [".webnn", ".json"])
def test_both_spellings_of_byte_lists_are_read(suffix: str, context: webnn.MLContext, tmp_path: Path) -> None:
    """Files written before (a space after each comma, as other tools write) read as before."""
    graph, x = _graph(context, 4096, seed=1)
    path = tmp_path / f"m{suffix}"
    graph.save(path, "inline")
    compact = path.read_text()
    if suffix == ".json":
        data = json.loads(compact)
        spaced = json.dumps(data, indent=2)  # one number per line, as a generic JSON writer puts it
    else:
        start = compact.index("@bytes([")
        spaced = compact[:start] + compact[start:].replace(",", ", ")
    assert spaced != compact
    path.write_text(spaced)
    loaded = webnn.load(path, context)
    want, got = context.compute(graph, {"x": x}), context.compute(loaded, {"x": x})
    for name in want:
        assert got[name].tobytes() == want[name].tobytes()


@pytest.mark.parametrize(("listed", "values"), [
    ("1,2,3", [1, 2, 3]),
    (" 1 ,\n2,\t3 ", [1, 2, 3]),
    ("007,255,0", [7, 255, 0]),
    ("", []),
])
def test_byte_list_forms(listed: str, values: list[int]) -> None:
    from webnn.io.text_format import _byte_values, byte_list

    assert _byte_values(listed, 0, len(listed)) == bytes(values)
    assert byte_list(bytes(values)) == ",".join(map(str, values))


@pytest.mark.parametrize("listed", ["1,,2", "1,2,", ",1", "1 2", "256", "1000", "1,a", "-1", "1.5"])
def test_byte_lists_the_fast_reader_leaves_to_the_parser(listed: str) -> None:
    """Anything but 1 to 3 digits of at most 255 between commas goes to the general parser, which
    says what is wrong (tests/io/test_malformed.py)."""
    from webnn.io.text_format import _byte_values

    assert _byte_values(listed, 0, len(listed)) is None


def test_reading_inline_weights_is_fast(context: webnn.MLContext, tmp_path: Path) -> None:
    """2 MiB of inline weights (about 7.5 MB of text) read in well under two seconds (the list was
    matched by a regular expression and converted number by number: 3.5 s)."""
    graph, x = _graph(context, 2 * 2**20, seed=2)
    path = tmp_path / "m.webnn"
    graph.save(path, "inline")
    start = time.perf_counter()
    loaded = webnn.load(path, context)
    assert time.perf_counter() - start < 2.0
    assert context.compute(loaded, {"x": x})["y"].tobytes() == context.compute(graph, {"x": x})["y"].tobytes()
