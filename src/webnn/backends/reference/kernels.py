"""Imports every kernel module so that the kernels register."""

from importlib import import_module

from ...ops import FAMILIES

for _family in FAMILIES:
    import_module(f"{__package__}.{_family}")
