"""When a value is missing: the one rule every module uses.

A coder's value is *missing* when no value was given: ``None``, a float NaN,
``pandas.NA``, ``NaT``, or text that is empty or only whitespace.  Nothing
else is missing: the text ``"NA"``, ``"None"``, ``"null"``, ``"N/A"`` or
``"nan"`` is a code like any other, ``0`` is a number, and a list or set is a
selection (an empty one means "selected nothing", a value).

A "not stated"/"unclear" code (``missing: true`` in a codebook) is not a
missing value either: a coder chose it.  Whether reliability counts it as a
value is the codebook's ``reliability_missing_codes`` setting (see
``codebooks/template.yaml``).

:func:`is_unanswered` is the rule for a required question: a missing value or
an empty selection leaves it unanswered.

Only the standard library is imported (the codebook checks use this module),
so pandas' and numpy's missing markers are recognised by type name.
"""

from __future__ import annotations

import math
import numbers

__all__ = ["is_missing", "is_unanswered"]

_SELECTIONS = (list, tuple, set, frozenset, dict)


def is_missing(value: object) -> bool:
    """Whether ``value`` means "no value was given".

    Examples
    --------
    >>> import pandas as pd
    >>> [is_missing(v) for v in (None, float("nan"), pd.NA, pd.NaT, "", "  ")]
    [True, True, True, True, True, True]
    >>> [is_missing(v) for v in ("NA", "None", "nan", 0, [], "not_stated")]
    [False, False, False, False, False, False]
    """
    if value is None:
        return True
    if isinstance(value, str):
        return not value.strip()
    if isinstance(value, _SELECTIONS):
        return False
    name = type(value).__name__
    if name in ("NAType", "NaTType"):
        return True
    if name.startswith(("datetime64", "timedelta64")):
        return str(value) == "NaT"
    if isinstance(value, numbers.Real):
        try:
            return math.isnan(value)
        except (TypeError, ValueError, OverflowError):
            return False
    return False


def is_unanswered(value: object) -> bool:
    """A missing value, or an empty selection (``[]``, ``()``, an empty set):
    what leaves a required question unanswered."""
    if isinstance(value, _SELECTIONS):
        return not value
    return is_missing(value)
