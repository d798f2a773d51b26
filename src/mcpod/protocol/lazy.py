"""Package attributes loaded on first use (PEP 562): what lets the shim import one
submodule of `mcpod.protocol` or `mcpod.client` without paying for its siblings."""

from __future__ import annotations

TYPE_CHECKING = False  # not `from typing`: the shim's start-up cannot afford it
if TYPE_CHECKING:
    from collections.abc import Mapping


def load(namespace: dict[str, object], modules: Mapping[str, str], name: str) -> object:
    """`name` from the module `modules` says holds it, kept in the package's `namespace`."""
    module = modules.get(name)
    if module is None:
        raise AttributeError(f"module {namespace['__name__']!r} has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(module), name)
    namespace[name] = value
    return value
