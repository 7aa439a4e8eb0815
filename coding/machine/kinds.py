"""Coding posts with a stored model of any kind: the trained models or a language model.

:func:`code_posts` is the one entry point the CLI, the app and the demo call
(``coding.machine.code_posts``): it reads the model's kind
(:data:`coding.machine.store.KINDS`) and hands over to
:func:`coding.machine.code.code_posts` (trained models) or
:func:`coding.machine.llm.code_with_llm` (language models), which both store
codings of the coder ``model:NAME`` and return a :class:`~coding.machine.code.CodingRun`.
"""

from __future__ import annotations

from collections.abc import Callable

from coding.machine import code, llm
from coding.machine.store import LLM_KIND, get_model
from dazi.db import Database
from dazi.projects import Project

__all__ = ["code_posts"]


def code_posts(db: Database, project: Project, name: str, *, sample: str | None = None, recode: bool = False,
               batch_size: int | None = None, n_process: int = 1, workers: int = 1,
               progress: Callable[[int, int], None] | None = None) -> code.CodingRun:
    """Code every post without a finished human coding with model ``name``, whatever its kind.

    ``batch_size`` defaults to each kind's own (2,000 posts per transaction
    for a trained model, 50 calls for a language model); ``n_process`` is a
    trained model's tokenising processes, ``workers`` a language model's calls
    in flight.  See the two functions for what is raised.
    """
    model = get_model(db, project, name, parameters=False)
    if model.kind == LLM_KIND:
        return llm.code_with_llm(db, project, name, sample=sample, recode=recode, batch_size=batch_size or 50,
                                 workers=workers, progress=progress)
    return code.code_posts(db, project, name, sample=sample, recode=recode, batch_size=batch_size or 2000,
                           n_process=n_process, progress=progress)
