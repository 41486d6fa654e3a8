"""OCR end to end: PP-OCR's text detector and recognizer imported from ONNX and run through WebNN.

What it shows: ``webnn.load_onnx`` on two real models (PP-OCRv4 "det" and "rec", read out of the
``rapidocr-onnxruntime`` 1.4.4 wheel and cached once per machine by ``webnn.model_files``), with
the pre- and post-processing around them written with NumPy and Pillow only (no OpenCV):

1. a line of English text is rendered with Pillow's bundled TrueType font;
2. the detector gives a text probability map; it is thresholded, the connected regions are found
   (a union-find over the runs of each row) and each region's bounding box is grown by the
   "unclip" ratio, as DB (differentiable binarization) post-processing does;
3. each box is cropped, resized to height 48 and recognized; the recognizer's per-column class
   probabilities are decoded greedily (CTC: best class per column, repeats merged, blanks dropped)
   with the character list stored in the model file's metadata (``character``);
4. the text is printed and a PNG with the boxes drawn is written.

Run it, from the repository root of a fresh clone (the first run downloads that wheel, without
its dependencies, and keeps the models in ~/.cache/webnn-test-models):

    pip install -e ".[cpu,examples]" && python examples/ocr.py

    python examples/ocr.py --text "Any line of text" --output boxes.png --backend openvino

It takes about 2 seconds on 2 CPU cores (once the models are cached; the first run adds the
download's time).
"""

from __future__ import annotations

import argparse
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

import webnn
from webnn.model_files import model_path

DEFAULT_TEXT = "WebNN reads this line of text"
#: DB post-processing: probability threshold, least mean probability of a box, unclip ratio.
THRESHOLD = 0.3
BOX_THRESHOLD = 0.6
UNCLIP_RATIO = 1.6
#: The recognizer's input height, and its input width for one batch (a multiple of this).
REC_HEIGHT = 48
REC_WIDTH_STEP = 32


@dataclass
class Box:
    left: int
    top: int
    right: int  # exclusive
    bottom: int  # exclusive
    score: float


@dataclass
class Result:
    text: str
    lines: list[str]
    boxes: list[Box]
    output: Path


# ---------------------------------------------------------------------------------------- the image


def render_text(text: str, size: int = 32, margin: int = 24) -> object:
    """A white RGB image with ``text`` in black, in Pillow's bundled TrueType font, sized to the
    text (its sides multiples of 32, as the detector needs)."""
    from PIL import Image, ImageDraw, ImageFont

    font = ImageFont.load_default(size=size)  # TrueType (Aileron) on Pillow >= 10.1
    left, top, right, bottom = (int(v) for v in font.getbbox(text))
    width = -(-(right - left + 2 * margin) // 32) * 32
    height = -(-(bottom - top + 2 * margin) // 32) * 32
    image = Image.new("RGB", (width, height), "white")
    ImageDraw.Draw(image).text(((width - (right - left)) // 2 - left, (height - (bottom - top)) // 2 - top),
                               text, fill="black", font=font)
    return image


def normalize(pixels: np.ndarray, mean: float | list[float], std: float | list[float]) -> np.ndarray:
    """HWC uint8 RGB pixels -> NCHW float32, ``(x / 255 - mean) / std``."""
    x = (pixels.astype(np.float32) / 255 - np.asarray(mean, np.float32)) / np.asarray(std, np.float32)
    return np.ascontiguousarray(x.transpose(2, 0, 1)[None], dtype=np.float32)


# ---------------------------------------------------------------------------------------- detection


def connected_components(mask: np.ndarray) -> np.ndarray:
    """Labels (1, 2, ...; 0 for background) of the 8-connected regions of a boolean mask: the runs of
    each row, joined with a union-find to the runs they touch in the row above."""
    height, _ = mask.shape
    runs: list[tuple[int, int, int]] = []  # (row, start, end exclusive)
    row_runs: list[list[int]] = []
    for y in range(height):
        padded = np.concatenate([[0], mask[y].astype(np.int8), [0]])
        edges = np.flatnonzero(np.diff(padded))
        indices = []
        for start, end in zip(edges[::2], edges[1::2]):
            indices.append(len(runs))
            runs.append((y, int(start), int(end)))
        row_runs.append(indices)
    parent = list(range(len(runs)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for y in range(1, height):
        for i in row_runs[y]:
            _, start, end = runs[i]
            for j in row_runs[y - 1]:
                _, above_start, above_end = runs[j]
                if above_start <= end and start <= above_end:  # overlapping or touching diagonally
                    parent[find(i)] = find(j)
    labels = np.zeros(mask.shape, np.int32)
    numbers: dict[int, int] = {}
    for i, (y, start, end) in enumerate(runs):
        labels[y, start:end] = numbers.setdefault(find(i), len(numbers) + 1)
    return labels


def boxes_from_probabilities(probabilities: np.ndarray, min_size: int = 3) -> list[Box]:
    """DB post-processing with axis-aligned boxes: threshold, connected regions, their bounding
    boxes scored by their mean probability, each grown by ``area * UNCLIP_RATIO / perimeter``."""
    height, width = probabilities.shape
    labels = connected_components(probabilities > THRESHOLD)
    boxes = []
    for label in range(1, int(labels.max()) + 1):
        ys, xs = np.nonzero(labels == label)
        top, bottom, left, right = ys.min(), ys.max() + 1, xs.min(), xs.max() + 1
        if min(bottom - top, right - left) < min_size:
            continue
        score = float(probabilities[ys, xs].mean())
        if score < BOX_THRESHOLD:
            continue
        box_w, box_h = right - left, bottom - top
        grow = box_w * box_h * UNCLIP_RATIO / (2 * (box_w + box_h))
        boxes.append(Box(max(int(left - grow), 0), max(int(top - grow), 0),
                         min(int(np.ceil(right + grow)), width), min(int(np.ceil(bottom + grow)), height), score))
    # reading order: by line (boxes whose tops are within half a box height), then left to right
    boxes.sort(key=lambda b: (b.top, b.left))
    ordered: list[Box] = []
    for box in boxes:
        if ordered and abs(box.top - ordered[-1].top) < (box.bottom - box.top) / 2 and box.left < ordered[-1].left:
            ordered.insert(len(ordered) - 1, box)
        else:
            ordered.append(box)
    return ordered


# ---------------------------------------------------------------------------------------- recognition


def character_list(rec_file: Path) -> list[str]:
    """The recognizer's classes: CTC blank, the characters in the model's ``character`` metadata
    (one per line), then a space."""
    import onnx

    model = onnx.load(str(rec_file), load_external_data=False)
    stored = {p.key: p.value for p in model.metadata_props}
    if "character" not in stored:
        raise SystemExit(f"{rec_file} has no 'character' metadata: not the PP-OCR recognizer this example expects")
    return ["<blank>", *stored["character"].splitlines(), " "]


def ctc_greedy_decode(probabilities: np.ndarray, characters: list[str]) -> tuple[str, float]:
    """[columns, classes] -> text and mean confidence: the best class per column, repeats merged,
    blanks (class 0) dropped."""
    best = probabilities.argmax(axis=1)
    keep = best != 0
    keep[1:] &= best[1:] != best[:-1]
    if not keep.any():
        return "", 0.0
    text = "".join(characters[i] for i in best[keep])
    return text, float(probabilities.max(axis=1)[keep].mean())


def recognizer_batch(crops: list[object]) -> np.ndarray:
    """The crops resized to height 48 (aspect kept), normalized to [-1, 1] and padded on the right
    with zeros to one width (a multiple of 32): [crops, 3, 48, width]."""
    from PIL import Image

    widths = [max(1, round(c.width * REC_HEIGHT / c.height)) for c in crops]  # type: ignore[attr-defined]
    batch_width = max(320, -(-max(widths) // REC_WIDTH_STEP) * REC_WIDTH_STEP)
    batch = np.zeros((len(crops), 3, REC_HEIGHT, batch_width), np.float32)
    for i, (crop, w) in enumerate(zip(crops, widths)):
        resized = crop.resize((w, REC_HEIGHT), Image.Resampling.BILINEAR)  # type: ignore[attr-defined]
        batch[i, :, :, :w] = normalize(np.asarray(resized), 0.5, 0.5)[0]
    return batch


# ---------------------------------------------------------------------------------------- main


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="OCR a rendered line of text with PP-OCR through WebNN.")
    parser.add_argument("--text", default=DEFAULT_TEXT, help=f"the text to render (default {DEFAULT_TEXT!r})")
    parser.add_argument("--output", default="ocr_boxes.png", help="the PNG to write with the boxes drawn")
    parser.add_argument("--backend", default=None,
                        help="webnn backend (default: $WEBNN_BACKEND, else the first installed engine; "
                             "'auto' picks the fastest per graph)")
    return parser.parse_args(argv)


def run(argv: list[str] | None = None) -> Result:
    """The example: returns the text read, line by line, the boxes and the picture's path."""
    from PIL import ImageDraw

    args = parse_args(argv)
    started = time.perf_counter()
    context = webnn.ML().create_context(backend=args.backend)
    image = render_text(args.text)
    width, height = image.size  # type: ignore[attr-defined]
    pixels = np.asarray(image)

    # detection: one graph for this image size
    det = webnn.load_onnx(model_path("det"), context, input_shapes={"x": [1, 3, height, width]})
    (probabilities,) = context.compute(det, {"x": normalize(pixels, [0.485, 0.456, 0.406],
                                                                    [0.229, 0.224, 0.225])}).values()
    boxes = boxes_from_probabilities(probabilities[0, 0])

    # recognition: all crops in one batch
    lines: list[str] = []
    if boxes:
        crops = [image.crop((b.left, b.top, b.right, b.bottom)) for b in boxes]  # type: ignore[attr-defined]
        batch = recognizer_batch(crops)
        rec_file = model_path("rec")
        rec = webnn.load_onnx(rec_file, context, input_shapes={"x": list(batch.shape)})
        (classes,) = context.compute(rec, {"x": batch}).values()
        characters = character_list(rec_file)
        for box, column_probabilities in zip(boxes, classes):
            text, confidence = ctc_greedy_decode(column_probabilities, characters)
            lines.append(text)
            print(f"box ({box.left}, {box.top})-({box.right}, {box.bottom}) detector score {box.score:.2f}: "
                  f"{text!r} (confidence {confidence:.2f})")

    draw = ImageDraw.Draw(image)  # type: ignore[arg-type]
    for box in boxes:
        draw.rectangle((box.left, box.top, box.right - 1, box.bottom - 1), outline="red", width=2)
    output = Path(args.output)
    image.save(output)  # type: ignore[attr-defined]
    text = " ".join(lines)
    print(f"rendered: {args.text!r}")
    print(f"read:     {text!r}")
    print(f"{len(boxes)} box(es) drawn in {output}; backend {det.backend}; "
          f"{time.perf_counter() - started:.1f} s")
    return Result(text, lines, boxes, output)


def main(argv: list[str] | None = None) -> int:
    result = run(argv)
    return 0 if result.text else 1


if __name__ == "__main__":
    sys.exit(main())
