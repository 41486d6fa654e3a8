"""Backend registry.

A backend compiles a validated :class:`~webnn.ir.Graph` once (at ``build()``)
into a :class:`CompiledGraph` that ``compute`` and ``dispatch`` run.  Backends
are imported lazily, by name.
"""

from __future__ import annotations

import importlib
import importlib.util
import sys

from .base import Backend, CompiledGraph, HostStorage, TensorStorage

#: name -> (module, class, Python packages it needs), in order of automatic preference.
BACKENDS: dict[str, tuple[str, str, tuple[str, ...]]] = {
    "onnxruntime": ("webnn.backends.onnxruntime", "OnnxRuntimeBackend", ("onnxruntime",)),
    "openvino": ("webnn.backends.openvino", "OpenVinoBackend", ("openvino",)),
    "litert": ("webnn.backends.litert", "LiteRtBackend", ("ai_edge_litert",)),
    "coreml": ("webnn.backends.coreml", "CoreMlBackend", ("coremltools",)),
    "reference": ("webnn.backends.reference", "ReferenceBackend", ()),
}

#: The backend that chooses among the installed engines per graph (:mod:`.auto`).
AUTO = "auto"


#: name -> the systems (``sys.platform``) its engine runs on, for backends that do not run everywhere.
PLATFORMS: dict[str, tuple[str, ...]] = {"coreml": ("darwin",)}


def available_backends() -> list[str]:
    """The backends whose dependencies are installed and whose engine runs on this system, most
    preferred first."""
    return [
        name
        for name, (_, _, needs) in BACKENDS.items()
        if sys.platform in PLATFORMS.get(name, (sys.platform,))
        and all(importlib.util.find_spec(n) is not None for n in needs)
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


def unavailable_reason(name: str) -> str:
    """Why backend ``name`` cannot be used here (for one :func:`available_backends` leaves out)."""
    if sys.platform not in PLATFORMS.get(name, (sys.platform,)):
        if name == "coreml":
            import platform

            from .coreml.backend import UNAVAILABLE

            return UNAVAILABLE.format(system=platform.system() or sys.platform)
        return f"create_context: backend {name!r} does not run on this system ({sys.platform})"
    return f"create_context: backend {name!r} is not installed here"


__all__ = ["AUTO", "BACKENDS", "Backend", "CompiledGraph", "HostStorage", "TensorStorage", "available_backends",
           "load_backend", "package_version", "unavailable_reason"]


def load_backend(name: str, **options: object) -> Backend:
    if name == AUTO:
        from .auto import AutoBackend

        return AutoBackend(**options)  # type: ignore[arg-type, return-value]
    module, cls, _ = BACKENDS[name]
    return getattr(importlib.import_module(module), cls)(**options)
