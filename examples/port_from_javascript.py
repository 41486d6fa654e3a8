"""A WebNN program written for the browser's JavaScript API, ported to Python line by line.

What it shows: how JavaScript WebNN code maps onto this package.  Each Python line has the
JavaScript line it ports as a comment above it.  The rules:

- ``navigator.ml`` is ``webnn.ML()``; ``await`` goes away (every call returns its result; the
  ``*_async`` methods exist for asyncio code);
- method and attribute names are the spec's in snake_case (``createTensor`` ->
  ``create_tensor``, ``operand.dataType`` -> ``operand.data_type``);
- options dictionaries are kept as they are, camelCase keys included, as the last positional
  argument (``{"inputLayout": "nhwc"}``); snake_case keywords (``input_layout="nhwc"``) are the
  same thing;
- typed arrays (``Float32Array``) are NumPy arrays of that dtype; ``readTensor`` returns one.

The JavaScript program (written for this example) finds vertical edges in a tiny 6x6 image with a
3x3 convolution, pools them and scores two classes ("edge on the left", "edge on the right").

Run it, from the repository root of a fresh clone:

    pip install -e ".[cpu]" && python examples/port_from_javascript.py

    python examples/port_from_javascript.py --backend reference

It takes about 1 second.
"""

from __future__ import annotations

import argparse
import sys

import numpy as np

import webnn


def run(argv: list[str] | None = None) -> np.ndarray:
    """The ported program: returns the two class scores of the left-edge image, [1, 2]."""
    parser = argparse.ArgumentParser(description="A JavaScript WebNN sample ported line by line.")
    parser.add_argument("--backend", default=None,
                        help="webnn backend (default: $WEBNN_BACKEND, else the first installed engine; "
                             "'auto' picks the fastest per graph)")
    args = parser.parse_args(argv)

    # const context = await navigator.ml.createContext({powerPreference: 'default'});
    context = webnn.ML().create_context({"powerPreference": "default"}, backend=args.backend)
    # const builder = new MLGraphBuilder(context);
    builder = webnn.MLGraphBuilder(context)

    # // A batch of one 6x6 single-channel image, channels last.
    # const image = builder.input('image', {dataType: 'float32', shape: [1, 6, 6, 1]});
    image = builder.input("image", {"dataType": "float32", "shape": [1, 6, 6, 1]})

    # // A 3x3 filter that answers to dark-to-bright steps from left to right (ohwi layout).
    # const sobel = builder.constant({dataType: 'float32', shape: [1, 3, 3, 1]},
    #     new Float32Array([-1, 0, 1, -2, 0, 2, -1, 0, 1]));
    sobel = builder.constant({"dataType": "float32", "shape": [1, 3, 3, 1]},
                             np.array([-1, 0, 1, -2, 0, 2, -1, 0, 1], dtype=np.float32))

    # // No padding (a padded border would look like an edge): [1, 4, 4, 1].
    # const edges = builder.conv2d(image, sobel, {inputLayout: 'nhwc', filterLayout: 'ohwi', label: 'edges'});
    edges = builder.conv2d(image, sobel, {"inputLayout": "nhwc", "filterLayout": "ohwi", "label": "edges"})

    # const strength = builder.abs(edges);
    strength = builder.abs(edges)

    # // Left and right halves: max-pool 4x2 windows with stride 2 -> [1, 1, 2, 1].
    # const halves = builder.maxPool2d(strength, {windowDimensions: [4, 2], strides: [2, 2], layout: 'nhwc'});
    halves = builder.max_pool2d(strength, {"windowDimensions": [4, 2], "strides": [2, 2], "layout": "nhwc"})

    # const features = builder.reshape(halves, [1, 2]);
    features = builder.reshape(halves, [1, 2])

    # // A fixed linear layer: class 0 likes the left half, class 1 the right one.
    # const weights = builder.constant({dataType: 'float32', shape: [2, 2]}, new Float32Array([1, -1, -1, 1]));
    weights = builder.constant({"dataType": "float32", "shape": [2, 2]},
                               np.array([1, -1, -1, 1], dtype=np.float32))
    # const scores = builder.softmax(builder.matmul(features, weights), 1);
    scores = builder.softmax(builder.matmul(features, weights), 1)

    # console.log(scores.dataType, scores.shape);  // "float32" [1, 2]
    print(scores.data_type, scores.shape)

    # const graph = await builder.build({scores});
    graph = builder.build({"scores": scores})

    # const imageTensor = await context.createTensor({dataType: 'float32', shape: [1, 6, 6, 1], writable: true});
    image_tensor = context.create_tensor({"dataType": "float32", "shape": [1, 6, 6, 1], "writable": True})
    # const scoresTensor = await context.createTensor({dataType: 'float32', shape: [1, 2], readable: true});
    scores_tensor = context.create_tensor({"dataType": "float32", "shape": [1, 2], "readable": True})

    results = []
    # for (const column of [2, 4]) {
    for column in [2, 4]:
        # // dark left of `column`, bright from it on: a vertical edge there
        # const pixels = new Float32Array(36).map((_, i) => (i % 6 >= column ? 1 : 0));
        pixels = np.array([1 if i % 6 >= column else 0 for i in range(36)], dtype=np.float32)
        # context.writeTensor(imageTensor, pixels);
        context.write_tensor(image_tensor, pixels)
        # context.dispatch(graph, {image: imageTensor}, {scores: scoresTensor});
        context.dispatch(graph, {"image": image_tensor}, {"scores": scores_tensor})
        # const result = new Float32Array(await context.readTensor(scoresTensor));
        result = context.read_tensor(scores_tensor)
        # console.log(`edge at column ${column}:`, result);
        print(f"edge at column {column}:", result)
        results.append(result)
    # }

    # graph.destroy();
    graph.destroy()
    # context.destroy();
    context.destroy()
    return results[0]


def main(argv: list[str] | None = None) -> int:
    run(argv)
    return 0


if __name__ == "__main__":
    sys.exit(main())
