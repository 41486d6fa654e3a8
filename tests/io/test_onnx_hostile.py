"""Hostile ONNX files: each one ends in a documented error (GraphFormatError, NotSupportedError or
TypeError) or loads correctly, within a small memory and CPU budget; never a MemoryError, a
RecursionError, a crash or a hang.

The tests below check each defence on its own (the folding budget and ``limits=``, external data,
opset versions, names that are not UTF-8, nesting); ``test_hostile_onnx_corpus`` then reads a
corpus made here in tmp_path with ``onnx.helper`` (truncations at many points, oversized, negative
and overflowing sizes, raw data of the wrong length, unknown type codes, nesting deeper than the
parser allows, fold bombs, external data that leaves the model's folder) in one child process
under a memory limit (tests/bounded.py).
"""

from __future__ import annotations

import os
import random
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pytest

import webnn

onnx = pytest.importorskip("onnx")

from onnx import AttributeProto, TensorProto, helper, numpy_helper  # noqa: E402

from ..bounded import check_documented, outcomes  # noqa: E402

N = helper.make_node
NEWEST_OPSET = onnx.defs.onnx_opset_version()


def _model(nodes, inputs=(), outputs=("y",), initializers=(), opset=17, sparse=()):  # type: ignore[no-untyped-def]
    graph = helper.make_graph(nodes, "g", list(inputs), [helper.make_empty_tensor_value_info(o) for o in outputs],
                              list(initializers), sparse_initializer=list(sparse))
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)])
    model.ir_version = 8
    return model


def _float_input(name: str, shape) -> object:  # type: ignore[no-untyped-def]
    return helper.make_tensor_value_info(name, TensorProto.FLOAT, shape)


def _ints(name: str, *values: int) -> object:
    return numpy_helper.from_array(np.array(values, np.int64), name)


def _fill(name: str, shape: list[int], elem: int = TensorProto.FLOAT, value: float = 1.0) -> list:
    """``name`` = ConstantOfShape(shape) filled with ``value`` of type ``elem``: a few bytes in the file."""
    return [N("Constant", [], [name + "_shape"], value_ints=shape),
            N("ConstantOfShape", [name + "_shape"], [name],
              value=numpy_helper.from_array(np.array([value], helper.tensor_dtype_to_np_dtype(elem)), "v"))]


def _operation_types(graph: webnn.MLGraph) -> set[str]:
    return {op.type for op in graph.ir.operations}


@pytest.fixture
def reference() -> webnn.MLContext:
    return webnn.ML().create_context(backend="reference")


# --------------------------------------------------------------------------- the folding budget


def test_fold_past_the_budget_names_node_op_size_and_budget(reference: webnn.MLContext) -> None:
    """A 100-byte file asks for 4 TiB: refused before allocating, saying how to raise the limits."""
    model = _model([N("Constant", [], ["s"], value_ints=[2**20, 2**20]), N("ConstantOfShape", ["s"], ["y"], name="bomb")])
    assert len(model.SerializeToString()) < 200
    with pytest.raises(webnn.NotSupportedError) as info:
        webnn.load_onnx(model, reference)
    message = str(info.value)
    assert "node 'bomb' (ConstantOfShape)" in message
    assert "needs 4 TiB" in message  # 2^40 float32 elements
    assert "256 MiB" in message and "limits=webnn.Limits" in message


def test_limits_keyword(reference: webnn.MLContext) -> None:
    """``limits=`` sizes the budget: 1 MiB folded within the defaults, refused within 512 KiB."""
    model = _model([*_fill("y", [512, 512], value=2.5)])
    graph = webnn.load_onnx(model, reference)
    np.testing.assert_array_equal(reference.compute(graph, {})["y"], np.full((512, 512), 2.5, np.float32))
    small = webnn.Limits(expansion_per_byte=0, min_expansion=2**19)
    with pytest.raises(webnn.NotSupportedError, match=r"ConstantOfShape.*1 MiB.*512 KiB"):
        webnn.load_onnx(model, reference, limits=small)
    builder = reference.create_graph_builder()
    with pytest.raises(webnn.NotSupportedError, match="ConstantOfShape"):
        webnn.io.onnx_import.import_onnx(model, builder, limits=small)
    assert builder._inputs == {} and builder._checkpoint() == reference.create_graph_builder()._checkpoint()
    with pytest.raises(TypeError, match="limits must be a webnn.Limits"):
        webnn.load_onnx(model, reference, limits={"max_expansion": 1})  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="limits must be a webnn.Limits"):
        webnn.io.onnx_import.import_onnx(model, reference.create_graph_builder(), limits=5)  # type: ignore[arg-type]


def test_fold_past_the_budget_stays_in_the_graph(reference: webnn.MLContext) -> None:
    """An op with a converter is converted instead of folded: the graph computes it."""
    x = np.arange(3, dtype=np.float32).reshape(3, 1)
    model = _model([N("Expand", ["x", "shape"], ["y"])], initializers=[
        numpy_helper.from_array(x, "x"), _ints("shape", 3, 4096)])
    folded = webnn.load_onnx(model, reference)
    assert "expand" not in _operation_types(folded)
    kept = webnn.load_onnx(model, reference, limits=webnn.Limits(expansion_per_byte=0, min_expansion=2**14))
    assert "expand" in _operation_types(kept)
    for graph in (folded, kept):
        np.testing.assert_array_equal(reference.compute(graph, {})["y"], np.broadcast_to(x, (3, 4096)))


def test_matmul_fold_counts_multiply_adds(reference: webnn.MLContext) -> None:
    """64 x 64 x 64 multiply-adds pass a work budget of 10^5 that the 4096 outputs fit: converted."""
    rng = np.random.default_rng(1)
    a, b = rng.standard_normal((64, 64)).astype(np.float32), rng.standard_normal((64, 64)).astype(np.float32)
    model = _model([N("MatMul", ["a", "b"], ["y"])], initializers=[numpy_helper.from_array(a, "a"),
                                                                    numpy_helper.from_array(b, "b")])
    graph = webnn.load_onnx(model, reference, limits=webnn.Limits(work_per_byte=0, min_work=10**5))
    assert "matmul" in _operation_types(graph)
    expected = a.astype(np.float64) @ b.astype(np.float64)
    np.testing.assert_allclose(reference.compute(graph, {})["y"], expected, rtol=1e-4, atol=1e-4)


def _sparse(dims: list[int], values: np.ndarray, indices: np.ndarray):  # type: ignore[no-untyped-def]
    return helper.make_sparse_tensor(numpy_helper.from_array(values, "w"), numpy_helper.from_array(indices, "i"), dims)


def test_sparse_initializer_counts_against_the_budget(reference: webnn.MLContext) -> None:
    values, indices = np.array([1.5, -2.0], np.float32), np.array([[0, 3], [511, 100]], np.int64)
    model = _model([N("Identity", ["w"], ["y"])], sparse=[_sparse([512, 512], values, indices)])
    expected = np.zeros((512, 512), np.float32)
    expected[0, 3], expected[511, 100] = 1.5, -2.0
    np.testing.assert_array_equal(reference.compute(webnn.load_onnx(model, reference), {})["y"], expected)
    with pytest.raises(webnn.NotSupportedError, match=r"sparse initializer 'w': making it dense needs 1 MiB"):
        webnn.load_onnx(model, reference, limits=webnn.Limits(expansion_per_byte=0, min_expansion=2**19))
    bomb = _model([N("Identity", ["w"], ["y"])], sparse=[_sparse([2**31, 2**31], values, indices)])
    with pytest.raises(webnn.NotSupportedError, match="making it dense"):
        webnn.load_onnx(bomb, reference)
    outside = _model([N("Identity", ["w"], ["y"])], sparse=[_sparse([4, 4], values, np.array([[0, 3], [4, 0]]))])
    with pytest.raises(webnn.GraphFormatError, match="out of range"):
        webnn.load_onnx(outside, reference)


def test_converters_computing_constants_are_budgeted(reference: webnn.MLContext) -> None:
    """EyeLike of an input's shape and OneHot's ramp are made with NumPy: refused past the budget."""
    eye = _model([N("EyeLike", ["x"], ["y"], dtype=TensorProto.DOUBLE)],
                 [helper.make_tensor_value_info("x", TensorProto.UINT8, [40000, 40000])])
    with pytest.raises(webnn.NotSupportedError, match=r"EyeLike.*making the identity matrix needs 11.9 GiB"):
        webnn.load_onnx(eye, reference)
    one_hot = _model([N("OneHot", ["x", "depth", "values"], ["y"])], [_float_input("x", [2])],
                     initializers=[_ints("depth", 2**40), numpy_helper.from_array(np.array([0, 1], np.float32),
                                                                                   "values")])
    with pytest.raises(webnn.NotSupportedError, match=r"OneHot.*the ramp of depth 1099511627776 needs 8 TiB"):
        webnn.load_onnx(one_hot, reference)


# --------------------------------------------------------------------------- external data


@dataclass
class ExternalCase:
    """A model ``m.onnx`` in ``folder`` whose initializer ``w`` ([2, 3] float32) is external data."""

    folder: Path
    location: str
    offset: int | None = None
    length: int | None = None
    entries: list[tuple[str, str]] = field(default_factory=list)

    def model(self):  # type: ignore[no-untyped-def]
        tensor = numpy_helper.from_array(np.zeros((2, 3), np.float32), "w")
        tensor.ClearField("raw_data")
        tensor.data_location = TensorProto.EXTERNAL
        for key, value in [("location", self.location), ("offset", self.offset), ("length", self.length),
                           *self.entries]:
            if value is not None:
                entry = tensor.external_data.add()
                entry.key, entry.value = key, str(value)
        return _model([N("Add", ["x", "w"], ["y"])], [_float_input("x", [2, 3])], initializers=[tensor])

    def write(self, name: str = "m.onnx") -> Path:
        self.folder.mkdir(parents=True, exist_ok=True)
        path = self.folder / name
        path.write_bytes(self.model().SerializeToString())
        return path


W = np.arange(6, dtype=np.float32).reshape(2, 3) - 2.5
X = np.full((2, 3), 10.0, np.float32)


def _external_escapes(tmp_path: Path) -> list[tuple[str, Path, str]]:
    """(what, model path, expected message) for external data that must be refused."""
    folder = tmp_path / "model"
    folder.mkdir(parents=True)
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.bin").write_bytes(W.tobytes())
    (folder / "link.bin").symlink_to(outside / "secret.bin")
    (folder / "w.bin").write_bytes(b"\0" * 8 + W.tobytes())
    cases = [
        ("symlink", ExternalCase(folder, "link.bin"), "resolves outside the model's folder"),
        ("dotdot", ExternalCase(folder, "../outside/secret.bin"), "'..' component is refused"),
        ("absolute", ExternalCase(folder, str(outside / "secret.bin")), "absolute path is refused"),
        ("offset-past-end", ExternalCase(folder, "w.bin", offset=1000), "past the end of the file"),
        ("offset-and-length-past-end", ExternalCase(folder, "w.bin", offset=16, length=24), "past the end"),
        ("length-larger", ExternalCase(folder, "w.bin", offset=8, length=28), "length 28 is not the tensor's size"),
        ("length-smaller", ExternalCase(folder, "w.bin", offset=8, length=20), "length 20 is not the tensor's size"),
        ("offset-not-a-number", ExternalCase(folder, "w.bin", entries=[("offset", "-8")]), "offset '-8' is not"),
        ("missing-file", ExternalCase(folder, "none.bin"), "no such file"),
        ("no-location", ExternalCase(folder, ""), "location is missing"),
    ]
    return [(what, case.write(f"{what}.onnx"), message) for what, case, message in cases]


def test_external_data_escapes_are_refused(tmp_path: Path, reference: webnn.MLContext) -> None:
    for what, path, message in _external_escapes(tmp_path):
        with pytest.raises(webnn.GraphFormatError, match="tensor 'w'") as info:
            webnn.load_onnx(path, reference)
        assert message in str(info.value), (what, str(info.value))


def test_bytes_with_external_data_never_read_the_working_directory(tmp_path: Path, monkeypatch,  # type: ignore[no-untyped-def]
                                                                   reference: webnn.MLContext) -> None:
    """Bytes have no folder: a relative location is not looked up in the current directory."""
    case = ExternalCase(tmp_path, "w.bin")
    (tmp_path / "w.bin").write_bytes(W.tobytes())
    monkeypatch.chdir(tmp_path)
    data = case.model().SerializeToString()
    for model in (data, case.model()):
        with pytest.raises(webnn.GraphFormatError, match="'w'.*'w.bin'.*external_data_dir"):
            webnn.load_onnx(model, reference)
    for model in (data, case.model()):  # given the folder, they load
        graph = webnn.load_onnx(model, reference, external_data_dir=tmp_path)
        np.testing.assert_array_equal(reference.compute(graph, {"x": X})["y"], X + W)
    proto = case.model()
    webnn.load_onnx(proto, reference, external_data_dir=str(tmp_path))
    assert proto.graph.initializer[0].data_location == TensorProto.EXTERNAL  # the caller's model is untouched
    with pytest.raises(FileNotFoundError, match="external_data_dir"):
        webnn.load_onnx(data, reference, external_data_dir=tmp_path / "none")


def test_valid_external_data_loads_and_computes(tmp_path: Path, reference: webnn.MLContext) -> None:
    folder = tmp_path / "m"
    (folder / "data").mkdir(parents=True)
    (folder / "data" / "weights.bin").write_bytes(b"\xaa" * 16 + W.tobytes() + b"\xbb" * 4)
    path = ExternalCase(folder, "data/weights.bin", offset=16, length=24).write()
    graph = webnn.load_onnx(path, reference)
    np.testing.assert_array_equal(reference.compute(graph, {"x": X})["y"], X + W)
    builder = reference.create_graph_builder()
    outputs = webnn.io.onnx_import.import_onnx(str(path), builder)
    np.testing.assert_array_equal(reference.compute(builder.build(outputs), {"x": X})["y"], X + W)


def test_external_data_of_a_constant_node(tmp_path: Path, monkeypatch,  # type: ignore[no-untyped-def]
                                          reference: webnn.MLContext) -> None:
    """A Constant's value may be external data too: read by the same rules, never from the cwd."""
    (tmp_path / "w.bin").write_bytes(W.tobytes())
    monkeypatch.chdir(tmp_path)
    proto = ExternalCase(tmp_path, "w.bin").model()
    tensor = proto.graph.initializer.pop()
    proto.graph.node.insert(0, N("Constant", [], ["w"], value=tensor))
    (tmp_path / "m.onnx").write_bytes(proto.SerializeToString())
    graph = webnn.load_onnx(tmp_path / "m.onnx", reference)
    np.testing.assert_array_equal(reference.compute(graph, {"x": X})["y"], X + W)
    with pytest.raises(webnn.GraphFormatError, match="'w'.*'w.bin'.*external_data_dir"):
        webnn.load_onnx(proto.SerializeToString(), reference)
    proto.graph.node[0].attribute[0].type = AttributeProto.INT  # mislabelled: the tensor is never resolved
    with pytest.raises(webnn.GraphFormatError, match="external data was not read"):
        webnn.load_onnx(proto, reference, external_data_dir=tmp_path)


def test_external_ranges_cannot_be_read_twice(tmp_path: Path, reference: webnn.MLContext) -> None:
    """Two tensors reading the same bytes would make the model bigger than its files."""
    (tmp_path / "w.bin").write_bytes(W.tobytes())
    tensors = []
    for name in ("w", "v"):
        tensor = numpy_helper.from_array(np.zeros((2, 3), np.float32), name)
        tensor.ClearField("raw_data")
        tensor.data_location = TensorProto.EXTERNAL
        entry = tensor.external_data.add()
        entry.key, entry.value = "location", "w.bin"
        tensors.append(tensor)
    model = _model([N("Add", ["w", "v"], ["y"])], initializers=tensors)
    (tmp_path / "m.onnx").write_bytes(model.SerializeToString())
    with pytest.raises(webnn.GraphFormatError, match="overlap"):
        webnn.load_onnx(tmp_path / "m.onnx", reference)


# --------------------------------------------------------------------------- opsets


@pytest.mark.parametrize("version", [2**62, -1, -(2**40), NEWEST_OPSET + 1])
def test_opsets_no_onnx_release_defines_are_refused(version: int, reference: webnn.MLContext) -> None:
    model = _model([N("Relu", ["x"], ["y"])], [_float_input("x", [2])], opset=17)
    model.opset_import[0].version = version
    with pytest.raises(webnn.NotSupportedError, match=rf"opset {version} .*newest .* is {NEWEST_OPSET}"):
        webnn.load_onnx(model, reference)


def test_the_newest_opset_loads(reference: webnn.MLContext) -> None:
    model = _model([N("Relu", ["x"], ["y"])], [_float_input("x", [2])], opset=NEWEST_OPSET)
    graph = webnn.load_onnx(model, reference)
    np.testing.assert_array_equal(reference.compute(graph, {"x": np.array([-1, 2], np.float32)})["y"], [0, 2])


# --------------------------------------------------------------------------- names that are not UTF-8


def _with_invalid_utf8(model) -> bytes:  # type: ignore[no-untyped-def]
    """The serialized model with every ``QQ`` replaced by two bytes that are not UTF-8 (same length,
    so every length prefix still holds)."""
    data = model.SerializeToString()
    assert b"QQ" in data
    return data.replace(b"QQ", b"\xff\xfe")


def _relu(node_name: str = "", x: str = "x", y: str = "y", **node) -> object:  # type: ignore[no-untyped-def]
    return _model([N(node.pop("op", "Relu"), [x], [y], name=node_name, **node)], [_float_input(x, [2])], [y])


NON_UTF8 = {
    # what: (model, None when it loads (and computes Relu or LeakyRelu) else the expected message)
    "node name": (_relu("nmQQ"), None),
    "value name": (_model([N("Relu", ["x"], ["mQQ"]), N("Relu", ["mQQ"], ["y"])], [_float_input("x", [2])]), None),
    "input name": (_relu(x="xQQ"), r"graph input 'x\\\\xff\\\\xfe'"),
    "output name": (_relu(y="yQQ"), r"graph output 'y\\\\xff\\\\xfe'"),
    "op type": (_relu(op="ReQQ"), r"operator 'Re\\\\xff\\\\xfe' is not supported"),
    "domain": (_relu(domain="doQQ"), r"custom domain 'do\\\\xff\\\\xfe'"),
    "attribute string": (_model([N("Pad", ["x", "p"], ["y"], mode="QQ")], [_float_input("x", [2])],
                                initializers=[_ints("p", 1, 1)]), "mode '\ufffd\ufffd' has no WebNN equivalent"),
    "attribute name": (_relu(op="LeakyRelu", alQQ=0.5), None),
    "dim_param": (_model([N("Relu", ["x"], ["y"])], [_float_input("x", ["bQQ"])]), r"dimension 0 \('b\\\\xff\\\\xfe'\)"),
}


@pytest.mark.parametrize("what", list(NON_UTF8))
def test_names_that_are_not_utf8(what: str, reference: webnn.MLContext) -> None:
    model, message = NON_UTF8[what]
    data = _with_invalid_utf8(model)
    if message is None:
        graph = webnn.load_onnx(data, reference)
        x = np.array([-1, 2], np.float32)
        slope = 0.01 if what == "attribute name" else 0.0  # LeakyRelu's default alpha: the attribute is unknown
        np.testing.assert_allclose(reference.compute(graph, {"x": x})["y"], np.where(x > 0, x, np.float32(slope) * x))
    else:
        with pytest.raises(webnn.NotSupportedError, match=message):
            webnn.load_onnx(data, reference)


# --------------------------------------------------------------------------- nesting


def _nested_ifs(depth: int):  # type: ignore[no-untyped-def]
    """``depth`` If nodes, each in the then-branch of the one above, the innermost giving [7.0]; every
    condition a constant true (built field by field: helper.make_node copies through the parser,
    which refuses deep nesting)."""
    model = onnx.ModelProto()
    model.ir_version = 8
    model.opset_import.add().version = 17
    graph = model.graph
    graph.name = "g"
    for level in range(depth):
        condition = graph.node.add()
        condition.CopyFrom(N("Constant", [], [f"c{level}"], value_ints=[1]))
        node = graph.node.add()
        node.op_type, node.name = "If", f"if{level}"
        node.input.append(f"c{level}")
        node.output.append(f"y{level}")
        graph.output.add().name = f"y{level}"
        other = node.attribute.add()
        other.name, other.type = "else_branch", AttributeProto.GRAPH
        other.g.CopyFrom(helper.make_graph([N("Constant", [], ["e"], value_floats=[0.0])], "e", [],
                                           [helper.make_empty_tensor_value_info("e")]))
        then = node.attribute.add()
        then.name, then.type = "then_branch", AttributeProto.GRAPH
        graph = then.g
        graph.name = f"then{level}"
    graph.node.add().CopyFrom(N("Constant", [], [f"y{depth}"], value_floats=[7.0]))
    graph.output.add().name = f"y{depth}"
    return model


def test_deep_nesting_in_memory(reference: webnn.MLContext) -> None:
    """A ModelProto built in memory can nest deeper than any parser allows: refused, no RecursionError."""
    graph = webnn.load_onnx(_nested_ifs(12), reference)
    np.testing.assert_array_equal(reference.compute(graph, {})["y0"], [7.0])
    with pytest.raises(webnn.NotSupportedError, match="nest more than 64 deep"):
        webnn.load_onnx(_nested_ifs(3000), reference)


# --------------------------------------------------------------------------- the corpus

ATTEMPT = """
import os

_CONTEXT = webnn.ML().create_context(backend="reference")


def attempt(path):
    name = os.path.basename(path)
    if name.startswith("bytes-"):  # read as bytes, from a working directory that holds the data file
        os.chdir(os.path.dirname(path))
        with open(path, "rb") as f:
            graph = webnn.load_onnx(f.read(), _CONTEXT)
    else:
        graph = webnn.load_onnx(path, _CONTEXT)
    assert isinstance(graph, webnn.MLGraph) and graph.operation_count >= 1, "not a graph"
    made = sum(array.nbytes for array in graph.ir.constants.values())
    assert made <= 300 * 2**20, f"the graph holds {made} bytes of constants"
"""

#: What a corpus file must end in.
ERROR, LOADS, EITHER = "error", "loads", "either"


@dataclass
class Corpus:
    folder: Path
    paths: list[str] = field(default_factory=list)
    expect: dict[str, tuple[str, str]] = field(default_factory=dict)

    def add(self, name: str, model, outcome: str = ERROR, message: str = "",  # type: ignore[no-untyped-def]
            folder: Path | None = None) -> None:
        path = (folder or self.folder) / f"{name}.onnx"
        path.write_bytes(model if isinstance(model, bytes) else model.SerializeToString())
        self.expect_file(path, outcome, message)

    def expect_file(self, path: Path, outcome: str, message: str = "") -> None:
        self.paths.append(str(path))
        self.expect[str(path)] = (outcome, message)


def _good_model():  # type: ignore[no-untyped-def]
    """A small model with most of what a file holds: initializers, attributes, a shape sub-graph."""
    rng = np.random.default_rng(3)
    w = numpy_helper.from_array(rng.standard_normal((4, 2, 3, 3)).astype(np.float32), "w")
    b = numpy_helper.from_array(rng.standard_normal(4).astype(np.float32), "b")
    nodes = [N("Conv", ["x", "w", "b"], ["c"], pads=[1, 1, 1, 1], name="conv"), N("Relu", ["c"], ["r"]),
             N("Shape", ["r"], ["s"]), N("Reshape", ["r", "s"], ["y"])]
    return _model(nodes, [_float_input("x", [1, 2, 5, 5])], initializers=[w, b])


def _truncations(corpus: Corpus) -> None:
    data = _good_model().SerializeToString()
    corpus.add("good", data, LOADS)
    rng = random.Random(5)
    for cut in sorted({0, 1, 2, 7, len(data) - 1, *(rng.randrange(3, len(data)) for _ in range(24))}):
        corpus.add(f"cut-{cut}", data[:cut], EITHER)


def _sizes_and_types(corpus: Corpus) -> None:
    relu = [N("Relu", ["w"], ["y"])]
    huge = numpy_helper.from_array(np.zeros(4, np.float32), "w")
    huge.dims[:] = [2**62, 4]
    corpus.add("init-dims-2^62", _model(relu, initializers=[huge]), ERROR, "raw_data holds 16 bytes")
    overflow = numpy_helper.from_array(np.zeros(1, np.float32), "w")
    overflow.dims[:] = [2**31, 2**31, 2**31]
    corpus.add("init-dims-overflow", _model(relu, initializers=[overflow]), ERROR, "needs")
    negative = numpy_helper.from_array(np.zeros(4, np.float32), "w")
    negative.dims[:] = [-1, -4]
    corpus.add("init-dims-negative", _model(relu, initializers=[negative]), ERROR, "negative dimension")
    short = numpy_helper.from_array(np.zeros((4, 4), np.float32), "w")
    short.raw_data = short.raw_data[:-3]
    corpus.add("raw-data-short", _model(relu, initializers=[short]), ERROR, "raw_data holds 61 bytes")
    long = numpy_helper.from_array(np.zeros((4, 4), np.float32), "w")
    long.raw_data = long.raw_data + b"\0" * 64
    corpus.add("raw-data-long", _model(relu, initializers=[long]), ERROR, "raw_data holds 128 bytes")
    typed = TensorProto(name="w", data_type=TensorProto.FLOAT, dims=[2**40], float_data=[1.0, 2.0])
    corpus.add("float-data-short", _model(relu, initializers=[typed]), ERROR, "float_data holds 2 values")
    value = TensorProto(name="v", data_type=TensorProto.FLOAT, dims=[2**40], raw_data=b"\0" * 4)
    corpus.add("constant-raw-data-short", _model([N("Constant", [], ["y"], value=value)]), ERROR,
               "raw_data holds 4 bytes")
    unknown = numpy_helper.from_array(np.zeros(4, np.float32), "w")
    unknown.data_type = 99
    corpus.add("init-type-99", _model(relu, initializers=[unknown]), ERROR, "99 (unknown)")
    strings = helper.make_tensor("w", TensorProto.STRING, [1], [b"a"])
    corpus.add("init-type-string", _model(relu, initializers=[strings]), ERROR, "string")
    corpus.add("input-type-99", _model([N("Relu", ["x"], ["y"])], [helper.make_tensor_value_info("x", 99, [2])]),
               ERROR, "99 (unknown)")
    corpus.add("cast-to-99", _model([N("Cast", ["x"], ["y"], to=99)], [_float_input("x", [2])]), ERROR, "99 (unknown)")
    corpus.add("fill-type-99", _model([N("Constant", [], ["s"], value_ints=[2]), N("ConstantOfShape", ["s"], ["y"],
                                       value=TensorProto(name="v", data_type=99, dims=[1], raw_data=b"\0" * 4))]), ERROR)
    corpus.add("input-dims-2^40", _model([N("Relu", ["x"], ["y"])], [_float_input("x", [2**40, 2**40])]), ERROR,
               "WebNN refuses its descriptor")
    corpus.add("input-dims-2^63", _model([N("Relu", ["x"], ["y"])], [_float_input("x", [2**63 - 1, 2])]), ERROR)
    corpus.add("reshape-overflow", _model([N("Reshape", ["x", "s"], ["y"])], [_float_input("x", [4])],
                                          initializers=[_ints("s", 2**62, 2**62, 4)]), ERROR, "cannot reshape")
    corpus.add("constant-of-shape-negative", _model([N("Constant", [], ["s"], value_ints=[-5, 2]),
                                                     N("ConstantOfShape", ["s"], ["y"])]), ERROR, "negative")
    corpus.add("opset-2^62", _model([N("Relu", ["x"], ["y"])], [_float_input("x", [2])], opset=2**62), ERROR,
               "no ONNX release defines")
    corpus.add("opset-negative", _model([N("Relu", ["x"], ["y"])], [_float_input("x", [2])], opset=-3), ERROR,
               "no ONNX release defines")
    for what, (model, message) in NON_UTF8.items():
        corpus.add("utf8-" + what.replace(" ", "-"), _with_invalid_utf8(model), ERROR if message else LOADS)


def _nesting(corpus: Corpus) -> None:
    corpus.add("if-nested-25", _nested_ifs(25), LOADS)
    corpus.add("if-nested-300", _nested_ifs(300), ERROR, "not a readable ONNX model")


def _fold_bombs(corpus: Corpus) -> None:
    """Each a few hundred bytes that folding would make gigabytes (or minutes of arithmetic) of."""
    corpus.add("bomb-constant-of-shape", _model(_fill("y", [2**17, 2**17])), ERROR, "folding it needs 64 GiB")
    corpus.add("bomb-constant-of-shape-overflow", _model(_fill("y", [2**62, 2**62, 2**62])), ERROR, "folding it")
    corpus.add("bomb-range", _model([N("Range", ["a", "b", "c"], ["y"])], initializers=[
        numpy_helper.from_array(np.array(0, np.int64), "a"), numpy_helper.from_array(np.array(2**40, np.int64), "b"),
        numpy_helper.from_array(np.array(1, np.int64), "c")]), ERROR, "folding it")
    corpus.add("bomb-range-float", _model([N("Range", ["a", "b", "c"], ["y"])], initializers=[
        numpy_helper.from_array(np.array(v, np.float32), n) for n, v in (("a", 0), ("b", 1e30), ("c", 1e-30))]),
        ERROR, "folding it")
    corpus.add("bomb-broadcast-add", _model([*_fill("a", [2**16, 1]), *_fill("b", [1, 2**16]),
                                             N("Add", ["a", "b"], ["y"])]), ERROR)
    corpus.add("bomb-where", _model([*_fill("a", [2**16, 1]), *_fill("b", [1, 2**16]), *_fill("c", [1], TensorProto.BOOL),
                                     N("Where", ["c", "a", "b"], ["y"])]), ERROR)
    corpus.add("bomb-expand", _model([N("Expand", ["x", "s"], ["y"])], initializers=[
        numpy_helper.from_array(np.ones(1, np.float32), "x"), _ints("s", 2**16, 2**16)]), ERROR)
    corpus.add("bomb-expand-1gib", _model([N("Expand", ["x", "s"], ["y"])], initializers=[
        numpy_helper.from_array(np.ones(1, np.float32), "x"), _ints("s", 2**14, 2**14)]), LOADS)
    corpus.add("bomb-tile", _model([N("Tile", ["x", "r"], ["y"])], initializers=[
        numpy_helper.from_array(np.ones((1, 1), np.float32), "x"), _ints("r", 2**14, 2**14)]), LOADS)
    corpus.add("bomb-tile-huge", _model([N("Tile", ["x", "r"], ["y"])], initializers=[
        numpy_helper.from_array(np.ones((1, 1), np.float32), "x"), _ints("r", 2**40, 2**40)]), ERROR)
    corpus.add("bomb-pad", _model([N("Pad", ["x", "p"], ["y"])], initializers=[
        numpy_helper.from_array(np.ones(1, np.float32), "x"), _ints("p", 0, 2**40)]), ERROR)
    corpus.add("bomb-gather", _model([*_fill("d", [2, 2**16]), *_fill("i", [2**16], TensorProto.INT64, 0),
                                      N("Gather", ["d", "i"], ["y"])]), ERROR)
    corpus.add("bomb-matmul", _model([*_fill("a", [4096, 4096]), *_fill("b", [4096, 4096]),
                                      N("MatMul", ["a", "b"], ["y"])]), LOADS)
    corpus.add("bomb-matmul-int", _model([*_fill("a", [2048, 2048], TensorProto.INT32),
                                          *_fill("b", [2048, 2048], TensorProto.INT32),
                                          N("MatMul", ["a", "b"], ["y"])]), ERROR)
    corpus.add("bomb-eye-like", _model([N("EyeLike", ["x"], ["y"], dtype=TensorProto.DOUBLE)],
                                       [helper.make_tensor_value_info("x", TensorProto.UINT8, [40000, 40000])]),
               ERROR, "making the identity matrix")
    corpus.add("bomb-nonzero", _model([*_fill("x", [2**14, 2**13], TensorProto.UINT8), N("NonZero", ["x"], ["y"])]),
               ERROR, "folding it")
    corpus.add("bomb-cast", _model([*_fill("x", [2**14, 2**13], TensorProto.UINT8),
                                    N("Cast", ["x"], ["y"], to=TensorProto.INT64)]), LOADS)
    concat = _fill("c0", [2**20])
    for level in range(12):
        concat.append(N("Concat", [f"c{level}", f"c{level}"], [f"c{level + 1}"], axis=0))
    concat.append(N("Identity", ["c12"], ["y"]))
    corpus.add("bomb-concat-itself", _model(concat), ERROR)
    corpus.add("bomb-one-hot", _model([N("OneHot", ["x", "depth", "v"], ["y"])], [_float_input("x", [2])],
                                      initializers=[_ints("depth", 2**40),
                                                    numpy_helper.from_array(np.array([0, 1], np.float32), "v")]),
               ERROR, "ramp")
    corpus.add("bomb-resize", _model([N("Resize", ["x", "", "s"], ["y"])], [_float_input("x", [1, 1, 2, 2])],
                                     initializers=[numpy_helper.from_array(np.array([1, 1, 1e9, 1e9], np.float32),
                                                                           "s")]), ERROR)
    corpus.add("bomb-split-outputs", _model([N("Split", ["x"], ["y"], num_outputs=2**40)], [_float_input("x", [4])],
                                            opset=18), ERROR, "num_outputs 1099511627776")
    corpus.add("bomb-long-shape", _model([*_fill("s", [2**24], TensorProto.INT64), N("Reshape", ["x", "s"], ["y"])],
                                         [_float_input("x", [4])]), ERROR, "holds 16777216 values")
    values, indices = np.array([1.0], np.float32), np.array([5], np.int64)
    corpus.add("bomb-sparse-initializer", _model([N("Identity", ["w"], ["y"])],
                                                 sparse=[_sparse([2**20, 2**20], values, indices)]),
               ERROR, "making it dense")
    corpus.add("bomb-sparse-constant", _model([N("Constant", [], ["y"], sparse_value=_sparse([2**30], values, indices))]),
               ERROR, "folding it")


def _external(corpus: Corpus, tmp_path: Path) -> None:
    for _, path, message in _external_escapes(tmp_path / "external"):
        corpus.expect_file(path, ERROR, message)
    folder = tmp_path / "cwd"
    folder.mkdir()
    (folder / "w.bin").write_bytes(W.tobytes())
    model = ExternalCase(folder, "w.bin").model()
    corpus.add("bytes-relative-location", model, ERROR, "external_data_dir", folder=folder)
    corpus.add("valid-external", model, LOADS, folder=folder)


def test_hostile_onnx_corpus(tmp_path: Path) -> None:
    corpus = Corpus(tmp_path)
    for make in (_truncations, _sizes_and_types, _nesting, _fold_bombs):
        make(corpus)
    _external(corpus, tmp_path)
    results = outcomes(ATTEMPT, corpus.paths)
    by_outcome: dict[str, list] = {ERROR: [], LOADS: [], EITHER: []}
    for result in results:
        by_outcome[corpus.expect[result.path][0]].append(result)
    check_documented(by_outcome[ERROR])
    check_documented(by_outcome[EITHER], expect_error=False)
    check_documented(by_outcome[LOADS], expect_error=False)
    failed = [f"{r.path}: {r.error}: {r.message}" for r in by_outcome[LOADS] if r.error is not None]
    assert not failed, "files that should load:\n" + "\n".join(failed)
    hidden = [f"{r.path}: {r.message}" for r in results
              if any(word in r.message for word in ("MemoryError", "RecursionError", "Unable to allocate"))]
    assert not hidden, "\n".join(hidden)
    wrong = [f"{os.path.basename(r.path)}: expected {corpus.expect[r.path][1]!r}, got {r.message[:300]!r}"
             for r in results if corpus.expect[r.path][1] not in r.message]
    assert not wrong, "\n".join(wrong)
