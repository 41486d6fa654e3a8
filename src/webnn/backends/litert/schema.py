"""Facts of the TFLite model schema (``schema.fbs``) that :mod:`.flatbuffer` writes: the builtin
operator codes, and the slots and scalar types of the builtin options tables the lowerings use.

Field names are the schema's, in the camelCase of its generated Python API.  A scalar's type is
its :mod:`struct` format ("b" int8 / enum, "?" bool, "i" int32, "f" float32).
"""

from __future__ import annotations

#: Builtin operators, in the order of their codes (BuiltinOperator: ADD = 0, ...).
_OPERATORS = """
    ADD AVERAGE_POOL_2D CONCATENATION CONV_2D DEPTHWISE_CONV_2D DEPTH_TO_SPACE DEQUANTIZE
    EMBEDDING_LOOKUP FLOOR FULLY_CONNECTED HASHTABLE_LOOKUP L2_NORMALIZATION L2_POOL_2D
    LOCAL_RESPONSE_NORMALIZATION LOGISTIC LSH_PROJECTION LSTM MAX_POOL_2D MUL RELU RELU_N1_TO_1
    RELU6 RESHAPE RESIZE_BILINEAR RNN SOFTMAX SPACE_TO_DEPTH SVDF TANH CONCAT_EMBEDDINGS
    SKIP_GRAM CALL CUSTOM EMBEDDING_LOOKUP_SPARSE PAD UNIDIRECTIONAL_SEQUENCE_RNN GATHER
    BATCH_TO_SPACE_ND SPACE_TO_BATCH_ND TRANSPOSE MEAN SUB DIV SQUEEZE
    UNIDIRECTIONAL_SEQUENCE_LSTM STRIDED_SLICE BIDIRECTIONAL_SEQUENCE_RNN EXP TOPK_V2 SPLIT
    LOG_SOFTMAX DELEGATE BIDIRECTIONAL_SEQUENCE_LSTM CAST PRELU MAXIMUM ARG_MAX MINIMUM LESS NEG
    PADV2 GREATER GREATER_EQUAL LESS_EQUAL SELECT SLICE SIN TRANSPOSE_CONV SPARSE_TO_DENSE TILE
    EXPAND_DIMS EQUAL NOT_EQUAL LOG SUM SQRT RSQRT SHAPE POW ARG_MIN FAKE_QUANT REDUCE_PROD
    REDUCE_MAX PACK LOGICAL_OR ONE_HOT LOGICAL_AND LOGICAL_NOT UNPACK REDUCE_MIN FLOOR_DIV
    REDUCE_ANY SQUARE ZEROS_LIKE FILL FLOOR_MOD RANGE RESIZE_NEAREST_NEIGHBOR LEAKY_RELU
    SQUARED_DIFFERENCE MIRROR_PAD ABS SPLIT_V UNIQUE CEIL REVERSE_V2 ADD_N GATHER_ND COS WHERE
    RANK ELU REVERSE_SEQUENCE MATRIX_DIAG QUANTIZE MATRIX_SET_DIAG ROUND HARD_SWISH IF WHILE
    NON_MAX_SUPPRESSION_V4 NON_MAX_SUPPRESSION_V5 SCATTER_ND SELECT_V2 DENSIFY SEGMENT_SUM
    BATCH_MATMUL PLACEHOLDER_FOR_GREATER_OP_CODES CUMSUM CALL_ONCE BROADCAST_TO RFFT2D CONV_3D
    IMAG REAL COMPLEX_ABS HASHTABLE HASHTABLE_FIND HASHTABLE_IMPORT HASHTABLE_SIZE REDUCE_ALL
    CONV_3D_TRANSPOSE VAR_HANDLE READ_VARIABLE ASSIGN_VARIABLE BROADCAST_ARGS
    RANDOM_STANDARD_NORMAL BUCKETIZE RANDOM_UNIFORM MULTINOMIAL GELU DYNAMIC_UPDATE_SLICE
    RELU_0_TO_1 UNSORTED_SEGMENT_PROD UNSORTED_SEGMENT_MAX UNSORTED_SEGMENT_SUM ATAN2
    UNSORTED_SEGMENT_MIN SIGN BITCAST BITWISE_XOR RIGHT_SHIFT STABLEHLO_LOGISTIC STABLEHLO_ADD
    STABLEHLO_DIVIDE STABLEHLO_MULTIPLY STABLEHLO_MAXIMUM STABLEHLO_RESHAPE STABLEHLO_CLAMP
    STABLEHLO_CONCATENATE STABLEHLO_BROADCAST_IN_DIM STABLEHLO_CONVOLUTION STABLEHLO_SLICE
    STABLEHLO_CUSTOM_CALL STABLEHLO_REDUCE STABLEHLO_ABS STABLEHLO_AND STABLEHLO_COSINE
    STABLEHLO_EXPONENTIAL STABLEHLO_FLOOR STABLEHLO_LOG STABLEHLO_MINIMUM STABLEHLO_NEGATE
    STABLEHLO_OR STABLEHLO_POWER STABLEHLO_REMAINDER STABLEHLO_RSQRT STABLEHLO_SELECT
    STABLEHLO_SUBTRACT STABLEHLO_TANH STABLEHLO_SCATTER STABLEHLO_COMPARE STABLEHLO_CONVERT
    STABLEHLO_DYNAMIC_SLICE STABLEHLO_DYNAMIC_UPDATE_SLICE STABLEHLO_PAD STABLEHLO_IOTA
    STABLEHLO_DOT_GENERAL STABLEHLO_REDUCE_WINDOW STABLEHLO_SORT STABLEHLO_WHILE
    STABLEHLO_GATHER STABLEHLO_TRANSPOSE DILATE STABLEHLO_RNG_BIT_GENERATOR REDUCE_WINDOW
    STABLEHLO_COMPOSITE STABLEHLO_SHIFT_LEFT STABLEHLO_CBRT STABLEHLO_CASE
""".split()
#: Builtin operator name -> its code.
BUILTIN_OPERATORS: dict[str, int] = {name: code for code, name in enumerate(_OPERATORS)}

#: Builtin options table -> (its code in the BuiltinOptions union, its fields in slot order).
OPTIONS: dict[str, tuple[int, tuple[tuple[str, str], ...]]] = {
    "AddOptions": (11, (("fusedActivationFunction", "b"), ("potScaleInt16", "?"))),
    "ArgMaxOptions": (40, (("outputType", "b"),)),
    "ArgMinOptions": (57, (("outputType", "b"),)),
    "BatchMatMulOptions": (101, (("adjX", "?"), ("adjY", "?"), ("asymmetricQuantizeInputs", "?"))),
    "ConcatenationOptions": (10, (("axis", "i"), ("fusedActivationFunction", "b"))),
    "Conv2DOptions": (1, (("padding", "b"), ("strideW", "i"), ("strideH", "i"), ("fusedActivationFunction", "b"), ("dilationWFactor", "i"), ("dilationHFactor", "i"), ("quantizedBiasType", "b"))),
    "CumsumOptions": (102, (("exclusive", "?"), ("reverse", "?"))),
    "DepthwiseConv2DOptions": (2, (("padding", "b"), ("strideW", "i"), ("strideH", "i"), ("depthMultiplier", "i"), ("fusedActivationFunction", "b"), ("dilationWFactor", "i"), ("dilationHFactor", "i"))),
    "DivOptions": (29, (("fusedActivationFunction", "b"),)),
    "FullyConnectedOptions": (8, (("fusedActivationFunction", "b"), ("weightsFormat", "b"), ("keepNumDims", "?"), ("asymmetricQuantizeInputs", "?"), ("quantizedBiasType", "b"))),
    "GatherOptions": (23, (("axis", "i"), ("batchDims", "i"))),
    "LeakyReluOptions": (75, (("alpha", "f"),)),
    "MaximumMinimumOptions": (39, ()),
    "MirrorPadOptions": (77, (("mode", "b"),)),
    "MulOptions": (21, (("fusedActivationFunction", "b"),)),
    "PackOptions": (59, (("valuesCount", "i"), ("axis", "i"))),
    "Pool2DOptions": (5, (("padding", "b"), ("strideW", "i"), ("strideH", "i"), ("filterWidth", "i"), ("filterHeight", "i"), ("fusedActivationFunction", "b"))),
    "ReducerOptions": (27, (("keepDims", "?"),)),
    "SoftmaxOptions": (9, (("beta", "f"),)),
    "SplitOptions": (35, (("numSplits", "i"),)),
    "SplitVOptions": (79, (("numSplits", "i"),)),
    "StridedSliceOptions": (32, (("beginMask", "i"), ("endMask", "i"), ("ellipsisMask", "i"), ("newAxisMask", "i"), ("shrinkAxisMask", "i"), ("offset", "?"))),
    "SubOptions": (28, (("fusedActivationFunction", "b"), ("potScaleInt16", "?"))),
    "TransposeConvOptions": (49, (("padding", "b"), ("strideW", "i"), ("strideH", "i"), ("fusedActivationFunction", "b"), ("quantizedBiasType", "b"))),
    "UnpackOptions": (64, (("num", "i"), ("axis", "i"))),
}
