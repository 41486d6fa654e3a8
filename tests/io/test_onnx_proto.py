"""The importer's own reader of ONNX files (``webnn.io.onnx_import.proto``) against the ``onnx``
package: every field of every model in the test corpus and of the real models decodes to the same
values; tensor data and attribute values are what ``onnx.numpy_helper`` / ``onnx.helper`` give;
hand-made encodings (unpacked numbers, unknown fields and groups, oneofs, merged messages, closed
enums, wrong wire types) decode as protobuf decodes them; malformed bytes (every truncation, byte
flips, huge lengths, deep nesting) are refused exactly where protobuf refuses them, always with a
GraphFormatError; and ``load_onnx`` of a file runs in a process where ``import onnx`` fails.
"""

from __future__ import annotations

import math
import os
import random
import re
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import webnn
from webnn.io import GraphFormatError
from webnn.io.onnx_import import proto
from webnn.io.onnx_import import types as T

onnx = pytest.importorskip("onnx")

from google.protobuf.message import DecodeError as ProtobufDecodeError  # noqa: E402
from onnx import AttributeProto, TensorProto, helper, numpy_helper  # noqa: E402

from ..models import ONNX_MODELS, require_model  # noqa: E402
from .onnx_cases import CASES  # noqa: E402

N = helper.make_node


#: The real models (tests/models.py fetches them once per machine).
REAL = ONNX_MODELS


def _real(name: str) -> Path:
    return require_model(name)


# --------------------------------------------------------------------------- the comparer


def _same_scalar(want: Any, got: Any) -> bool:
    if isinstance(want, float):
        return isinstance(got, float) and (want == got or (math.isnan(want) and math.isnan(got)))
    return type(want) is type(got) and want == got


def _repeated(fd: Any) -> bool:
    """Whether a field descriptor is repeated (``is_repeated`` in newer protobuf, ``label`` before)."""
    repeated = getattr(fd, "is_repeated", None)
    return bool(fd.label == fd.LABEL_REPEATED) if repeated is None else bool(repeated)


def assert_same(theirs: Any, mine: Any, path: str = "model") -> None:
    """Every field ``theirs`` (an onnx message) has, ``mine`` has with the same value (and no other)."""
    names = set()
    for fd, value in theirs.ListFields():
        names.add(fd.name)
        where = f"{path}.{fd.name}"
        got = getattr(mine, fd.name)
        if _repeated(fd):
            assert len(got) == len(value), where
            if fd.message_type is not None:
                for i, (a, b) in enumerate(zip(value, got)):
                    assert_same(a, b, f"{where}[{i}]")
            elif isinstance(got, np.ndarray):
                want = np.array(list(value), got.dtype)
                assert want.tobytes() == got.tobytes(), where
            else:
                assert isinstance(got, list), where
                bad = [i for i, (a, b) in enumerate(zip(value, got)) if not _same_scalar(a, b)]
                assert not bad, f"{where}[{bad[0]}]: {value[bad[0]]!r} != {got[bad[0]]!r}"
        else:
            assert mine.HasField(fd.name), where
            if fd.message_type is not None:
                assert_same(value, got, where)
            else:
                assert _same_scalar(value, got), f"{where}: {value!r} != {got!r}"
    assert {name for name, _ in mine.ListFields()} == names, path
    for fd in theirs.DESCRIPTOR.fields:  # absent fields read as their defaults
        if fd.name not in names and not _repeated(fd) and fd.message_type is None:
            assert _same_scalar(getattr(theirs, fd.name), getattr(mine, fd.name)), f"{path}.{fd.name} (default)"


def _both(data: bytes) -> tuple[Any, Any]:
    """(onnx's ModelProto or its DecodeError, proto.py's or its DecodeError) of ``data``."""
    try:
        theirs: Any = onnx.load_model_from_string(data)
    except ProtobufDecodeError as exc:
        theirs = exc
    try:
        mine: Any = proto.load_model(data)
    except proto.DecodeError as exc:
        mine = exc
    return theirs, mine


def assert_parity(data: bytes, what: str = "") -> bool:
    """Both readers refuse ``data``, or both read the same model; returns whether they read it."""
    theirs, mine = _both(data)
    if isinstance(theirs, Exception) or isinstance(mine, Exception):
        assert isinstance(theirs, Exception) and isinstance(mine, Exception), (what, theirs, mine)
        assert isinstance(mine, GraphFormatError)
        return False
    assert_same(theirs, mine)
    return True


# --------------------------------------------------------------------------- (a) the corpus


def test_every_case_model_decodes_as_onnx_does() -> None:
    for case in CASES:
        data = case.model().SerializeToString()
        assert_same(onnx.load_model_from_string(data), proto.load_model(data), case.id)


@pytest.mark.parametrize("name", list(REAL))
def test_real_models_decode_as_onnx_does(name: str) -> None:
    data = _real(name).read_bytes()
    theirs, mine = onnx.load_model_from_string(data), proto.load_model(data)
    assert_same(theirs, mine)
    for a, b in zip(theirs.graph.node, mine.graph.node):
        for x, y in zip(a.attribute, b.attribute):
            _assert_same_attribute_value(x, y)
    for a, b in zip(theirs.graph.initializer, mine.graph.initializer):
        _assert_same_array(numpy_helper.to_array(a), proto.tensor_to_array(b), a.data_type)


def test_bytearray_and_memoryview_are_read_in_place() -> None:
    data = _real("cls").read_bytes()
    theirs = onnx.load_model_from_string(data)
    buffer = bytearray(data)
    for source in (buffer, memoryview(buffer), memoryview(data)):
        mine = proto.load_model(source)
        assert_same(theirs, mine)
        assert all(type(n.name) is str for n in mine.graph.node)
    buffer.extend(b"\0")  # not held once read
    tensor = numpy_helper.from_array(np.arange(6, dtype=np.float32), "t").SerializeToString()
    raw = proto.TensorProto.FromString(memoryview(bytearray(tensor))).raw_data
    assert type(raw) is bytes and raw == np.arange(6, dtype=np.float32).tobytes()


def _assert_same_attribute_value(theirs: Any, mine: Any) -> None:
    """proto.get_attribute_value of proto.py's attribute and of onnx's is onnx.helper's value."""
    want = helper.get_attribute_value(theirs)
    for got, same in ((proto.get_attribute_value(mine), assert_same),
                      (proto.get_attribute_value(theirs), lambda a, b, _: a == b or pytest.fail(theirs.name))):
        if hasattr(want, "ListFields"):
            same(want, got, theirs.name)
        elif isinstance(want, list) and want and hasattr(want[0], "ListFields"):
            assert isinstance(got, list) and len(want) == len(got)
            for a, b in zip(want, got):
                same(a, b, theirs.name)
        elif isinstance(want, list):
            assert isinstance(got, list) and len(want) == len(got), theirs.name
            assert all(_same_scalar(a, b) for a, b in zip(want, got)), theirs.name
        else:
            assert _same_scalar(want, got), theirs.name


def test_attribute_values_are_onnx_helpers() -> None:
    nodes = [
        N("X", [], ["y"], f=1.5, i=-3, s="text", floats=[1.0, float("nan")], ints=[2**62, -1], strings=["a", "b"],
          t=numpy_helper.from_array(np.arange(3, dtype=np.float32), "t"), tensors=[helper.make_tensor("u", 7, [1], [5])],
          g=helper.make_graph([N("Relu", ["a"], ["b"])], "g", [], []),
          graphs=[helper.make_graph([], "g1", [], []), helper.make_graph([], "g2", [], [])],
          sparse_tensor=helper.make_sparse_tensor(numpy_helper.from_array(np.ones(2, np.float32), "v"),
                                                  numpy_helper.from_array(np.array([0, 3], np.int64), "i"), [4]),
          tp=helper.make_tensor_type_proto(TensorProto.FLOAT, [2, "n"]),
          type_protos=[helper.make_sequence_type_proto(helper.make_tensor_type_proto(TensorProto.INT64, None))]),
    ]
    model = helper.make_model(helper.make_graph(nodes, "g", [], []))
    theirs = model.graph.node[0]
    mine = proto.load_model(model.SerializeToString()).graph.node[0]
    assert len(theirs.attribute) == len(mine.attribute) == 13
    for a, b in zip(theirs.attribute, mine.attribute):
        _assert_same_attribute_value(a, b)
    undefined = AttributeProto(name="u")
    assert proto.get_attribute_value(undefined) is None
    assert proto.get_attribute_value(proto.AttributeProto()) is None
    reference = AttributeProto(name="r", ref_attr_name="alpha", type=AttributeProto.FLOAT)
    with pytest.raises(ValueError, match="Cannot get value of reference attribute"):
        proto.get_attribute_value(proto.AttributeProto.FromString(reference.SerializeToString()))


def test_bytes_and_model_proto_import_identically(tmp_path: Path) -> None:
    """The converter reads proto.py's objects and onnx's alike: the same graph, constants included."""
    context = webnn.ML().create_context(backend="reference")
    for case in CASES:
        model = case.model()
        shapes = {n: list(a.shape) for n, a in case.inputs.items()} if case.input_shapes else None
        texts = []
        for i, source in enumerate((model, model.SerializeToString())):
            graph = webnn.load_onnx(source, context, input_shapes=shapes)
            path = tmp_path / f"{i}.webnn"
            graph.save(path, weights="inline")
            texts.append(re.sub(r'webnn_graph "[^"]*"', "", path.read_text()))  # a per-graph name
        assert texts[0] == texts[1], case.id


# --------------------------------------------------------------------------- (b) tensor data

_NON_RAW: dict[int, np.ndarray] = {
    TensorProto.FLOAT: np.array([[1.5, -0.0], [np.inf, np.nan]], np.float32),
    TensorProto.DOUBLE: np.array([1e300, -2.5, np.nan], np.float64),
    TensorProto.FLOAT16: np.array([1.0, -2.0, 65504, np.inf, -0.0], np.float16),
    TensorProto.INT8: np.array([-128, 0, 127], np.int8),
    TensorProto.UINT8: np.array([0, 255, 7], np.uint8),
    TensorProto.INT16: np.array([-32768, 32767, 1], np.int16),
    TensorProto.UINT16: np.array([0, 65535, 2], np.uint16),
    TensorProto.INT32: np.array([-(2**31), 2**31 - 1, 0], np.int32),
    TensorProto.UINT32: np.array([0, 2**32 - 1, 3], np.uint32),
    TensorProto.INT64: np.array([[-(2**63), 2**63 - 1], [0, -1]], np.int64),
    TensorProto.UINT64: np.array([0, 2**64 - 1, 2**63], np.uint64),
    TensorProto.BOOL: np.array([True, False, True], np.bool_),
    TensorProto.INT4: np.array([-8, 7, -1, 0, 3], np.int8),
    TensorProto.UINT4: np.array([[0, 15], [9, 1]], np.uint8),
    TensorProto.COMPLEX64: np.array([1 + 2j, -3.5j], np.complex64),
    TensorProto.COMPLEX128: np.array([1e200 + 2j], np.complex128),
}


def _assert_same_array(want: np.ndarray, got: np.ndarray, elem: int) -> None:
    if elem in T.NUMPY:  # what the importer makes of onnx's array (int4 / uint4 unpacked to int8 / uint8)
        want = np.asarray(want, dtype=T.NUMPY[elem])
    assert got.dtype == want.dtype and got.shape == want.shape, (T.name(elem), got.dtype, want.dtype)
    if want.dtype == object:
        assert want.tolist() == got.tolist()
    else:
        assert want.tobytes() == got.tobytes(), T.name(elem)


@pytest.mark.parametrize("raw", [False, True])
@pytest.mark.parametrize("elem", list(_NON_RAW), ids=[T.name(e) for e in _NON_RAW])
def test_tensor_to_array_is_numpy_helper(elem: int, raw: bool) -> None:
    values = _NON_RAW[elem]
    if raw:
        if elem in (TensorProto.INT4, TensorProto.UINT4):
            flat = values.reshape(-1).astype(np.uint8) & 0x0F
            flat = np.append(flat, np.uint8(0)) if flat.size % 2 else flat
            tensor = helper.make_tensor("t", elem, values.shape, (flat[0::2] | flat[1::2] << 4).tobytes(), raw=True)
        else:
            tensor = helper.make_tensor("t", elem, values.shape, values.tobytes(), raw=True)
    else:
        tensor = helper.make_tensor("t", elem, values.shape, values.reshape(-1).tolist()
                                    if elem not in (TensorProto.COMPLEX64, TensorProto.COMPLEX128) else values.reshape(-1))
    want = numpy_helper.to_array(tensor)
    mine = proto.TensorProto.FromString(tensor.SerializeToString())
    assert_same(tensor, mine)
    _assert_same_array(want, proto.tensor_to_array(mine), elem)
    _assert_same_array(want, proto.tensor_to_array(tensor), elem)  # the onnx package's objects alike


def test_tensor_to_array_strings_segments_and_unsupported_types() -> None:
    strings = helper.make_tensor("s", TensorProto.STRING, [2], [b"ab", "\u00e9".encode()])  # type: ignore[list-item]
    _assert_same_array(numpy_helper.to_array(strings), proto.tensor_to_array(
        proto.TensorProto.FromString(strings.SerializeToString())), TensorProto.STRING)
    segment = helper.make_tensor("s", TensorProto.FLOAT, [1], [1.0])
    segment.segment.begin = 0
    with pytest.raises(ValueError, match="Currently not supporting loading segments"):
        proto.tensor_to_array(proto.TensorProto.FromString(segment.SerializeToString()))
    with pytest.raises(TypeError, match="UNDEFINED"):
        proto.tensor_to_array(proto.TensorProto())
    bf16 = helper.make_tensor("b", TensorProto.BFLOAT16, [1], b"\x80\x3f", raw=True)
    with pytest.raises(ValueError, match="bfloat16 has no NumPy dtype"):
        proto.tensor_to_array(proto.TensorProto.FromString(bf16.SerializeToString()))


# --------------------------------------------------------------------------- encodings by hand


def _varint(value: int) -> bytes:
    value &= (1 << 64) - 1
    out = bytearray()
    while value >= 0x80:
        out.append(value & 0x7F | 0x80)
        value >>= 7
    out.append(value)
    return bytes(out)


def _key(number: int, wire: int) -> bytes:
    return _varint(number << 3 | wire)


def _field(number: int, payload: bytes) -> bytes:
    return _key(number, 2) + _varint(len(payload)) + payload


def _int(number: int, value: int) -> bytes:
    return _key(number, 0) + _varint(value)


def _model(graph: bytes, *extra: bytes) -> bytes:
    return _int(1, 8) + _field(8, _int(2, 17)) + _field(7, graph) + b"".join(extra)


def _tensor(*fields: bytes) -> bytes:
    return _field(5, _field(8, b"w") + b"".join(fields))  # a GraphProto initializer


def test_unusual_encodings_decode_as_protobuf_does() -> None:
    rng = np.random.default_rng(1)
    big = rng.integers(-(2**63), 2**63, 600, dtype=np.int64)
    cases = {
        "unpacked dims and data": _tensor(_int(1, 2), _int(1, 3), _int(2, 7), _int(7, 5), _int(7, -9)),
        "mixed packed and unpacked": _tensor(_field(5, _varint(1) + _varint(-2)), _int(5, 3),
                                             _field(5, _varint(2**40))),
        "unpacked floats": _tensor(_key(4, 5) + np.float32(1.5).tobytes(), _field(4, np.array([2, 3], np.float32).tobytes()),
                                   _key(10, 1) + np.float64(-1).tobytes()),
        "large packed varints": _tensor(_field(7, b"".join(_varint(int(v)) for v in big)),
                                        _field(11, b"".join(_varint(int(v)) for v in big)),
                                        _field(5, b"".join(_varint(int(v)) for v in big))),
        "negative int32": _tensor(_int(2, -1)),
        "int32 from a wide varint": _tensor(_int(2, 2**40 + 7)),
        "closed enum, unknown values": _field(1, _field(5, _field(1, b"a") + _int(20, 99) + _int(3, 4))) +
        _tensor(_int(14, 7)),
        "wrong wire types are unknown fields": _field(1, _int(3, 5) + _key(4, 5) + b"abcd" + _field(4, b"Relu")) +
        _tensor(_int(4, 1), _key(9, 0) + b"\x05"),
        "unknown fields and groups": _field(1, _field(4, b"Relu") + _int(999, 1) + _key(77, 1) + b"\0" * 8 +
                                            _key(78, 3) + _int(1, 2) + _key(79, 3) + _key(79, 4) + _key(78, 4) +
                                            _field(536870911, b"xyz")),
        "oneofs, last member wins": _field(11, _field(1, b"x") + _field(2, _field(
            1, _int(1, 1) + _field(2, _field(1, _int(1, 3) + _field(2, b"n") + _field(3, b"d")) +
                                   _field(1, _field(2, b"m") + _int(1, 4)))) +
            _field(4, b"") + _field(1, _int(1, 7)))),
        "messages appearing twice are merged": _field(1, _field(4, b"Relu") + _field(1, b"a")) + _field(2, b"g") +
        _field(1, _field(3, b"n")),
        "scalars appearing twice, last wins": _field(2, b"first") + _field(2, b"second"),
        "strings that are not UTF-8": _field(1, _field(1, b"\xff") + _field(2, b"ok") + _field(3, b"a\xc3") +
                                             _field(4, b"\xed\xa0\x80")),
        "ten-byte varint": _tensor(_key(2, 0) + b"\xff" * 9 + b"\x7f"),
        "empty messages and fields": _field(1, b"") + _field(5, b"") + _field(11, _field(2, b"")),
    }
    for what, graph in cases.items():
        assert assert_parity(_model(graph, _field(7, _field(2, b"merged"))), what), what
    models = {
        "largest field number": _model(b"") + _varint(2**32 - 8) + b"\x01",
        "five-byte tag": _model(b"") + b"\x88\x80\x80\x80\x00\x01",
        "five-byte length": _model(b"") + _key(2, 2) + b"\x81\x80\x80\x80\x00a",
        "field number 0 in a group": _model(b"") + _key(9, 3) + _key(0, 0) + b"\x01" + _key(9, 4),
        "empty group": _model(b"") + _key(9, 3) + _key(9, 4),
        "packed for a singular number": _model(b"") + _field(1, _varint(5)),
        "wire 1 for an int64": _model(b"") + _key(1, 1) + b"\0" * 8,
        "bits past 64 in a varint": _model(b"") + _key(1, 0) + b"\xff" * 9 + b"\x7f",
        "enum past 32 bits": _model(_field(1, _field(5, _field(1, b"a") + _int(20, 2**32 + 2)))),
    }
    for what, data in models.items():
        assert assert_parity(data, what), what


def test_type_protos_and_the_rest_of_the_schema() -> None:
    graph = helper.make_graph(
        [N("Relu", ["x"], ["y"], doc_string="d", domain="", overload="o")], "g",
        [helper.make_value_info("s", helper.make_sequence_type_proto(helper.make_tensor_type_proto(1, [2]))),
         helper.make_value_info("m", helper.make_map_type_proto(7, helper.make_tensor_type_proto(1, None))),
         helper.make_value_info("o", helper.make_optional_type_proto(helper.make_tensor_type_proto(6, [None]))),
         helper.make_tensor_sequence_value_info("q", 1, ["a", 3]),
         helper.make_sparse_tensor_value_info("sp", 1, [4, 4])],
        [helper.make_tensor_value_info("y", 1, [2, "n"])], doc_string="graph",
        sparse_initializer=[helper.make_sparse_tensor(numpy_helper.from_array(np.ones(2, np.float32), "v"),
                                                      numpy_helper.from_array(np.array([0, 1]), "i"), [2])],
        value_info=[helper.make_tensor_value_info("z", 1, [])])
    graph.input[0].type.denotation = "TENSOR"
    opaque = graph.input.add()
    opaque.name = "op"
    opaque.type.opaque_type.domain, opaque.type.opaque_type.name = "d", "n"
    model = helper.make_model(graph, producer_name="p", producer_version="1", domain="x", model_version=3,
                              doc_string="doc", opset_imports=[helper.make_opsetid("", 17), helper.make_opsetid("ai", 1)])
    helper.set_model_props(model, {"k": "v"})
    tensor = model.graph.initializer.add()
    tensor.CopyFrom(numpy_helper.from_array(np.ones(2, np.float32), "e"))
    tensor.ClearField("raw_data")
    tensor.data_location = TensorProto.EXTERNAL
    for key, value in (("location", "w.bin"), ("offset", "0"), ("length", "8")):
        entry = tensor.external_data.add()
        entry.key, entry.value = key, value
    tensor.segment.begin, tensor.segment.end = 1, 2
    tensor.metadata_props.add().key = "meta"
    function = model.functions.add()
    function.CopyFrom(helper.make_function("f", "F", ["a"], ["b"], [N("Relu", ["a"], ["b"])], [helper.make_opsetid("", 17)],
                                           attributes=["alpha"]))
    training = model.training_info.add()
    training.algorithm.CopyFrom(helper.make_graph([], "train", [], []))
    training.update_binding.add().key = "w"
    annotation = model.graph.quantization_annotation.add()
    annotation.tensor_name = "w"
    annotation.quant_parameter_tensor_names.add().value = "scale"
    device = model.configuration.add()
    device.name, device.num_devices = "mesh", 2
    device.device.extend(["0", "1"])
    config = model.graph.node[0].device_configurations.add()
    config.configuration_id, config.pipeline_stage = "mesh", 1
    spec = config.sharding_spec.add()
    spec.tensor_name = "x"
    spec.device.extend([0, 1, -1])
    group = spec.index_to_device_group_map.add()
    group.key = 1
    group.value.extend([0, 1])
    dim = spec.sharded_dim.add()
    dim.axis = 0
    dim.simple_sharding.add().dim_param = "n"
    dim.simple_sharding.add().dim_value = 4
    assert assert_parity(model.SerializeToString())
    mine = proto.load_model(model.SerializeToString())
    info = mine.graph.input[0]
    assert info.type.WhichOneof("value") == "sequence_type" and not info.type.HasField("tensor_type")
    assert not info.type.tensor_type.HasField("shape") and mine.graph.output[0].type.HasField("value")
    assert mine.graph.output[0].type.tensor_type.shape.dim[1].WhichOneof("value") == "dim_param"
    with pytest.raises(ValueError, match="no singular field 'node'"):
        mine.graph.HasField("node")
    with pytest.raises(AttributeError, match="no field 'functions'"):
        mine.graph.functions  # noqa: B018
    assert mine.functions[0].node[0].op_type == "Relu"
    assert "name: \"g\"" in str(mine.graph) and repr(mine.opset_import[0]).startswith("OperatorSetIdProto(")


# --------------------------------------------------------------------------- (c) malformed bytes


def _small_model() -> bytes:
    """A few kilobytes with most of what a file holds: initializers, attributes, a sub-graph."""
    case = next(c for c in CASES if c.id == "If-runtime-condition-then")
    model = case.model()
    model.graph.initializer.extend([numpy_helper.from_array(np.arange(200, dtype=np.float32).reshape(5, 40), "w"),
                                    helper.make_tensor("d", TensorProto.INT64, [3], [-1, 2**40, 3])])
    model.graph.node.extend([N("Conv", ["x", "w"], ["c"], pads=[1, 1], strides=[1], auto_pad="NOTSET", alpha=0.5)])
    return model.SerializeToString()


def test_every_truncation_is_refused_where_protobuf_refuses_it() -> None:
    data = _small_model()
    assert len(data) > 1000
    read = sum(assert_parity(data[:cut], f"cut at {cut}") for cut in range(len(data)))
    assert 0 < read < len(data) // 4  # most cuts are malformed, a few end on a field boundary


def test_truncations_fail_as_graph_format_errors() -> None:
    data = _small_model()
    context = webnn.ML().create_context(backend="reference")
    for cut in range(1, len(data), 97):
        try:
            webnn.load_onnx(data[:cut], context)
        except GraphFormatError as exc:
            assert "not a readable ONNX model" in str(exc) or "initializer" in str(exc), str(exc)
        except (webnn.NotSupportedError, TypeError):
            pass


def test_byte_flips_decode_as_protobuf_does() -> None:
    data = _small_model()
    rng = random.Random(1234)
    context = webnn.ML().create_context(backend="reference")
    outcomes = {True: 0, False: 0}
    for i in range(1500):
        mutant = bytearray(data)
        for _ in range(rng.randint(1, 3)):
            mutant[rng.randrange(len(mutant))] = rng.randrange(256)
        outcomes[assert_parity(bytes(mutant), f"mutant {i}")] += 1
        if i % 15 == 0:  # the importer: only its documented errors
            try:
                webnn.load_onnx(bytes(mutant), context)
            except (GraphFormatError, webnn.NotSupportedError, TypeError):
                pass
    assert outcomes[True] > 100 and outcomes[False] > 100


def _nested_types(levels: int) -> bytes:
    """A graph input whose type nests messages ``levels`` deep below the model: the graph (1), the
    input (2), its TypeProto (3), then Sequence (even depths) and TypeProto (odd depths) in turn."""
    content = b""
    for depth in range(levels, 3, -1):  # the message at ``depth`` wrapped in its parent's field
        content = _field(4 if depth % 2 == 0 else 1, content)  # TypeProto.sequence_type / Sequence.elem_type
    return _model(_field(11, _field(1, b"x") + _field(2, content)))


MALFORMED = [
    (_model(b"") + _key(7, 2) + _varint(2**40) + b"abc", "length prefix takes 6 bytes"),
    (_model(b"") + _key(7, 2) + _varint(2**64 - 1), "length prefix takes 10 bytes"),
    (_model(b"") + _key(7, 2) + _varint(2**31) + b"abc", "runs past the end"),
    (_model(b"") + _key(2, 0) + b"\xff" * 10 + b"\x01", "longer than 10 bytes"),
    (_model(b"") + _key(2, 0) + b"\xff\xff", "cut off"),
    (_model(b"") + _key(0, 0) + b"\x01", "field number 0"),
    (_model(b"") + _varint(2**32) + b"\x01", "more than 32 bits"),
    (_model(b"") + b"\x88\x80\x80\x80\x80\x00\x01", "the tag 8 takes 6 bytes"),
    (_model(b"") + _key(2, 2) + b"\x81\x80\x80\x80\x80\x00a", "a length prefix takes 6 bytes"),
    (_model(b"") + _key(9, 6), "wire type 6"),
    (_model(b"") + _key(9, 7), "wire type 7"),
    (_model(b"") + _key(9, 4), "end of group 9 without its start"),
    (_model(b"") + _key(9, 3) + _int(1, 1), "group 9 has no end"),
    (_model(b"") + _key(9, 3) + _key(8, 4), "ends with the end of group 8"),
    (_model(_tensor(_field(4, b"\0" * 7))), "not a whole number"),
    (_model(_tensor(_field(10, b"\0" * 12))), "not a whole number"),
    (_model(_tensor(_field(7, b"\x80" * 5))), "cut off"),
    (_model(_tensor(_field(7, b"\x80" * 20 + b"\x01"))), "longer than 10 bytes"),
    (_model(_tensor(_field(7, b"\x80" * 300 + b"\x01"))), "longer than 10 bytes"),
    (_model(_tensor(_field(7, b"\x01" * 300 + b"\x80"))), "cut off"),
    (_model(_field(1, _field(1, b"abc")[:-1])), "runs past the end"),
    (_model(b"", _key(30, 3) * 5000), "nest more than 100 deep"),
    (_nested_types(101), "nest more than 100 deep"),
]


@pytest.mark.parametrize("data, message", MALFORMED, ids=[f"{i}-{m}" for i, (_, m) in enumerate(MALFORMED)])
def test_malformed_bytes_raise_graph_format_errors(data: bytes, message: str) -> None:
    with pytest.raises(proto.DecodeError, match=message) as info:
        proto.load_model(data)
    assert isinstance(info.value, GraphFormatError) and isinstance(info.value, ValueError)
    assert_parity(data)
    with pytest.raises(GraphFormatError, match="not a readable ONNX model: .*" + message):
        webnn.load_onnx(data, webnn.ML().create_context(backend="reference"))


def test_nesting_up_to_protobufs_limit_loads() -> None:
    assert assert_parity(_nested_types(100))
    depth = 0
    type_proto = proto.load_model(_nested_types(100)).graph.input[0].type
    while type_proto.HasField("sequence_type"):
        type_proto = type_proto.sequence_type.elem_type
        depth += 1
    assert depth == 49  # the Sequence messages at depths 4, 6, ..., 100


def test_deep_nesting_on_a_nearly_full_stack() -> None:
    """Protobuf's depth limit holds on any Python stack: a RecursionError becomes a DecodeError."""
    data = _nested_types(100)

    def deep(n: int) -> Any:
        return deep(n - 1) if n else proto.load_model(data)

    frame: Any = sys._getframe()
    here = 0
    while frame is not None:
        frame, here = frame.f_back, here + 1
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(here + 120)
    try:
        with pytest.raises(proto.DecodeError, match="too deeply for the Python stack"):
            deep(60)
    finally:
        sys.setrecursionlimit(limit)


# --------------------------------------------------------------------------- opsets


def test_newest_opset_without_onnx(monkeypatch: pytest.MonkeyPatch) -> None:
    """Up to ONNX_OPSET (onnx 1.19's newest) nothing is asked of onnx; past it, the installed onnx
    decides, and without onnx ONNX_OPSET is the newest."""
    from webnn.io.onnx_import.core import _newest_opset

    assert proto.ONNX_OPSET == 24 <= onnx.defs.onnx_opset_version()
    assert _newest_opset() == onnx.defs.onnx_opset_version()
    context = webnn.ML().create_context(backend="reference")
    model = helper.make_model(helper.make_graph([N("Relu", ["x"], ["y"])], "g",
                                                [helper.make_tensor_value_info("x", 1, [2])],
                                                [helper.make_tensor_value_info("y", 1, [2])]),
                              opset_imports=[helper.make_opsetid("", 25)])
    monkeypatch.setitem(sys.modules, "onnx.defs", None)
    assert _newest_opset() == 24
    with pytest.raises(webnn.NotSupportedError, match="opset 25 .*newest .* is 24"):
        webnn.load_onnx(model.SerializeToString(), context)
    model.opset_import[0].version = 24
    webnn.load_onnx(model.SerializeToString(), context)


# --------------------------------------------------------------------------- (d) without onnx

CHILD = """
import sys
block = sys.argv[3] == "block"
if block:
    for name in ("onnx", "ml_dtypes", "google.protobuf"):
        sys.modules[name] = None  # any import of them raises ImportError
import numpy as np
import webnn

path, out = sys.argv[1], sys.argv[2]
context = webnn.ML().create_context(backend="reference")
graph = webnn.load_onnx(path, context, input_shapes={"x": [1, 3, 48, 192]})
x = np.random.default_rng(0).standard_normal((1, 3, 48, 192)).astype(np.float32)
np.savez(out, **context.compute(graph, {"x": x}))
if block:
    loaded = sorted(m for m in sys.modules if m.split(".")[0] in ("onnx", "ml_dtypes") or m.startswith("google.protobuf"))
    assert loaded == ["google.protobuf", "ml_dtypes", "onnx"], loaded
    assert all(sys.modules[m] is None for m in loaded)
print("ok")
"""


def test_load_onnx_runs_where_onnx_cannot_be_imported(tmp_path: Path) -> None:
    """The same child twice, with the onnx packages made unimportable and with them available:
    bit-identical outputs (both children single-threaded, so that BLAS sums in one order)."""
    path = _real("cls")
    env = dict(os.environ, WEBNN_CACHE="0", OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1")
    outputs = {}
    for mode in ("block", "allow"):
        out = tmp_path / f"{mode}.npz"
        result = subprocess.run([sys.executable, "-c", textwrap.dedent(CHILD), str(path), str(out), mode], env=env,
                                capture_output=True, text=True, timeout=300)
        assert result.returncode == 0 and result.stdout.strip() == "ok", result.stderr[-3000:]
        with np.load(out) as data:
            outputs[mode] = {name: data[name] for name in data.files}
    assert sorted(outputs["block"]) == sorted(outputs["allow"])
    for name, value in outputs["allow"].items():
        np.testing.assert_array_equal(outputs["block"][name], value)
    # and they are the model's results: the parent process (any thread count) within float rounding
    context = webnn.ML().create_context(backend="reference")
    graph = webnn.load_onnx(path, context, input_shapes={"x": [1, 3, 48, 192]})
    x = np.random.default_rng(0).standard_normal((1, 3, 48, 192)).astype(np.float32)
    for name, value in context.compute(graph, {"x": x}).items():
        np.testing.assert_allclose(outputs["block"][name], value, rtol=1e-5, atol=1e-7)
