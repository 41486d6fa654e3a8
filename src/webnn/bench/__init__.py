"""``webnn bench``: WebNN graphs against the same graphs run directly with ONNX Runtime.

- :mod:`.workloads`: the graphs (simple, complex, MobileNetV2), each written once and built both with
  the WebNN builder and as a hand-made ONNX model, and ONNX files (``webnn.load_onnx`` against the file
  run directly);
- :mod:`.worker`: one measurement in a fresh process (run by file path, results as JSON on stdout);
- :mod:`.runner`: plans the targets (every backend and device, each with its direct ONNX Runtime
  baseline), runs the workers (each webnn one on an empty compiled-graph cache, then once more on
  the cache it filled: the cache-hit numbers), checks outputs against the reference backend;
- :mod:`.report`: the table, as text or Markdown.

Imported only by ``webnn bench``, never by ``import webnn``.
"""
