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
