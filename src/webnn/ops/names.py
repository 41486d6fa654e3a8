"""Every op's name and the family module of ``webnn.ops`` that defines it, in the order the
modules define them.

The spec layer imports a family's module when one of its ops is first looked up in
:data:`webnn.ops.OPS` (a graph of convolutions does not import the recurrent ops).  The table
is checked against the definitions as each module registers its ops, and in the tests."""

from __future__ import annotations

#: family -> its ops, in definition order; the families in the order of :data:`FAMILIES`.
FAMILY_OPS: dict[str, tuple[str, ...]] = {
    "activation": (
        "relu", "sigmoid", "tanh", "softplus", "softsign", "gelu", "hard_swish", "elu", "leaky_relu",
        "hard_sigmoid", "linear", "prelu", "clamp", "softmax",
    ),
    "conv": (
        "conv2d", "conv_transpose2d",
    ),
    "elementwise": (
        "add", "sub", "mul", "div", "max", "min", "pow", "equal", "not_equal", "greater",
        "greater_or_equal", "lesser", "lesser_or_equal", "logical_and", "logical_or", "logical_xor",
        "logical_not", "is_nan", "is_infinite", "abs", "neg", "sign", "ceil", "floor", "round_even",
        "cos", "sin", "tan", "erf", "exp", "log", "sqrt", "reciprocal", "identity", "cast", "where",
    ),
    "indexing": (
        "gather", "gather_elements", "gather_nd", "scatter_elements", "scatter_nd",
    ),
    "linalg": (
        "matmul", "gemm",
    ),
    "normalization": (
        "batch_normalization", "instance_normalization", "layer_normalization",
    ),
    "pool": (
        "average_pool2d", "l2_pool2d", "max_pool2d",
    ),
    "quantization": (
        "quantize_linear", "dequantize_linear",
    ),
    "recurrent": (
        "gru", "gru_cell", "lstm", "lstm_cell",
    ),
    "reduce": (
        "reduce_l1", "reduce_l2", "reduce_log_sum", "reduce_log_sum_exp", "reduce_max", "reduce_mean",
        "reduce_min", "reduce_product", "reduce_sum", "reduce_sum_square", "arg_min", "arg_max",
    ),
    "scan": (
        "cumulative_sum",
    ),
    "shape": (
        "reshape", "expand", "transpose", "concat", "split", "slice", "pad", "tile", "reverse",
        "triangular", "resample2d",
    ),
}
#: The op families, in the order their modules are imported when every op is wanted.
FAMILIES = tuple(FAMILY_OPS)
#: op name -> its family.
OP_FAMILY: dict[str, str] = {name: family for family, names in FAMILY_OPS.items() for name in names}
#: The spec's camelCase names that are not the plain camelCase of the op's name.
JS_NAME_EXCEPTIONS = {"is_nan": "isNaN", "gather_nd": "gatherND", "scatter_nd": "scatterND"}
