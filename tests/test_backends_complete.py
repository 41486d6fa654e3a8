"""Every backend declares every spec op: each has its kernel or lowering, or is decomposed by the
pass layer into ops the backend has; and op_support_limits() lists exactly the spec's ops."""

from __future__ import annotations

import pytest

import webnn
from webnn.backends import BACKENDS, load_backend
from webnn.ops import OPS
from webnn.passes.decompose import DECOMPOSITIONS
from webnn.passes.pipeline import PASSES


@pytest.fixture(params=webnn.available_backends())
def backend(request):
    return load_backend(request.param)


def test_a_backend_declares_every_spec_op(backend):
    runs = backend.operations()  # op name -> its kernel or lowering
    names, decomposed = set(runs), set(backend.decompose)
    assert names | decomposed == set(OPS), (
        f"{backend.name}: missing {sorted(set(OPS) - names - decomposed)}, unknown {sorted((names | decomposed) - set(OPS))}")
    assert all(callable(fn) for fn in runs.values())


def test_decomposed_ops_have_a_decomposition_into_ops_the_backend_runs(backend):
    assert set(backend.decompose) <= set(DECOMPOSITIONS)
    if backend.decompose:
        assert "decompose" in backend.pipeline


def test_a_pipeline_names_registered_passes(backend):
    assert backend.pipeline, f"{backend.name} declares no pipeline"
    assert set(backend.pipeline) <= set(PASSES)
    assert backend.layout in ("nchw", "nhwc")


def test_every_decomposition_is_of_a_spec_op():
    assert set(DECOMPOSITIONS) <= set(OPS)


def test_registry_names_real_modules():
    assert set(BACKENDS) >= set(webnn.available_backends())


def test_op_support_limits_lists_the_spec_ops(context):
    limits = context.op_support_limits()
    listed = {k for k in limits if k not in ("preferredInputLayout", "maxTensorByteLength", "input", "constant", "output")}
    assert listed == {opdef.js_name for opdef in OPS.values()}


def test_each_lowering_lives_in_its_ops_family_module():
    """The onnxruntime backend imports only the lowering modules of the families a graph uses."""
    pytest.importorskip("onnxruntime")
    from webnn.backends.onnxruntime.lowering import LOWERINGS, load

    load()
    family = {name: opdef.func.__module__.rsplit(".", 1)[1] for name, opdef in OPS.items()}
    misplaced = {n: f.__module__ for n, f in LOWERINGS.items() if f.__module__.rsplit(".", 1)[1] != family[n]}
    assert not misplaced
