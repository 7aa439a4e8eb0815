"""Feedback on a page: a core error as an error box (never a traceback), and a progress bar."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

import streamlit as st

from dazi.errors import DaziError

__all__ = ["errors", "progress_bar"]


@contextmanager
def errors() -> Iterator[None]:
    """Show a :class:`DaziError` as an error box (message and hint) instead of a traceback."""
    try:
        yield
    except DaziError as exc:
        st.error(exc.describe())



@contextmanager
def progress_bar(text: str) -> Iterator[Callable[[int, int], None]]:
    """A ``progress(done, total)`` callback that shows a bar from its first call with work to do,
    removed at the end (a search whose index is up to date shows nothing)."""
    shown: list = []

    def progress(done: int, total: int) -> None:
        if total and not shown:
            shown.append(st.progress(0.0, text=text))
        if shown:
            shown[0].progress(min(done / max(total, 1), 1.0), text=f"{text} {done:,} / {total:,}")

    yield progress
    if shown:
        shown[0].empty()


