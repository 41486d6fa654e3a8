"""Model I/O: ONNX import and export, the webnn-graph formats, graph pictures."""
