"""MobileNetV2 built layer by layer with MLGraphBuilder, classifying a picture drawn with Pillow.

What it shows: a whole network written with the builder's ops (``conv2d`` with bias, groups for
the depthwise layers, ``clamp`` as ReLU6, ``add`` for the residual connections,
``average_pool2d``, ``reshape``, ``gemm``, ``softmax``), its weights loaded from ``.npy`` files as
constants, built once and computed on a picture.

The weights are the pretrained MobileNetV2 (1.0, 224) tensors of the W3C WebNN samples' test data,
in ``../shared/models/mobilenetv2`` beside the repository (or ``$WEBNN_MODELS_DIR/mobilenetv2``,
or ``--weights DIR``).  That copy lacks the classifier's weight matrix (``gemm_104_weight.npy``),
so a seeded random one stands in and the predicted classes are meaningless; with no weights
folder at all, every weight is seeded random.  The program prints the top-5 class indices and
their probabilities (no ImageNet label list ships offline).

Run it, from the repository root of a fresh clone:

    pip install -e ".[cpu,examples]" && python examples/mobilenetv2.py

    python examples/mobilenetv2.py --backend litert

It takes about 1 second on 2 CPU cores.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import numpy as np

import webnn
from webnn.bench.workloads import WeightsError, load_weights, random_weights

#: The inverted residual blocks (MobileNetV2 paper, table 2): expansion t, output channels c,
#: repeats n, stride of the first repeat s.
BLOCKS = [(1, 16, 1, 1), (6, 24, 2, 2), (6, 32, 3, 2), (6, 64, 4, 2), (6, 96, 3, 1), (6, 160, 3, 2),
          (6, 320, 1, 1)]
IMAGENET_MEAN = [0.485, 0.456, 0.406]
IMAGENET_STD = [0.229, 0.224, 0.225]


def default_weights_dir() -> Path:
    models = os.environ.get("WEBNN_MODELS_DIR")
    root = Path(models) if models else Path(__file__).resolve().parents[2] / "shared" / "models"
    return root / "mobilenetv2"


def build_mobilenetv2(builder: webnn.MLGraphBuilder, weights: dict[str, np.ndarray]) -> webnn.MLOperand:
    """The network on ``builder``: input "image" [1, 3, 224, 224] -> class probabilities [1, 1000].

    The weight files are numbered by layer in the original model: each conv (``conv_N_weight``,
    ``conv_N_bias``) counts one, its ReLU6 one more, each residual add one."""
    layer = 0

    def conv(x: webnn.MLOperand, stride: int = 1, depthwise: bool = False, relu6: bool = True) -> webnn.MLOperand:
        nonlocal layer
        w = weights[f"conv_{layer}_weight"]  # [out channels, in channels / groups, kh, kw]
        pad = w.shape[2] // 2
        y = builder.conv2d(x, builder.constant(w), bias=builder.constant(weights[f"conv_{layer}_bias"]),
                           strides=[stride, stride], padding=[pad] * 4,
                           groups=x.shape[1] if depthwise else 1, label=f"conv_{layer}")
        layer += 1
        if relu6:
            y = builder.clamp(y, min_value=0, max_value=6, label=f"relu6_{layer}")
            layer += 1
        return y

    x = builder.input("image", [1, 3, 224, 224], "float32")
    y = conv(x, stride=2)  # stem: 3x3, 32 channels, 112x112
    channels = 32
    for expansion, out_channels, repeats, first_stride in BLOCKS:
        for i in range(repeats):
            stride = first_stride if i == 0 else 1
            block_input = y
            if expansion != 1:
                y = conv(y)  # 1x1 expansion to channels * expansion
            y = conv(y, stride=stride, depthwise=True)  # 3x3 depthwise
            y = conv(y, relu6=False)  # 1x1 linear projection to out_channels
            if stride == 1 and channels == out_channels:
                y = builder.add(y, block_input, label=f"residual_{layer}")
                layer += 1
            channels = out_channels
    y = conv(y)  # 1x1 to 1280 channels, 7x7
    y = builder.average_pool2d(y, window_dimensions=[7, 7])  # [1, 1280, 1, 1]
    y = builder.reshape(y, [1, 1280])
    y = builder.gemm(y, builder.constant(weights["gemm_104_weight"]), c=builder.constant(weights["gemm_104_bias"]),
                     b_transpose=True)  # [1, 1000]
    return builder.softmax(y, axis=1)


def draw_picture(size: int = 224) -> np.ndarray:
    """A landscape drawn with Pillow (sky, sun, hills, a house), as [1, 3, size, size] float32
    normalized with the ImageNet mean and standard deviation."""
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (size, size), (110, 170, 235))
    draw = ImageDraw.Draw(image)
    draw.ellipse((150, 20, 200, 70), fill=(255, 215, 60))
    draw.polygon([(0, 150), (70, 105), (150, 140), (224, 110), (224, 224), (0, 224)], fill=(60, 150, 70))
    draw.rectangle((40, 130, 100, 185), fill=(190, 90, 60))
    draw.polygon([(32, 132), (70, 100), (108, 132)], fill=(120, 40, 40))
    draw.rectangle((62, 155, 78, 185), fill=(80, 50, 30))
    pixels = np.asarray(image, np.float32) / 255
    x = (pixels - np.array(IMAGENET_MEAN, np.float32)) / np.array(IMAGENET_STD, np.float32)
    return np.ascontiguousarray(x.transpose(2, 0, 1)[None], dtype=np.float32)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="MobileNetV2 built with MLGraphBuilder, on a drawn picture.")
    parser.add_argument("--weights", default=None,
                        help=f"folder of the .npy weight files (default {default_weights_dir()})")
    parser.add_argument("--backend", default=None,
                        help="webnn backend (default: $WEBNN_BACKEND, else the first installed engine; "
                             "'auto' picks the fastest per graph)")
    return parser.parse_args(argv)


def run(argv: list[str] | None = None) -> np.ndarray:
    """The example: returns the class probabilities, [1000] float32."""
    args = parse_args(argv)
    started = time.perf_counter()
    folder = Path(args.weights) if args.weights else default_weights_dir()
    if folder.is_dir():
        try:
            weights, notes = load_weights(str(folder))
        except WeightsError as exc:
            raise SystemExit(f"mobilenetv2: {exc}") from None
        print(f"weights: {folder}")
    else:
        weights, notes = random_weights(), [f"no weights folder {folder}: seeded random weights throughout"]
    for note in notes:
        print(f"note: {note}")

    context = webnn.ML().create_context(backend=args.backend)
    builder = context.create_graph_builder()
    graph = builder.build({"probabilities": build_mobilenetv2(builder, weights)})
    probabilities = context.compute(graph, {"image": draw_picture()})["probabilities"][0]

    print(f"top 5 of 1000 classes (backend {graph.backend}; probabilities sum to {probabilities.sum():.6f}):")
    for index in np.argsort(probabilities)[::-1][:5]:
        print(f"  class {index:4d}: {probabilities[index]:.4f}")
    print(f"{time.perf_counter() - started:.1f} s")
    return probabilities


def main(argv: list[str] | None = None) -> int:
    run(argv)
    return 0


if __name__ == "__main__":
    sys.exit(main())
