"""ONNX ``If``: branches are imported by the same importer as the model's graph (every op, their
own initializers and Constant nodes, values of the graphs around them); a condition known at
import (folded, or decided by ``input_values``) imports the taken branch only, one known at run
time imports both and picks with ``where``.  ONNX Runtime running the same model is the reference."""

from __future__ import annotations

import re
from typing import Any

import numpy as np
import pytest

import webnn

onnx = pytest.importorskip("onnx")
ort = pytest.importorskip("onnxruntime")

from onnx import TensorProto, helper, numpy_helper  # noqa: E402

N = helper.make_node
FLOAT, INT64, BOOL = TensorProto.FLOAT, TensorProto.INT64, TensorProto.BOOL
RNG = np.random.default_rng(7)


def tensor(name: str, elem: int, shape: Any) -> Any:
    return helper.make_tensor_value_info(name, elem, shape)


def arrays(**named: np.ndarray) -> list[Any]:
    return [numpy_helper.from_array(np.asarray(a), n) for n, a in named.items()]


def branch(name: str, nodes: list[Any], outputs: list[str], **initializers: np.ndarray) -> Any:
    return helper.make_graph(nodes, name, [], [tensor(o, FLOAT, None) for o in outputs], arrays(**initializers))


def model(nodes: list[Any], inputs: list[Any], outputs: list[str], **initializers: np.ndarray) -> Any:
    graph = helper.make_graph(nodes, "g", inputs, [tensor(o, FLOAT, None) for o in outputs], arrays(**initializers))
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])


def reference(proto: Any, feeds: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    options = ort.SessionOptions()
    options.log_severity_level = 3
    session = ort.InferenceSession(proto.SerializeToString(), options, providers=["CPUExecutionProvider"])
    return dict(zip([o.name for o in session.get_outputs()], session.run(None, feeds)))


def check(proto: Any, feeds: dict[str, np.ndarray], context: webnn.MLContext, **options: Any) -> webnn.MLGraph:
    """Import with ``options`` and compare with ONNX Runtime (fixed inputs are fed to it only)."""
    graph = webnn.load_onnx(proto, context, **options)
    fixed = options.get("input_values") or {}
    assert not set(graph.input_names) & set(fixed)
    actual = context.compute(graph, {n: feeds[n] for n in graph.input_names})
    expected = reference(proto, feeds)
    assert sorted(actual) == sorted(expected)
    for name, want in expected.items():
        assert actual[name].shape == want.shape, name
        np.testing.assert_allclose(actual[name], want, rtol=1e-5, atol=1e-5, err_msg=name)
    return graph


def flag_model(condition_shape: list[int], elem: int = BOOL) -> Any:
    """y = relu(x) * 2 when the flag is set, -x otherwise."""
    then = branch("then", [N("Relu", ["x"], ["t"]), N("Mul", ["t", "two"], ["t2"])], ["t2"], two=np.float32(2))
    other = branch("else", [N("Neg", ["x"], ["e"])], ["e"])
    return model([N("If", ["flag"], ["y"], then_branch=then, else_branch=other)],
                 [tensor("x", FLOAT, [2, 3]), tensor("flag", elem, condition_shape)], ["y"])


X = RNG.standard_normal((2, 3)).astype(np.float32)


@pytest.mark.parametrize("shape", [[], [1], [1, 1], [1, 1, 1]])
@pytest.mark.parametrize("flag", [True, False])
def test_run_time_condition_of_any_one_element_shape(shape: list[int], flag: bool, context: webnn.MLContext) -> None:
    feeds = {"x": X, "flag": np.full(shape, flag)}
    graph = check(flag_model(shape), feeds, context)
    assert "where" in [op.type for op in graph.ir.operations]
    graph = check(flag_model(shape), feeds, context, input_values={"flag": np.full(shape, flag)})
    assert graph.input_names == ["x"]
    assert "where" not in [op.type for op in graph.ir.operations]  # the taken branch alone


@pytest.mark.parametrize("elem, dtype", [(INT64, np.int64), (FLOAT, np.float32)])
def test_a_numeric_condition_is_true_when_not_zero(elem: int, dtype: Any, context: webnn.MLContext) -> None:
    """(ONNX asks for a bool condition; ONNX Runtime refuses others, so NumPy is the reference.)"""
    graph = webnn.load_onnx(flag_model([1, 1], elem), context)
    for value in (0, 3):
        got = context.compute(graph, {"x": X, "flag": np.full([1, 1], value, dtype)})["y"]
        np.testing.assert_array_equal(got, np.maximum(X, 0) * 2 if value else -X)


@pytest.mark.parametrize("shape", [[2], [1, 0], [0], [1, 2]])
def test_a_condition_without_exactly_one_element_is_refused(shape: list[int], context: webnn.MLContext) -> None:
    message = re.escape(f"node #0 (If, outputs ['y']): the condition has shape {shape}, not one element")
    if 0 not in shape:
        with pytest.raises(webnn.NotSupportedError, match=message):
            webnn.load_onnx(flag_model(shape), context)
    then = branch("then", [N("Relu", ["x"], ["t"])], ["t"])
    proto = model([N("If", ["flag"], ["y"], then_branch=then, else_branch=then)], [tensor("x", FLOAT, [2, 3])], ["y"],
                  flag=np.zeros(shape, np.bool_))
    with pytest.raises(webnn.NotSupportedError, match=message):
        webnn.load_onnx(proto, context)


def test_a_folded_condition_of_shape_one_by_one(context: webnn.MLContext) -> None:
    """A condition computed from shapes folds whatever its one-element shape."""
    then = branch("then", [N("Relu", ["x"], ["t"])], ["t"])
    other = branch("else", [N("Neg", ["x"], ["e"])], ["e"])
    nodes = [N("Shape", ["x"], ["s"]), N("Slice", ["s", "zero", "one"], ["rows"]),
             N("Reshape", ["rows", "shape"], ["rows2"]), N("Equal", ["rows2", "two"], ["c"]),
             N("If", ["c"], ["y"], then_branch=then, else_branch=other)]
    proto = model(nodes, [tensor("x", FLOAT, [2, 3])], ["y"], zero=np.array([0]), one=np.array([1]),
                  shape=np.array([1, 1]), two=np.array([[2]]))
    graph = check(proto, {"x": X}, context)
    assert [op.type for op in graph.ir.operations] == ["relu"]


# --------------------------------------------------------------------------- what branches hold

H, STEPS, BATCH, FEATURES = 5, 4, 2, 3


def recurrent_branch(name: str, seed: int) -> Any:
    """Conv over the time axis, a reshape whose shape is a branch initializer, a Constant node,
    an LSTM and a GRU (the GRU's initial state from the graph around), summed into one output."""
    rng = np.random.default_rng(seed)
    w = rng.standard_normal((1, 4 * H, FEATURES)).astype(np.float32) * 0.5
    r = rng.standard_normal((1, 4 * H, H)).astype(np.float32) * 0.5
    b = rng.standard_normal((1, 8 * H)).astype(np.float32) * 0.1
    gw = rng.standard_normal((1, 3 * H, H)).astype(np.float32) * 0.5
    gr = rng.standard_normal((1, 3 * H, H)).astype(np.float32) * 0.5
    kernel = rng.standard_normal((FEATURES, FEATURES, 3)).astype(np.float32) * 0.5
    nodes = [
        N("Transpose", ["seq"], [f"{name}_bft"], perm=[1, 2, 0]),  # [batch, features, steps]
        N("Conv", [f"{name}_bft", f"{name}_kernel"], [f"{name}_conv"], pads=[1, 1]),
        N("Transpose", [f"{name}_conv"], [f"{name}_tbf"], perm=[2, 0, 1]),
        N("LSTM", [f"{name}_tbf", f"{name}_w", f"{name}_r", f"{name}_b", "", "h0", "c0"],
          [f"{name}_y", f"{name}_yh", f"{name}_yc"], hidden_size=H),
        N("Reshape", [f"{name}_y", f"{name}_shape"], [f"{name}_seq"]),  # [steps, 1, batch, H] -> [steps, batch, H]
        N("GRU", [f"{name}_seq", f"{name}_gw", f"{name}_gr", "", "", f"{name}_yh"], [f"{name}_g", f"{name}_gh"],
          hidden_size=H, linear_before_reset=1),
        N("Constant", [], [f"{name}_scale"], value=numpy_helper.from_array(np.float32(0.5 + seed), "v")),
        N("Mul", [f"{name}_gh", f"{name}_scale"], [f"{name}_scaled"]),
        N("Add", [f"{name}_scaled", f"{name}_yc"], [f"{name}_out"]),
    ]
    return branch(name, nodes, [f"{name}_out"], **{
        f"{name}_w": w, f"{name}_r": r, f"{name}_b": b, f"{name}_gw": gw, f"{name}_gr": gr,
        f"{name}_kernel": kernel, f"{name}_shape": np.array([STEPS, BATCH, H], np.int64)})


def recurrent_model() -> Any:
    """A rate flag switches between two recurrent stacks; the graph around feeds their states."""
    nodes = [
        N("Equal", ["rate", "fast"], ["is_fast"]),
        N("If", ["is_fast"], ["y"], then_branch=recurrent_branch("a", 1), else_branch=recurrent_branch("b", 2)),
    ]
    inputs = [tensor("seq", FLOAT, [STEPS, BATCH, FEATURES]), tensor("rate", INT64, []),
              tensor("h0", FLOAT, [1, BATCH, H]), tensor("c0", FLOAT, [1, BATCH, H])]
    return model(nodes, inputs, ["y"], fast=np.array(16000, np.int64))


def recurrent_feeds(rate: int) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(rate)
    return {"seq": rng.standard_normal((STEPS, BATCH, FEATURES)).astype(np.float32),
            "rate": np.array(rate, np.int64),
            "h0": rng.standard_normal((1, BATCH, H)).astype(np.float32),
            "c0": rng.standard_normal((1, BATCH, H)).astype(np.float32)}


@pytest.mark.parametrize("rate", [16000, 8000])
def test_recurrent_and_conv_ops_inside_branches(rate: int, context: webnn.MLContext) -> None:
    check(recurrent_model(), recurrent_feeds(rate), context)  # both branches, where() picks
    graph = check(recurrent_model(), recurrent_feeds(rate), context, input_values={"rate": rate})
    types = [op.type for op in graph.ir.operations]
    assert types.count("lstm") == 1 and types.count("gru") == 1 and "where" not in types


@pytest.mark.parametrize("outer, inner", [(True, True), (True, False), (False, True)])
def test_nested_ifs_with_run_time_and_folded_conditions(outer: bool, inner: bool, context: webnn.MLContext) -> None:
    """An If in a branch: its condition from the graph around (a run-time flag) or folded from
    a shape; its branches read values two graphs out."""
    inner_then = branch("inner_then", [N("Mul", ["x", "gain"], ["it"])], ["it"], gain=np.float32(3))
    inner_else = branch("inner_else", [N("Sub", ["x", "bias"], ["ie"])], ["ie"])
    outer_then = branch("outer_then", [
        N("If", ["inner_flag"], ["nested"], then_branch=inner_then, else_branch=inner_else),
        N("Shape", ["x"], ["s"]), N("ReduceSum", ["s"], ["total"], keepdims=0), N("Cast", ["total"], ["tf"], to=FLOAT),
        N("Add", ["nested", "tf"], ["ot"]),
    ], ["ot"])
    outer_else = branch("outer_else", [
        N("Shape", ["x"], ["s2"]), N("Size", ["s2"], ["rank"]), N("Equal", ["rank", "two"], ["is_matrix"]),
        N("If", ["is_matrix"], ["folded"], then_branch=inner_then, else_branch=inner_else),
        N("Neg", ["folded"], ["oe"]),
    ], ["oe"], two=np.array(2, np.int64))
    proto = model([N("If", ["outer_flag"], ["y"], then_branch=outer_then, else_branch=outer_else)],
                  [tensor("x", FLOAT, [2, 3]), tensor("bias", FLOAT, [3]), tensor("outer_flag", BOOL, []),
                   tensor("inner_flag", BOOL, [1])], ["y"])
    feeds = {"x": X, "bias": np.float32([1, 2, 3]), "outer_flag": np.array(outer), "inner_flag": np.array([inner])}
    check(proto, feeds, context)
    check(proto, feeds, context, input_values={"outer_flag": outer})
    check(proto, feeds, context, input_values={"outer_flag": outer, "inner_flag": [inner]})


def test_an_if_before_the_node_its_branch_reads(context: webnn.MLContext) -> None:
    """A file whose If comes before the node that makes a value its branch reads: the import
    orders nodes by what their branches read too."""
    then = branch("then", [N("Add", ["late", "x"], ["t"])], ["t"])
    other = branch("else", [N("Sub", ["late", "x"], ["e"])], ["e"])
    nodes = [N("If", ["flag"], ["y"], then_branch=then, else_branch=other), N("Relu", ["x"], ["late"])]
    proto = model(nodes, [tensor("x", FLOAT, [2, 3]), tensor("flag", BOOL, [])], ["y"])
    for flag in (True, False):
        graph = webnn.load_onnx(proto, context)
        got = context.compute(graph, {"x": X, "flag": np.array(flag)})["y"]
        np.testing.assert_array_equal(got, np.maximum(X, 0) + X if flag else np.maximum(X, 0) - X)


# --------------------------------------------------------------------------- branches that cannot both be imported


def rate_model() -> Any:
    """Like a voice-activity model with a sample-rate input: each rate's branch only fits its own
    input length (frames of 4 samples at one rate, of 3 at the other)."""
    then = branch("rate16", [N("Reshape", ["audio", "frames4"], ["f4"]), N("ReduceMean", ["f4"], ["m4"], axes=[1],
                                                                         keepdims=0)], ["m4"],
                  frames4=np.array([-1, 4], np.int64))
    other = branch("rate8", [N("Reshape", ["audio", "frames3"], ["f3"]), N("ReduceMax", ["f3"], ["m3"], axes=[1],
                                                                        keepdims=0)], ["m3"],
                   frames3=np.array([-1, 3], np.int64))
    nodes = [N("Equal", ["sr", "rate"], ["is16"]), N("If", ["is16"], ["y"], then_branch=then, else_branch=other)]
    return model(nodes, [tensor("audio", FLOAT, ["n"]), tensor("sr", INT64, [])], ["y"],
                 rate=np.array(16000, np.int64))


@pytest.mark.parametrize("rate, samples", [(16000, 8), (8000, 9)])
def test_a_rate_input_fixed_at_import(rate: int, samples: int, context: webnn.MLContext) -> None:
    audio = RNG.standard_normal(samples).astype(np.float32)
    check(rate_model(), {"audio": audio, "sr": np.array(rate, np.int64)}, context,
          input_shapes={"audio": [samples]}, input_values={"sr": rate})


def test_a_branch_that_cannot_be_imported_names_the_condition_inputs(context: webnn.MLContext) -> None:
    with pytest.raises(webnn.NotSupportedError) as error:
        webnn.load_onnx(rate_model(), context, input_shapes={"audio": [8]})
    message = str(error.value)
    assert ("node #0 (Reshape, outputs ['f3']) in else_branch of node #1 (If, outputs ['y']): cannot reshape [8] to "
            "[-1, 3]. ") in message
    assert ("node #1 (If, outputs ['y']) imports both of its branches, as its condition is only known at run time "
            "(it is computed from the graph input 'sr'); if such an input is a setting rather than data, fixing "
            "its value with input_values= (command line: --input-value NAME=V) imports only the branch it takes"
            ) in message


def test_branch_outputs_of_different_shapes_need_a_known_condition(context: webnn.MLContext) -> None:
    then = branch("then", [N("Identity", ["x"], ["t"])], ["t"])
    other = branch("else", [N("ReduceSum", ["x"], ["e"], keepdims=0)], ["e"])
    proto = model([N("If", ["flag"], ["y"], then_branch=then, else_branch=other, name="pick")],
                  [tensor("x", FLOAT, [2, 3]), tensor("flag", BOOL, [])], ["y"])
    with pytest.raises(webnn.NotSupportedError,
                       match=r"node 'pick' \(If\): output 0 differs between the branches \(float \[2, 3\] and float "
                             r"\[\]\), so it cannot be chosen at run time: the If imports both of its branches, as its "
                             r"condition is only known at run time \(it is computed from the graph input 'flag'\)"):
        webnn.load_onnx(proto, context)
    for flag in (True, False):
        check(proto, {"x": X, "flag": np.array(flag)}, context, input_values={"flag": flag})


def test_a_data_dependent_condition_gets_no_fixing_hint_beyond_its_inputs(context: webnn.MLContext) -> None:
    """A condition computed from the data names the data input: fixing it is the caller's call."""
    then = branch("then", [N("Identity", ["x"], ["t"])], ["t"])
    other = branch("else", [N("ReduceSum", ["x"], ["e"], keepdims=0)], ["e"])
    nodes = [N("ReduceSum", ["x"], ["total"], keepdims=0), N("Greater", ["total", "zero"], ["positive"]),
             N("If", ["positive"], ["y"], then_branch=then, else_branch=other)]
    proto = model(nodes, [tensor("x", FLOAT, [2, 3])], ["y"], zero=np.float32(0))
    with pytest.raises(webnn.NotSupportedError, match=r"computed from the graph input 'x'\)"):
        webnn.load_onnx(proto, context)
