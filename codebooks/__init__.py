"""Codebooks shipped with dazi (YAML files next to this module).

- ``cloud_companion``: the codebook of the cloud companion (云搭子) study,
  bilingual, with definitions, criteria, examples and keywords;
- ``template``: an annotated starting point that explains every key.

The files are package data, so they are found after a regular (non-editable)
install too.

>>> "cloud_companion" in shipped_names()
True
>>> shipped_path("template").name
'template.yaml'
"""

from __future__ import annotations

import difflib
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING

from dazi.errors import NotFound

if TYPE_CHECKING:  # pragma: no cover
    from coding.codebook import Codebook

__all__ = ["load_shipped", "shipped_names", "shipped_path"]

_SUFFIXES = (".yaml", ".yml")


def _folder() -> Path:
    return Path(str(resources.files(__name__)))


def shipped_names() -> list[str]:
    """Names of the shipped codebooks (file names without ``.yaml``), sorted."""
    return sorted(path.stem for path in _folder().iterdir() if path.suffix in _SUFFIXES)


def shipped_path(name: str) -> Path:
    """Path of a shipped codebook, by name (``cloud_companion``; a suffix is allowed,
    and so is the repository path ``codebooks/template.yaml``, so that a command
    copied from the README works from any folder).

    Raises
    ------
    NotFound
        For an unknown name, listing the shipped ones.
    """
    if Path(name).parent.name == "codebooks":
        name = Path(name).name
    stem = name[: -len(Path(name).suffix)] if Path(name).suffix in _SUFFIXES else name
    for suffix in _SUFFIXES:
        path = _folder() / f"{stem}{suffix}"
        if path.is_file():
            return path
    names = shipped_names()
    close = difflib.get_close_matches(stem, names, n=1)
    did = f" (did you mean {close[0]!r}?)" if close else ""
    raise NotFound(f"no shipped codebook named {name!r}{did}",
                   hint="Shipped codebooks: " + ", ".join(names)
                   + ". To load your own file, give its path.")


def load_shipped(name: str) -> Codebook:
    """Load and validate a shipped codebook by name."""
    from coding.codebook import load_codebook

    return load_codebook(shipped_path(name))
