"""From a graph (after the coreml pipeline) to a CoreML ML Program model, on any system.

``ct.convert`` gets the program as it was built, with none of coremltools' own graph passes
(``PassPipeline.EMPTY``: its fusions and cast eliminations may change types and roundings), and
``skip_model_load=True``: nothing is compiled or loaded here (that is CoreML's, on macOS).
Asked for float16 (``precision="float16"``), float32 operations compute in float16 (coremltools'
``add_fp16_cast`` pass), the model's inputs and outputs staying float32: then the types inside
are no longer the graph's, by request.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import threading
import warnings
from dataclasses import dataclass
from typing import Any

from ...errors import NotSupportedError
from ...ir import Graph

#: precision -> what it means
PRECISIONS = {"auto": "each operation in its own data type (float16 graphs compute in float16)",
              "float16": "float32 operations compute in float16"}
#: The model's metadata key holding the graph's input and output names (the model's own names
#: are identifiers: coremltools renames "a/b.c" to "a_b_c").
NAMES_KEY = "webnn.names"

_CONVERT_LOCK = threading.Lock()


@dataclass
class Converted:
    """A graph's model (not loaded), its program, and the model's names of the graph's inputs and
    outputs (graph name -> model name, in the model's order)."""

    model: Any
    lowered: Any
    inputs: dict[str, str]
    outputs: dict[str, str]


def lower(graph: Graph) -> Any:
    """The graph's ML Program (:func:`.lowering.lower`); NotSupportedError for what CoreML cannot
    compute exactly."""
    from .lowering import LoweringError
    from .lowering import lower as lower_graph

    try:
        return lower_graph(graph)
    except LoweringError as exc:
        raise NotSupportedError(f"coreml: {exc}") from None
    except ImportError as exc:
        raise NotSupportedError(f"coreml: coremltools is not installed ({exc}): pip install 'webnn[coreml]'") from None


def convert(graph: Graph, precision: str = "auto") -> Converted:
    """The CoreML model of ``graph`` (after the coreml pipeline)."""
    if precision not in PRECISIONS:
        raise ValueError(f"coreml: precision must be one of {', '.join(PRECISIONS)}, got {precision!r}")
    lowered = lower(graph)
    from .lowering._mil import coremltools

    ct = coremltools()
    if precision == "float16":
        pipeline = ct.PassPipeline(pass_names=["common::add_fp16_cast", "common::dead_code_elimination"])
        compute = ct.precision.FLOAT16
    else:
        pipeline, compute = ct.PassPipeline.EMPTY, ct.precision.FLOAT32
    with _CONVERT_LOCK, warnings.catch_warnings(), contextlib.redirect_stderr(io.StringIO()):
        # (the renaming warnings are said by NAMES_KEY; the progress bars are coremltools' own)
        warnings.simplefilter("ignore", UserWarning)
        model = ct.convert(lowered.program, convert_to="mlprogram", minimum_deployment_target=ct.target.iOS17,
                           compute_precision=compute, pass_pipeline=pipeline, skip_model_load=True)
    description = model.get_spec().description
    inputs = dict(zip(lowered.inputs, [i.name for i in description.input]))
    outputs = dict(zip(lowered.outputs, [o.name for o in description.output]))
    model.user_defined_metadata[NAMES_KEY] = json.dumps({"inputs": inputs, "outputs": outputs})
    model.short_description = "A WebNN graph (webnn's coreml backend)"
    return Converted(model, lowered, inputs, outputs)


def save(converted: Converted, path: str | os.PathLike[str]) -> str:
    """Write the model as an ``.mlpackage`` folder at ``path`` (written beside it, then renamed
    into place; an existing ``.mlpackage`` there is replaced).  Returns the folder's path."""
    import shutil
    import tempfile

    target = os.path.abspath(os.fspath(path))
    if not target.endswith(".mlpackage"):
        raise ValueError(f"coreml: a CoreML ML Program is an .mlpackage folder, not {target}")
    if os.path.exists(target) and not os.path.isfile(os.path.join(target, "Manifest.json")):
        raise FileExistsError(f"{target} exists and is not an .mlpackage: not replaced")
    parent = os.path.dirname(target)
    os.makedirs(parent, exist_ok=True)
    staging = tempfile.mkdtemp(prefix=".webnn-coreml-", dir=parent)
    try:
        written = os.path.join(staging, os.path.basename(target))
        converted.model.save(written)
        if os.path.exists(target):
            old = os.path.join(staging, "old.mlpackage")
            os.rename(target, old)
        os.rename(written, target)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return target
