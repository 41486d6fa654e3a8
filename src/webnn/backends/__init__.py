"""Backend registry.

A backend compiles a validated :class:`~webnn.ir.Graph` once (at ``build()``)
into a :class:`CompiledGraph` that ``compute`` and ``dispatch`` run.  Backends
are imported lazily, by name.
"""

from __future__ import annotations

import importlib
import importlib.util

from .base import Backend, CompiledGraph, HostStorage, TensorStorage

#: name -> (module, class, Python packages it needs), in order of automatic preference.
BACKENDS: dict[str, tuple[str, str, tuple[str, ...]]] = {
    "onnxruntime": ("webnn.backends.onnxruntime", "OnnxRuntimeBackend", ("onnxruntime",)),
    "openvino": ("webnn.backends.openvino", "OpenVinoBackend", ("openvino",)),
    "litert": ("webnn.backends.litert", "LiteRtBackend", ("ai_edge_litert",)),
    "reference": ("webnn.backends.reference", "ReferenceBackend", ()),
}

#: The backend that chooses among the installed engines per graph (:mod:`.auto`).
AUTO = "auto"


def available_backends() -> list[str]:
    """The backends whose dependencies are installed, most preferred first."""
    return [
        name
        for name, (_, _, needs) in BACKENDS.items()
        if all(importlib.util.find_spec(n) is not None for n in needs)
    ]


def package_version(package: str) -> str:
    """The installed version of Python package ``package`` ("?" when unknown), without importing
    it: the name of its ``.dist-info`` folder (``importlib.metadata`` costs tens of milliseconds
    the first time)."""
    import os

    spec = importlib.util.find_spec(package)
    locations = list(spec.submodule_search_locations or []) if spec is not None else []
    prefix = package.replace("-", "_") + "-"
    for location in locations:
        try:
            names = os.listdir(os.path.dirname(location))
        except OSError:
            continue
        for entry in names:
            if entry.startswith(prefix) and entry.endswith(".dist-info"):
                return entry[len(prefix):-len(".dist-info")]
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(package)
    except PackageNotFoundError:
        return "?"


__all__ = ["AUTO", "BACKENDS", "Backend", "CompiledGraph", "HostStorage", "TensorStorage", "available_backends",
           "load_backend", "package_version"]


def load_backend(name: str, **options: object) -> Backend:
    if name == AUTO:
        from .auto import AutoBackend

        return AutoBackend(**options)  # type: ignore[arg-type, return-value]
    module, cls, _ = BACKENDS[name]
    return getattr(importlib.import_module(module), cls)(**options)
