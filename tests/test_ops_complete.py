"""Every operation of the WebNN spec is a builder method."""

from __future__ import annotations

import re

import pytest

import webnn
from webnn.ops import JS_NAMES, OPS

from .test_spec_limits import SPEC

SPEC_OPS = """
abs add arg_max arg_min average_pool2d batch_normalization cast ceil clamp concat conv2d
conv_transpose2d cos cumulative_sum dequantize_linear div elu equal erf exp expand floor gather
gather_elements gather_nd gelu gemm greater greater_or_equal gru gru_cell hard_sigmoid hard_swish
identity instance_normalization is_infinite is_nan l2_pool2d layer_normalization leaky_relu lesser
lesser_or_equal linear log logical_and logical_not logical_or logical_xor lstm lstm_cell matmul max
max_pool2d min mul neg not_equal pad pow prelu quantize_linear reciprocal reduce_l1 reduce_l2
reduce_log_sum reduce_log_sum_exp reduce_max reduce_mean reduce_min reduce_product reduce_sum
reduce_sum_square relu resample2d reshape reverse round_even scatter_elements scatter_nd sigmoid
sign sin slice softmax softplus softsign split sqrt sub tan tanh tile transpose triangular where
""".split()


def test_the_list_has_95_ops() -> None:
    assert len(SPEC_OPS) == len(set(SPEC_OPS)) == 95


@pytest.mark.parametrize("name", SPEC_OPS)
def test_builder_has_op(name: str) -> None:
    assert name in OPS, f"{name} is not defined"
    assert callable(getattr(webnn.MLGraphBuilder, name, None)), f"MLGraphBuilder.{name} is missing"


def test_list_matches_the_spec_idl() -> None:
    if not SPEC.is_file():
        pytest.skip(f"spec source not found at {SPEC}")
    idl = "\n".join(re.findall(r"partial interface MLGraphBuilder \{(.*?)\};", SPEC.read_text(), re.S))
    spec_names = set(re.findall(r"(?:MLOperand|sequence<MLOperand>)\s+(\w+)\(", idl))
    assert {JS_NAMES.get(n, n) for n in spec_names} == set(SPEC_OPS)


def test_helpers_exist() -> None:
    for name in ("global_average_pool", "global_max_pool", "squeeze", "unsqueeze"):
        assert callable(getattr(webnn.MLGraphBuilder, name))


def test_the_op_table_names_each_ops_defining_module_in_definition_order() -> None:
    """``webnn.ops.names`` (which the spec layer reads to import a family when one of its ops is
    first used) agrees with the definitions: family, camelCase name, order."""
    from webnn.ops.names import FAMILY_OPS, OP_FAMILY

    definitions = list(OPS.values())  # (imports every family)
    assert [d.name for d in definitions] == [n for names in FAMILY_OPS.values() for n in names]
    for opdef in definitions:
        assert opdef.func.__module__ == f"webnn.ops.{OP_FAMILY[opdef.name]}", opdef.name
        assert JS_NAMES[opdef.js_name] == opdef.name
    assert set(OPS) == set(SPEC_OPS) and len(OPS) == 95
    assert "no_such_op" not in OPS and OPS.get("no_such_op") is None
    with pytest.raises(KeyError):
        OPS["no_such_op"]


def test_a_graph_imports_only_the_op_families_it_uses() -> None:
    import subprocess
    import sys

    code = (
        "import sys, numpy as np, webnn\n"
        "context = webnn.ML().create_context(backend='reference')\n"
        "b = context.create_graph_builder()\n"
        "x = b.input('x', [2], 'float32')\n"
        "graph = b.build({'y': b.relu(b.add(x, x))})\n"
        "assert context.compute(graph, {'x': np.array([-1, 2], np.float32)})['y'].tolist() == [0, 4]\n"
        "print(sorted(m.rsplit('.', 1)[1] for m in sys.modules if m.startswith('webnn.ops.')))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True)
    assert out.stdout.split("\n")[0] == str(["activation", "base", "elementwise", "names"])
    # and a builder method made on first use has the op's own signature and documentation
    import inspect

    assert list(inspect.signature(webnn.MLGraphBuilder.lstm_cell).parameters)[:3] == ["self", "input", "weight"]
    assert webnn.MLGraphBuilder.gather_nd.__doc__ == OPS["gather_nd"].doc
