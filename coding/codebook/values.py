"""Checking coded values against a codebook: :func:`validate_value` for one
variable, :func:`validate_values` for all variables of one post.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Mapping
from typing import Any

from coding.codebook.checker import _type_name
from coding.codebook.model import Codebook, Variable, is_applicable
from coding.codebook.spec import Value
from coding.codebook.text import _q, _suggest
from coding.missing import is_unanswered
from dazi.errors import ValidationError

__all__ = ["validate_value", "validate_values"]


# --------------------------------------------------------------------------
# Values
# --------------------------------------------------------------------------

_is_empty = is_unanswered  # the one rule: coding.missing


def _check_code_choice(variable: Variable, code_id: object) -> str:
    if not isinstance(code_id, str):
        raise ValidationError(
            f"{variable.id}: {_q(code_id)} is not a code id (expected text such as "
            f"{_q(variable.codable_codes()[0].id) if variable.codable_codes() else 'a code'})",
            hint=_codes_hint(variable))
    code_id = code_id.strip()
    if not variable.has_code(code_id):
        raise ValidationError(
            f"{variable.id}: {_q(code_id)} is not a code of this variable"
            f"{_suggest(code_id, [c.id for c in variable.codable_codes()])}",
            hint=_codes_hint(variable))
    code = variable.code(code_id)
    if code.retired:
        if code.merged_into:
            final = variable.resolve(code_id)
            raise ValidationError(f"{variable.id}: code {_q(code_id)} is retired (merged "
                                  f"into {_q(final)})", hint=f"Use {_q(final)}.")
        raise ValidationError(f"{variable.id}: code {_q(code_id)} is retired and cannot be "
                              "used for new codings", hint=_codes_hint(variable))
    if not code.codable:
        children = [c.id for c in code.walk() if c.codable and not c.retired]
        raise ValidationError(f"{variable.id}: code {_q(code_id)} only groups other codes; "
                              "choose one of its child codes",
                              hint="Child codes: " + ", ".join(children))
    return code_id


def _codes_hint(variable: Variable) -> str:
    return "Choose from: " + ", ".join(code.id for code in variable.codable_codes())


def validate_value(variable: Variable, value: object) -> Value:
    """Check one coded value and return it in its normalised storage form.

    ================  =======================================================
    type              normalised form
    ================  =======================================================
    single, ordinal   the code id (``str``); a one-element list is accepted
    multi             list of code ids in codebook order, duplicates removed;
                      a single ``str`` counts as one code; ``[]`` is "none"
    numeric           ``int`` when integral, else ``float``; numeric text
                      such as ``"3.5"`` is accepted
    text              the text, stripped
    ================  =======================================================

    Empty values (``None``, ``""``, NaN, and ``[]`` except for multi) give
    ``None`` when the variable is not required.  Whether the variable applies
    at all (``when``) is :func:`is_applicable`'s business.

    Raises
    ------
    ValidationError
        Naming the variable: an unknown or retired code, a group-only code,
        two codes on a single-choice variable, a "not stated" code combined
        with others, a number out of range, an empty required value.

    Examples
    --------
    >>> v = Variable("n", "Months", "numeric", min=0, max=120)
    >>> validate_value(v, "3.0"), validate_value(v, 2.5)
    (3, 2.5)
    """
    if variable.type == "multi" and isinstance(value, (list, tuple, set, frozenset)) and not value:
        if variable.required:
            raise ValidationError(f"{variable.id}: choose at least one code",
                                  hint=_codes_hint(variable))
        return []
    if _is_empty(value):
        if variable.required:
            what = "a number" if variable.type == "numeric" else (
                "text" if variable.type == "text" else "a code")
            raise ValidationError(f"{variable.id}: a value is required (enter {what})",
                                  hint=_codes_hint(variable) if variable.is_choice else None)
        return None

    if variable.type in ("single", "ordinal"):
        if isinstance(value, (list, tuple, set, frozenset)):
            items = list(dict.fromkeys(value))
            if len(items) > 1:
                raise ValidationError(
                    f"{variable.id}: only one code is allowed (got "
                    f"{', '.join(_q(v) for v in items)})",
                    hint=f"{_q(variable.id)} is a {variable.type} variable; choose one code.")
            value = items[0]
        return _check_code_choice(variable, value)

    if variable.type == "multi":
        given: object = [value] if isinstance(value, str) else value
        if not isinstance(given, (list, tuple, set, frozenset)):
            raise ValidationError(f"{variable.id}: expected a list of code ids, not "
                                  f"{_type_name(value)}", hint=_codes_hint(variable))
        chosen = {_check_code_choice(variable, item) for item in given}
        missing = [code_id for code_id in chosen if variable.code(code_id).missing]
        if missing and len(chosen) > 1:
            raise ValidationError(
                f"{variable.id}: {_q(missing[0])} means no information and cannot be combined "
                "with other codes", hint=f"Remove {_q(missing[0])} or the other codes.")
        return sorted(chosen, key=variable.order)

    if variable.type == "numeric":
        return _check_number(variable, value)

    if not isinstance(value, str):
        raise ValidationError(f"{variable.id}: expected text, not {_type_name(value)}")
    return value.strip()


def _check_number(variable: Variable, value: object) -> int | float:
    if isinstance(value, bool):
        raise ValidationError(f"{variable.id}: expected a number, not true/false")
    if isinstance(value, str):
        try:
            number = float(value.strip())
        except ValueError:
            unit = f" ({variable.unit})" if variable.unit else ""
            raise ValidationError(f"{variable.id}: {_q(value)} is not a number",
                                  hint=f"Enter digits, e.g. 3 or 1.5{unit}.") from None
    elif isinstance(value, numbers.Real):
        number = float(value)
    else:
        raise ValidationError(f"{variable.id}: expected a number, not {_type_name(value)}")
    if not math.isfinite(number):
        raise ValidationError(f"{variable.id}: {value!r} is not a finite number")
    unit = f" {variable.unit}" if variable.unit else ""
    if variable.min is not None and number < variable.min:
        raise ValidationError(f"{variable.id}: {number:g} is below the minimum "
                              f"{variable.min:g}{unit}",
                              hint=f"Enter a value from {variable.min:g} to "
                              f"{variable.max:g}{unit}." if variable.max is not None else None)
    if variable.max is not None and number > variable.max:
        raise ValidationError(f"{variable.id}: {number:g} is above the maximum "
                              f"{variable.max:g}{unit}",
                              hint=f"Enter a value from {variable.min:g} to "
                              f"{variable.max:g}{unit}." if variable.min is not None else None)
    return int(number) if number.is_integer() and abs(number) < 2**53 else number



def validate_values(codebook: Codebook, values: Mapping[str, Any]) -> dict[str, Value]:
    """Check all values coded for one post; return them normalised.

    Variables that apply are checked with :func:`validate_value` (a missing
    key counts as empty); variables that do not apply must be empty and come
    back as ``None``.  Every problem is reported in one error.

    Returns
    -------
    dict
        ``{variable_id: normalised value}`` for every variable, in codebook order.

    Raises
    ------
    ValidationError
        One line per problem; unknown variable ids are problems too.
    """
    problems: list[str] = []
    unknown = [key for key in values if key not in codebook.variable_ids()]
    for key in unknown:
        problems.append(f"{key}: not a variable of codebook {_q(codebook.name)}"
                        f"{_suggest(key, codebook.variable_ids())}")
    out: dict[str, Value] = {}
    normalised: dict[str, Any] = {}
    for variable in codebook.variables:
        value = values.get(variable.id)
        if not is_applicable(variable, normalised, codebook):
            if not _is_empty(value):
                problems.append(f"{variable.id}: does not apply to this post (its condition "
                                f"{_when_text(variable)} does not hold); leave it empty")
            out[variable.id] = None
            continue
        try:
            out[variable.id] = normalised[variable.id] = validate_value(variable, value)
        except ValidationError as exc:
            problems.append(exc.message)
    if problems:
        raise ValidationError("\n".join(problems) if len(problems) > 1 else problems[0],
                              hint="Correct the values named above; nothing was saved.")
    return out


def _when_text(variable: Variable) -> str:
    parts = [f"{ref} = {' or '.join(codes)}" for ref, codes in variable.conditions().items()]
    return " and ".join(parts)
