"""Checking a :class:`TableSpec` against the codebook: variables, codes and metrics exist."""

from __future__ import annotations

import re
from dataclasses import dataclass

from coding.codebook import Codebook, Variable
from dazi.errors import DaziError, ValidationError
from reports.tables.spec import METRIC_FUNCTIONS, POST_NUMBERS, TableSpec

# --------------------------------------------------------------------------
# Checking specs against the codebook
# --------------------------------------------------------------------------

def _variable(codebook: Codebook, variable_id: str, where: str) -> Variable:
    try:
        return codebook.variable(variable_id)
    except DaziError as exc:  # NotFound with a did-you-mean
        raise ValidationError(f"{where}: {exc.message}.", exc.hint) from exc


def _choice(codebook: Codebook, variable_id: str, where: str) -> Variable:
    variable = _variable(codebook, variable_id, where)
    if not variable.is_choice:
        raise ValidationError(
            f"{where}: {variable.id} is a {variable.type} variable; this needs coded categories.",
            "Use a single, multi or ordinal variable (numbers go in mean(...) of a summary).",
        )
    return variable


@dataclass(frozen=True)
class _Metric:
    text: str
    function: str  # n, share, rate, or one of METRIC_FUNCTIONS
    target: str | None = None  # field or variable
    codes: tuple[str, ...] = ()


_METRIC_RE = re.compile(r"^\s*([A-Za-z_]+)\s*(?:\((.*)\))?\s*$")


def _metric(text: str, codebook: Codebook) -> _Metric:
    where = f"metric {text!r}"
    match = _METRIC_RE.match(text)
    if not match:
        raise ValidationError(f"Cannot read the {where}.",
                              "Metrics: n, share, mean(x), median(x), sd(x), sum(x), min(x), max(x), rate(v=code).")
    function, arg = match.group(1).lower(), match.group(2)
    if function in ("n", "count", "posts") and arg is None:
        return _Metric(text, "n")
    if function == "share" and arg is None:
        return _Metric(text, "share")
    if function in METRIC_FUNCTIONS and arg:
        target = arg.strip()
        if target not in POST_NUMBERS:
            variable = _variable(codebook, target, where)
            if variable.type != "numeric":
                raise ValidationError(
                    f"{where}: {variable.id} is a {variable.type} variable, not a number.",
                    f"Average a count ({', '.join(POST_NUMBERS)}) or a numeric variable; use rate(v=code) for codes.",
                )
        return _Metric(text, function, target)
    if function == "rate" and arg and "=" in arg:
        name, _, codes_text = arg.partition("=")
        variable = _choice(codebook, name.strip(), where)
        codes = tuple(c.strip() for c in codes_text.split("|") if c.strip())
        if not codes:
            raise ValidationError(f"{where}: name the code after '=' (rate({variable.id}=CODE)).")
        for code in codes:
            if not variable.has_code(code):
                try:
                    variable.code(code)
                except DaziError as exc:
                    raise ValidationError(f"{where}: {exc.message}.", exc.hint) from exc
        return _Metric(text, "rate", variable.id, codes)
    raise ValidationError(f"Unknown {where}.",
                          "Metrics: n, share, mean(x), median(x), sd(x), sum(x), min(x), max(x), rate(v=code).")


def check_spec(spec: TableSpec, codebook: Codebook) -> None:
    """Check that the variables, codes and metrics of ``spec`` exist in ``codebook``.

    Raises
    ------
    ValidationError
        Naming the unknown variable or code (with a did-you-mean) or the
        variable of the wrong type.
    """
    where = f"{spec.kind} table"
    if spec.kind == "frequencies":
        for vid in spec.variables:
            variable = _variable(codebook, vid, where)
            if variable.type == "text":
                raise ValidationError(f"{where}: {vid} is free text and has no frequencies.",
                                      "Export it (dazi export) and read it, or code it with a choice variable.")
    elif spec.kind == "summary":
        assert spec.by is not None
        _choice(codebook, spec.by, where)
        for text in spec.metrics:
            _metric(text, codebook)
    elif spec.kind == "crosstab":
        for vid in spec.variables:
            _choice(codebook, vid, where)
    elif spec.kind == "cooccurrence":
        variables = [_choice(codebook, vid, where) for vid in spec.variables]
        if len(variables) == 1 and variables[0].type != "multi":
            raise ValidationError(
                f"{where}: {variables[0].id} is single-choice, so its codes never occur together.",
                "Name a multi-select variable, or two variables (cooccur VAR1 VAR2).",
            )
    elif spec.kind == "over_time":
        variable = _variable(codebook, spec.variables[0], where)
        if variable.type == "text":
            raise ValidationError(f"{where}: {variable.id} is free text.", "Choose a coded or numeric variable.")
    elif spec.kind == "terms":
        for vid in spec.variables:
            _choice(codebook, vid, where)


