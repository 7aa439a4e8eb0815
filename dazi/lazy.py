"""Packages whose functions are imported on first use, and stay functions.

``corpus`` and ``coding`` export their main functions at the package level
(``corpus.search(...)``, ``coding.reliability(...)``) without importing every
submodule up front: ``import corpus`` must not load spaCy, and the ``dazi``
command imports only what a command needs.

Several exported functions share their submodule's name (``corpus.search`` is
the function :func:`corpus.search.search` and also the module
``corpus/search.py``).  Python's import system binds a submodule as an
attribute of its package when it is first imported, which would replace the
function with the module, so that the second ``corpus.search(...)`` fails.
:func:`export_lazily` makes the package keep its function: the exported name
always means the function; the module stays reachable as
``sys.modules["corpus.search"]`` and through ``from corpus.search import ...``.
"""

from __future__ import annotations

import importlib
import sys
import types
from collections.abc import Mapping

__all__ = ["export_lazily"]


class _LazyPackage(types.ModuleType):
    """A package module that imports its exported names on first use."""

    _lazy_exports: dict[str, str]

    def __getattr__(self, name: str) -> object:
        module = self.__dict__.get("_lazy_exports", {}).get(name)
        if module is None:
            raise AttributeError(f"module {self.__name__!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(module), name)
        types.ModuleType.__setattr__(self, name, value)
        return value

    def __setattr__(self, name: str, value: object) -> None:
        exports = self.__dict__.get("_lazy_exports", {})
        if name in exports and isinstance(value, types.ModuleType) and value.__name__ == f"{self.__name__}.{name}":
            return  # the import system binding submodule corpus.search: the package keeps its function
        types.ModuleType.__setattr__(self, name, value)

    def __dir__(self) -> list[str]:
        return sorted({*super().__dir__(), *self.__dict__.get("_lazy_exports", {})})


def export_lazily(package: str, exports: Mapping[str, str]) -> list[str]:
    """Make ``package`` export ``{name: submodule}`` lazily; returns the names, sorted, for ``__all__``.

    Call it at the end of the package's ``__init__``:
    ``__all__ = export_lazily(__name__, {"search": "corpus.search", ...})``.
    """
    module = sys.modules[package]
    for name, source in exports.items():
        if not source.startswith(f"{package}."):
            raise ValueError(f"{package}.{name}: {source!r} is not a submodule of {package!r}")
        # a submodule imported before this call is bound already: put the function back
        if isinstance(module.__dict__.get(name), types.ModuleType):
            del module.__dict__[name]
    module.__dict__["_lazy_exports"] = dict(exports)
    module.__class__ = _LazyPackage
    return sorted(exports)
