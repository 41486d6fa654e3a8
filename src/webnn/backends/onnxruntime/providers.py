"""Choosing ONNX Runtime execution providers from the spec's device hints.

Pure functions over the list of providers that ONNX Runtime reports as
available, so the choice can be tested with a faked list.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

CPU = "CPUExecutionProvider"

#: provider -> the device it runs graphs on.
DEVICES: dict[str, str] = {
    "TensorrtExecutionProvider": "gpu",
    "CUDAExecutionProvider": "gpu",
    "ROCMExecutionProvider": "gpu",
    "MIGraphXExecutionProvider": "gpu",
    "DmlExecutionProvider": "gpu",
    "CoreMLExecutionProvider": "npu",
    "QNNExecutionProvider": "npu",
    "OpenVINOExecutionProvider": "gpu",
    CPU: "cpu",
}

#: Accelerators in order of preference, per kind of request.
GPU_ORDER = (
    "TensorrtExecutionProvider", "CUDAExecutionProvider", "ROCMExecutionProvider",
    "MIGraphXExecutionProvider", "DmlExecutionProvider", "OpenVINOExecutionProvider",
    "CoreMLExecutionProvider",
)
NPU_ORDER = ("QNNExecutionProvider", "CoreMLExecutionProvider", "OpenVINOExecutionProvider")


class Choice(NamedTuple):
    providers: tuple[str, ...]
    """Execution providers for the session, most preferred first; always ends with CPU."""
    device: str
    """"cpu", "gpu" or "npu": where the first provider runs."""

    @property
    def accelerated(self) -> bool:
        return self.device != "cpu"


def choose(
    available: Sequence[str],
    *,
    accelerated: bool = True,
    power_preference: str = "default",
    device_type: str | None = None,
) -> Choice:
    """The providers for a context, following the spec's device-selection hints.

    - ``device_type`` (not in the spec) asks for a kind of device: "cpu", or the best "gpu" /
      "npu" provider available (falling back to the CPU when there is none).
    - Otherwise ``accelerated=False`` asks for the CPU, unless ``power_preference`` is
      "high-performance", which the spec ranks above ``accelerated``.
    - "low-power" prefers an NPU, then the CPU; "default" and "high-performance" prefer a GPU,
      then an NPU.

    TensorRT is only chosen together with CUDA (it falls back to it for unsupported nodes).
    """
    available = [p for p in available if p in DEVICES]
    if device_type == "cpu":
        order: tuple[str, ...] = ()
    elif device_type == "gpu":
        order = GPU_ORDER
    elif device_type == "npu":
        order = NPU_ORDER
    elif not accelerated and power_preference != "high-performance":
        order = ()
    elif power_preference == "low-power":
        order = NPU_ORDER
    else:
        order = GPU_ORDER + NPU_ORDER
    for provider in order:
        if provider not in available:
            continue
        if device_type == "gpu" and DEVICES[provider] != "gpu" and provider != "CoreMLExecutionProvider":
            continue
        chain = [provider]
        if provider == "TensorrtExecutionProvider":
            if "CUDAExecutionProvider" not in available:
                continue
            chain.append("CUDAExecutionProvider")
        device = "gpu" if device_type == "gpu" else ("npu" if device_type == "npu" else DEVICES[provider])
        return Choice((*chain, CPU), device)
    return Choice((CPU,), "cpu")
