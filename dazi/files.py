"""Writing output files whole or not at all.

A report, an export or a coding sheet that fails half way (a full disk, a
killed process, an error in the data) must not leave a truncated file where
the researcher expects a finished one, nor clobber the previous good copy.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

__all__ = ["replacing"]


@contextmanager
def replacing(path: str | Path) -> Iterator[Path]:
    """Yield a temporary sibling of ``path`` to write; it replaces ``path`` only if the block succeeds.

    The temporary file is hidden (``.name.XXXXXXXX.part``) in the same folder,
    so the final :func:`os.replace` is atomic; on any exception it is removed
    and ``path`` is left as it was.
    """
    path = Path(path)
    tmp = path.parent / f".{path.name}.{uuid.uuid4().hex[:8]}.part"
    try:
        yield tmp
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
