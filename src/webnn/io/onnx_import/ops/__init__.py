"""ONNX op converters and constant folders, one module per op family (see :mod:`..registry`)."""
