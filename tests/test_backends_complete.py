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
    assert all(callable(fn) for fn in runs.values())
    if hasattr(backend, "data_types"):  # a backend that runs a subset of the ops
        assert names | decomposed <= set(OPS), f"{backend.name}: unknown {sorted((names | decomposed) - set(OPS))}"
        return
    assert names | decomposed == set(OPS), (
        f"{backend.name}: missing {sorted(set(OPS) - names - decomposed)}, unknown {sorted((names | decomposed) - set(OPS))}")


def test_a_backend_that_runs_a_subset_lists_exactly_that_subset():
    """op_support_limits() of such a backend lists an op iff it lowers (or decomposes) it, with the
    data types it declares; every other op is refused at build."""
    for name in webnn.available_backends():
        backend = load_backend(name)
        if not hasattr(backend, "data_types"):
            continue
        context = webnn.ML().create_context(backend=name)
        limits = context.op_support_limits()
        for opdef in OPS.values():
            types = backend.data_types(opdef.name)
            assert (opdef.js_name in limits) == (types is not None), (name, opdef.name)
            if types is not None:
                for key, operand in limits[opdef.js_name].items():
                    allowed = backend.operand_types(opdef.name, key.startswith("output"))
                    assert set(operand["dataTypes"]) <= allowed, (name, opdef.name, key)


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
    if hasattr(context._backend, "data_types"):
        pytest.skip(f"{context.backend} runs a subset (test_a_backend_that_runs_a_subset_lists_exactly_that_subset)")
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
