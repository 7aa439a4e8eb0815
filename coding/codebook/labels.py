"""A code's label, or its id: the one rule every table, export and report uses.

A coded value names a code by id; shown to a person it is the code's label in
their language.  A code the codebook no longer has (or a value that is not a
code id at all) is shown as its id, as text, so nothing coded is ever hidden.
"""

from __future__ import annotations

from coding.codebook.model import Variable

__all__ = ["code_label"]


def code_label(variable: Variable | None, code: object, lang: str) -> str:
    """The label of ``code`` in ``lang``, or ``str(code)`` when ``variable`` has no such code.

    >>> from coding.codebook import Code
    >>> v = Variable("kind", "Kind", "single", codes=(Code("meal", {"en": "Meal", "zh": "饭搭子"}),))
    >>> code_label(v, "meal", "zh"), code_label(v, "gone", "zh"), code_label(None, 3, "en")
    ('饭搭子', 'gone', '3')
    """
    if variable is not None and isinstance(code, str) and variable.has_code(code):
        return variable.code(code).display(lang)
    return str(code)
