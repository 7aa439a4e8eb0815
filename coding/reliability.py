"""Inter-coder reliability for one coded variable, from plain tables.

Give a pandas DataFrame in long form (one row per unit, coder and value:
columns named by ``unit=``, ``coder=``, ``value=``) or wide form (one row per
unit, one column per coder: pass ``coders=[...]``), or a 2-D array (rows are
units, columns coders).  Missing values (``None``, ``NaN``, ``pd.NA``, blank
strings) mean "this coder gave no value": a unit not assigned to a coder, or
a question a conditional variable skipped.  They are never a code.

What you get
------------
:func:`reliability`
    Krippendorff's alpha at the variable's level of measurement with a
    bootstrapped confidence interval and ``q`` (the probability alpha is below
    a minimum), percent agreement, Cohen's kappa, Fleiss' kappa, Scott's pi,
    Gwet's AC1 (AC2 when weighted) and Brennan-Prediger, as a
    :class:`VariableReliability` whose ``to_dict()`` is JSON-safe.
:func:`multi_reliability`
    The same for a multi-select variable (each coder picks a set of codes),
    code by code and pooled (:class:`MultiReliability`).
:func:`krippendorff_alpha`
    Just alpha, as a float (``None`` if undefined).
:func:`coincidence_matrix`, :func:`disagreements`, :func:`pairwise_agreement`,
:func:`code_diagnostics`, :func:`diagnose`
    Where the disagreement is: by value pair, by unit (worst first), by
    coder pair (who needs retraining), by code.
:func:`plan_sample_size`
    How many units the reliability subsample needs (Krippendorff's planner).

Definitions and sources are in :mod:`coding.agreement`; in short:
Krippendorff (2011, 2019) for alpha and its bootstrap (Hayes & Krippendorff
2007), Gwet (2014) for percent agreement, Fleiss' kappa, AC1/AC2 and
Brennan-Prediger with missing values, Cohen (1960, 1968) and Scott (1955)
for the two-coder coefficients.  Undefined coefficients are ``None`` with a
note saying why, never 0 and never a string.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from coding.agreement import (
    LEVELS,
    WEIGHTS,
    AlphaParts,
    CodedData,
    Pairs,
    alpha_parts,
    bootstrap_alpha,
    brennan_prediger,
    cohen_kappa,
    coincidences,
    fleiss_kappa,
    gwet_ac,
    pairable_counts,
    pairs_of,
    percent_agreement,
    scott_pi,
)
from coding.reliability_plan import plan_sample_size
from dazi.errors import ValidationError

__all__ = [
    "MULTI_DEFINITION",
    "CodeReliability",
    "MultiReliability",
    "VariableDiagnostics",
    "VariableReliability",
    "code_diagnostics",
    "coincidence_matrix",
    "diagnose",
    "disagreements",
    "krippendorff_alpha",
    "multi_reliability",
    "pairwise_agreement",
    "plan_sample_size",
    "reliability",
]

#: How :func:`multi_reliability` defines its overall alpha (also in each result).
MULTI_DEFINITION = (
    "Overall alpha is Krippendorff's nominal alpha over the pooled binary unit-by-code data: every "
    "(unit, code) pair is a unit of analysis and each coder who coded the unit contributes 1 "
    "(code selected) or 0 (not selected); the same indicator coding gives the per-code alphas "
    "(Krippendorff 2019, Content Analysis, 4th ed., ch. 12, on binary present/absent coding). "
    "Pooling weights each code by how often coders judged it and stays defined when a code is "
    "never used; it is not Krippendorff & Craggs' (2016) multi-valued alpha (mv-alpha)."
)

_DEFAULT_MINIMUMS = (0.8, 0.667)
_MAX_TABLE_VALUES = 1000


# ---------------------------------------------------------------------------
# Results
# ---------------------------------------------------------------------------


def _plain(x: Any) -> Any:
    """JSON-safe copy: Python scalars, None for NaN/NA, lists for tuples."""
    if x is None or isinstance(x, str):
        return x
    if isinstance(x, (bool, np.bool_)):
        return bool(x)
    if isinstance(x, (numbers.Integral, np.integer)):
        return int(x)
    if isinstance(x, (numbers.Real, np.floating)):
        f = float(x)
        return f if math.isfinite(f) else None
    if isinstance(x, dict):
        return {str(k): _plain(v) for k, v in x.items()}
    if isinstance(x, (list, tuple, np.ndarray)):
        return [_plain(v) for v in x]
    if isinstance(x, (set, frozenset)):
        return sorted((_plain(v) for v in x), key=str)
    if isinstance(x, pd.DataFrame):
        return [{str(k): _plain(v) for k, v in rec.items()} for rec in x.to_dict("records")]
    if x is pd.NA or x is pd.NaT:
        return None
    if hasattr(x, "isoformat"):
        return x.isoformat()
    return str(x)


@dataclass
class VariableReliability:
    """Reliability of one variable.

    Every coefficient is a float, or ``None`` when it is undefined for these
    data (``notes`` says why).  ``alpha_ci`` is the bootstrapped percentile
    interval ``(low, high)`` at level ``ci_level``; ``q`` maps each minimum
    (as text, e.g. ``"0.8"``) to the bootstrapped probability that alpha is
    below it.  ``gwet_ac1`` holds Gwet's AC2 when ``weights`` is not
    ``"identity"`` (the kappa-family coefficients are then weighted).
    ``n_units`` counts units with at least one value, ``n_pairable`` the
    pairable values (values in units coded by two or more coders:
    Krippendorff's ``n``).
    """

    variable: str | None
    level: str
    n_units: int
    n_coders: int
    n_pairable: int
    krippendorff_alpha: float | None
    alpha_ci: tuple[float, float] | None
    q: dict[str, float] | None
    percent_agreement: float | None
    cohen_kappa: float | None
    fleiss_kappa: float | None
    scott_pi: float | None
    gwet_ac1: float | None
    brennan_prediger: float | None
    notes: list[str] = field(default_factory=list)
    weights: str = "identity"
    ci_level: float = 0.95
    n_bootstrap: int = 0

    def to_dict(self) -> dict[str, Any]:
        """Plain, JSON-safe values (floats unrounded, ``None`` for undefined)."""
        return {
            "variable": self.variable,
            "level": self.level,
            "n_units": int(self.n_units),
            "n_coders": int(self.n_coders),
            "n_pairable": int(self.n_pairable),
            "krippendorff_alpha": _plain(self.krippendorff_alpha),
            "alpha_ci": _plain(self.alpha_ci),
            "q": _plain(self.q),
            "percent_agreement": _plain(self.percent_agreement),
            "cohen_kappa": _plain(self.cohen_kappa),
            "fleiss_kappa": _plain(self.fleiss_kappa),
            "scott_pi": _plain(self.scott_pi),
            "gwet_ac1": _plain(self.gwet_ac1),
            "brennan_prediger": _plain(self.brennan_prediger),
            "notes": list(self.notes),
            "weights": self.weights,
            "ci_level": float(self.ci_level),
            "n_bootstrap": int(self.n_bootstrap),
        }


@dataclass
class CodeReliability:
    """Agreement on one code of a multi-select variable (present / absent).

    ``n_units`` counts units coded by two or more coders, ``n_selected`` how
    many of their values select this code, ``disagreeing_units`` the units
    where coders split on it, ``share_of_disagreement`` this code's share of
    all split (disagreeing) pairs across codes.
    """

    code: Any
    n_units: int
    n_selected: int
    krippendorff_alpha: float | None
    alpha_ci: tuple[float, float] | None
    percent_agreement: float | None
    disagreeing_units: int
    disagreeing_pairs: int
    share_of_disagreement: float | None
    notes: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """Plain, JSON-safe values."""
        return {
            "code": _plain(self.code),
            "n_units": int(self.n_units),
            "n_selected": int(self.n_selected),
            "krippendorff_alpha": _plain(self.krippendorff_alpha),
            "alpha_ci": _plain(self.alpha_ci),
            "percent_agreement": _plain(self.percent_agreement),
            "disagreeing_units": int(self.disagreeing_units),
            "disagreeing_pairs": int(self.disagreeing_pairs),
            "share_of_disagreement": _plain(self.share_of_disagreement),
            "notes": list(self.notes),
        }


@dataclass
class MultiReliability:
    """Reliability of a multi-select variable.

    The coefficient fields have the same names and meaning as in
    :class:`VariableReliability`, computed on the pooled binary unit-by-code
    data (see ``definition``, which is :data:`MULTI_DEFINITION`); ``n_units``
    counts posts, ``n_pairable`` pairable binary values (posts x codes).
    ``exact_set_agreement`` is the share of coder pairs who chose exactly the
    same set, averaged over units; ``codes`` has one entry per code.
    """

    variable: str | None
    n_units: int
    n_coders: int
    n_codes: int
    n_pairable: int
    krippendorff_alpha: float | None
    alpha_ci: tuple[float, float] | None
    q: dict[str, float] | None
    percent_agreement: float | None
    exact_set_agreement: float | None
    cohen_kappa: float | None
    fleiss_kappa: float | None
    scott_pi: float | None
    gwet_ac1: float | None
    brennan_prediger: float | None
    codes: list[CodeReliability]
    notes: list[str] = field(default_factory=list)
    definition: str = MULTI_DEFINITION
    level: str = "nominal"
    weights: str = "identity"
    ci_level: float = 0.95
    n_bootstrap: int = 0

    def to_dict(self) -> dict[str, Any]:
        """Plain, JSON-safe values, with the keys of :meth:`VariableReliability.to_dict`
        plus ``n_codes``, ``exact_set_agreement``, ``definition`` and ``codes``."""
        return {
            "variable": self.variable,
            "level": self.level,
            "n_units": int(self.n_units),
            "n_coders": int(self.n_coders),
            "n_pairable": int(self.n_pairable),
            "krippendorff_alpha": _plain(self.krippendorff_alpha),
            "alpha_ci": _plain(self.alpha_ci),
            "q": _plain(self.q),
            "percent_agreement": _plain(self.percent_agreement),
            "cohen_kappa": _plain(self.cohen_kappa),
            "fleiss_kappa": _plain(self.fleiss_kappa),
            "scott_pi": _plain(self.scott_pi),
            "gwet_ac1": _plain(self.gwet_ac1),
            "brennan_prediger": _plain(self.brennan_prediger),
            "notes": list(self.notes),
            "weights": self.weights,
            "ci_level": float(self.ci_level),
            "n_bootstrap": int(self.n_bootstrap),
            "n_codes": int(self.n_codes),
            "exact_set_agreement": _plain(self.exact_set_agreement),
            "definition": self.definition,
            "codes": [c.to_dict() for c in self.codes],
        }


@dataclass
class VariableDiagnostics:
    """Where a variable's disagreement lies (see :func:`diagnose`).

    ``coincidences`` is ``None`` when the value domain is too large to show
    (continuous values); ``codes`` is ``None`` for interval/ratio variables.
    """

    variable: str | None
    level: str
    n_units: int
    n_coders: int
    n_pairable: int
    distribution: pd.DataFrame
    coincidences: pd.DataFrame | None
    disagreements: pd.DataFrame
    pairwise: pd.DataFrame
    codes: pd.DataFrame | None
    notes: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """Plain, JSON-safe values; tables as lists of records, the coincidence
        matrix as ``{"values": [...], "matrix": [[...], ...]}``."""
        coinc = None
        if self.coincidences is not None:
            coinc = {
                "values": _plain(list(self.coincidences.index)),
                "matrix": _plain(self.coincidences.to_numpy().tolist()),
            }
        return {
            "variable": self.variable,
            "level": self.level,
            "n_units": int(self.n_units),
            "n_coders": int(self.n_coders),
            "n_pairable": int(self.n_pairable),
            "distribution": _plain(self.distribution),
            "coincidences": coinc,
            "disagreements": _plain(self.disagreements),
            "pairwise": _plain(self.pairwise),
            "codes": None if self.codes is None else _plain(self.codes),
            "notes": list(self.notes),
        }


# ---------------------------------------------------------------------------
# Validating parameters
# ---------------------------------------------------------------------------


def _check_level(level: object) -> str:
    if not isinstance(level, str) or level not in LEVELS:
        raise ValidationError(
            f"level must be one of {', '.join(LEVELS)}; got {level!r}",
            "Use the variable's level of measurement: nominal for unordered categories, "
            "ordinal for ranked ones (pass value_order), interval or ratio for numbers.",
        )
    return level


def _resolve_weights(weights: object, level: str) -> str:
    if weights is None:
        return "identity" if level == "nominal" else "quadratic"
    if not isinstance(weights, str) or weights not in WEIGHTS:
        raise ValidationError(
            f"weights must be None or one of {', '.join(WEIGHTS)}; got {weights!r}"
        )
    if level == "nominal" and weights != "identity":
        raise ValidationError(
            f"weights={weights!r} needs ordered values, but level is 'nominal'",
            "Use level='ordinal' (with value_order) or 'interval' for weighted kappa.",
        )
    return weights


def _check_int(name: str, value: object, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < minimum:
        raise ValidationError(f"{name} must be an integer >= {minimum}; got {value!r}")
    return int(value)


def _check_ci(ci: object) -> float:
    if isinstance(ci, bool) or not isinstance(ci, numbers.Real) or not 0.0 < float(ci) < 1.0:
        raise ValidationError(f"ci must be a number between 0 and 1 (e.g. 0.95); got {ci!r}")
    return float(ci)


def _check_minimums(minimums: object) -> tuple[float, ...]:
    if isinstance(minimums, (str, bytes)) or not isinstance(minimums, Iterable):
        raise ValidationError(
            f"minimums must be a list of alpha values such as (0.8, 0.667); got {minimums!r}"
        )
    out = []
    for m in minimums:
        if (
            isinstance(m, bool)
            or not isinstance(m, numbers.Real)
            or not math.isfinite(m)
            or not -1.0 <= m <= 1.0
        ):
            raise ValidationError(f"minimums must hold numbers between -1 and 1; got {m!r}")
        out.append(float(m))
    return tuple(out)


def _rng(seed: object) -> np.random.Generator:
    if isinstance(seed, np.random.Generator):
        return seed
    if seed is None:
        return np.random.default_rng()
    if isinstance(seed, bool) or not isinstance(seed, numbers.Integral) or seed < 0:
        raise ValidationError(
            f"seed must be None, a non-negative integer or a numpy Generator; got {seed!r}"
        )
    return np.random.default_rng(int(seed))


def _check_variable(variable: object) -> str | None:
    if variable is not None and not isinstance(variable, str):
        raise ValidationError(f"variable must be a name (str) or None; got {variable!r}")
    return variable


def _check_order(name: str, order: object) -> list[Any] | None:
    if order is None:
        return None
    if isinstance(order, (str, bytes)) or not isinstance(order, Iterable):
        raise ValidationError(f"{name} must be a list of values in order; got {order!r}")
    items = list(order)
    if not items:
        raise ValidationError(
            f"{name} is empty", f"List every possible value, or leave {name}=None."
        )
    if any(_is_missing_scalar(v) for v in items):
        raise ValidationError(
            f"{name} contains a missing value", "Missing values are not codes; leave them out."
        )
    index = pd.Index(items, dtype=object)
    if not index.is_unique:
        dups = sorted({repr(v) for v in index[index.duplicated()]})
        raise ValidationError(f"{name} lists a value twice: {', '.join(dups)}")
    return items


def _is_missing_scalar(v: object) -> bool:
    if v is None or v is pd.NA or v is pd.NaT:
        return True
    if isinstance(v, (float, np.floating)):
        return bool(np.isnan(v))
    return False


# ---------------------------------------------------------------------------
# Reading tables into a units x coders matrix
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class _Cells:
    """Raw values as an (N units, C coders) matrix, with their labels."""

    matrix: np.ndarray
    units: np.ndarray
    coders: list[Any]


def _cells(
    data: object, *, unit: str, coder: str, value: str, coders: Sequence[Any] | None
) -> _Cells:
    if isinstance(data, pd.DataFrame):
        if coders is not None:
            return _wide_cells(data, unit=unit, coders=coders)
        return _long_cells(data, unit=unit, coder=coder, value=value)
    if isinstance(data, (np.ndarray, list, tuple)):
        arr = np.asarray(data)
        if arr.ndim != 2:
            raise ValidationError(
                f"data as an array must be 2-D (rows are units, columns coders); got {arr.ndim}-D",
                "Pass a DataFrame in long form (unit, coder, value columns) or wide form (coders=[...]).",
            )
        if coders is None:
            names: list[Any] = [f"coder_{j + 1}" for j in range(arr.shape[1])]
        else:
            names = list(coders)
            if len(names) != arr.shape[1]:
                raise ValidationError(
                    f"coders names {len(names)} coders but data has {arr.shape[1]} columns"
                )
        if arr.dtype.kind in "iu" and (arr.size == 0 or np.abs(arr).max() < 2**53):
            arr = arr.astype(np.float64)  # no missing values possible; labels stay whole numbers
        elif arr.dtype.kind not in "fO":
            arr = arr.astype(object)
        return _Cells(arr, np.arange(arr.shape[0]), names)
    raise ValidationError(
        f"data must be a pandas DataFrame or a 2-D array; got {type(data).__name__}",
        "Long form: a row per unit, coder and value. Wide form: a row per unit, a column per coder (coders=[...]).",
    )


def _missing_column(df: pd.DataFrame, column: str, arg: str) -> ValidationError:
    shown = ", ".join(repr(c) for c in list(df.columns)[:12])
    return ValidationError(
        f"data has no column {column!r} (the {arg}= argument); its columns are {shown}",
        f"Pass {arg}='<your column>' naming the column, or coders=[...] for a wide table.",
    )


def _wide_cells(df: pd.DataFrame, *, unit: str, coders: Sequence[Any]) -> _Cells:
    if isinstance(coders, (str, bytes)):
        raise ValidationError(f"coders must be a list of column names; got the string {coders!r}")
    names = list(coders)
    if not names:
        raise ValidationError("coders is empty", "List the columns that hold each coder's values.")
    if len(set(map(repr, names))) != len(names):
        raise ValidationError(f"coders lists a column twice: {names!r}")
    for name in names:
        if name not in df.columns:
            raise _missing_column(df, name, "coders")
    if unit in df.columns and unit not in names:
        units = df[unit].to_numpy()
        where = f"column {unit!r}"
    else:
        units = df.index.to_numpy()
        where = "the index"
    if pd.isna(units).any():
        raise ValidationError(
            f"data has a row without a unit id in {where}", "Every row must name its unit."
        )
    dup = pd.Index(units).duplicated()
    if dup.any():
        raise ValidationError(
            f"data (wide form) has unit {units[np.argmax(dup)]!r} in more than one row ({where})",
            "A wide table has one row per unit; use long form for repeated codings.",
        )
    block = df[names]
    if all(pd.api.types.is_float_dtype(t) for t in block.dtypes):
        matrix = block.to_numpy(dtype=np.float64)
    else:
        matrix = block.to_numpy(dtype=object)
    return _Cells(matrix, units, names)


def _long_cells(df: pd.DataFrame, *, unit: str, coder: str, value: str) -> _Cells:
    for column, arg in ((unit, "unit"), (coder, "coder"), (value, "value")):
        if column not in df.columns:
            raise _missing_column(df, column, arg)
    u_codes, u_labels = pd.factorize(df[unit])
    c_codes, c_labels = pd.factorize(df[coder])
    for codes_, column in ((u_codes, unit), (c_codes, coder)):
        if (codes_ < 0).any():
            row = df.index[int(np.argmax(codes_ < 0))]
            raise ValidationError(
                f"data row {row!r} has no {column!r}",
                f"Every row needs a {column}; drop or fill that row.",
            )
    n_units, n_coders = len(u_labels), len(c_labels)
    key = u_codes.astype(np.int64) * n_coders + c_codes
    dup = pd.Index(key).duplicated()
    if dup.any():
        i = int(np.argmax(dup))
        raise ValidationError(
            f"data: unit {u_labels[u_codes[i]]!r} is coded more than once by coder "
            f"{c_labels[c_codes[i]]!r} (row {df.index[i]!r})",
            "Each coder gives at most one value per unit and variable; remove the duplicate rows.",
        )
    values = df[value]
    if pd.api.types.is_float_dtype(values.dtype):
        matrix = np.full((n_units, n_coders), np.nan)
        matrix[u_codes, c_codes] = values.to_numpy(dtype=np.float64)
    else:
        matrix = np.full((n_units, n_coders), None, dtype=object)
        matrix[u_codes, c_codes] = values.to_numpy(dtype=object)
    return _Cells(matrix, np.asarray(u_labels, dtype=object), list(c_labels))


def _missing_mask(matrix: np.ndarray, *, blank_is_missing: bool = True) -> np.ndarray:
    """Where no value was given: None/NaN/NA, and blank strings."""
    if matrix.dtype.kind == "f":
        return np.isnan(matrix)
    if matrix.dtype.kind != "O":
        return np.zeros(matrix.shape, dtype=bool)
    flat = matrix.ravel()
    miss = np.fromiter(
        (
            _is_missing_scalar(v) or (blank_is_missing and isinstance(v, str) and not v.strip())
            for v in flat
        ),
        dtype=bool,
        count=flat.size,
    )
    return miss.reshape(matrix.shape)


# ---------------------------------------------------------------------------
# Encoding values
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class _Prepared:
    """One variable, validated and coded."""

    coded: CodedData
    units: np.ndarray
    coders: list[Any]
    domain: list[Any]
    notes: tuple[str, ...]

    @property
    def n_coders(self) -> int:
        return int((self.coded.codes >= 0).any(axis=0).sum())


def _label(v: Any) -> Any:
    """Numbers that are whole show as ints (a code 3, not 3.0)."""
    if (
        isinstance(v, (float, np.floating))
        and math.isfinite(v)
        and float(v).is_integer()
        and abs(v) < 2**53
    ):
        return int(v)
    if isinstance(v, np.generic):
        return v.item()
    return v


def _labels(uniq: np.ndarray) -> list[Any]:
    """Domain labels of sorted numeric values, vectorised (see :func:`_label`)."""
    arr = np.asarray(uniq, dtype=np.float64)
    if arr.size and np.all(np.mod(arr, 1.0) == 0.0) and np.abs(arr).max() < 2**53:
        return arr.astype(np.int64).tolist()
    return arr.tolist()


def _factorize_numbers(nums: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Codes into the sorted distinct values: hashing when few values repeat
    (categorical codes), sorting when most are distinct (continuous data)."""
    if np.unique(nums[:2048]).size > 256:
        uniq, codes = np.unique(nums, return_inverse=True)
        return codes.reshape(-1), uniq
    codes, uniq = pd.factorize(nums, sort=True)
    return codes, np.asarray(uniq, dtype=np.float64)


def _shown(values: Iterable[Any], limit: int = 5) -> str:
    vals = list(dict.fromkeys(values))
    text = ", ".join(repr(_label(v)) for v in vals[:limit])
    return text + (f" and {len(vals) - limit} more" if len(vals) > limit else "")


def _numbers(flat: np.ndarray, level: str, where: Callable[[int], str]) -> np.ndarray:
    if flat.dtype.kind == "f":
        nums = flat.astype(np.float64)
        bad = ~np.isfinite(nums)
    else:
        nums = pd.to_numeric(pd.Series(flat, dtype=object), errors="coerce").to_numpy(
            dtype=np.float64
        )
        bad = ~np.isfinite(nums)
    if bad.any():
        i = int(np.argmax(bad))
        raise ValidationError(
            f"level={level!r} needs numbers, but {where(i)} has {flat[i]!r}",
            "Fix the value, or use level='nominal' (or 'ordinal' with value_order) for labels.",
        )
    if level == "ratio" and (nums < 0).any():
        i = int(np.argmax(nums < 0))
        raise ValidationError(
            f"level='ratio' needs values >= 0 (a true zero), but {where(i)} has {flat[i]!r}",
            "Use level='interval' for values that can be negative.",
        )
    return nums


def _encode_values(
    flat: np.ndarray, level: str, value_order: list[Any] | None, where: Callable[[int], str]
) -> tuple[np.ndarray, list[Any], np.ndarray]:
    """Value codes, domain labels and positions for the non-missing values."""
    if value_order is not None:
        v = len(value_order)
        if level in ("interval", "ratio"):
            pos = pd.to_numeric(pd.Series(value_order, dtype=object), errors="coerce").to_numpy(
                dtype=np.float64
            )
            if not np.isfinite(pos).all():
                raise ValidationError(
                    f"value_order must hold numbers for level={level!r}; got {value_order!r}"
                )
            codes = pd.Index(pos).get_indexer(_numbers(flat, level, where))
        else:
            pos = np.arange(1, v + 1, dtype=np.float64)
            codes = pd.Index(value_order, dtype=object).get_indexer(flat.astype(object))
        if (codes < 0).any():
            unknown = flat[codes < 0]
            raise ValidationError(
                f"data has values that are not in value_order: {_shown(unknown)} "
                f"(first at {where(int(np.argmax(codes < 0)))})",
                "Add them to value_order in their place, or correct the data (check the type: '3' is not 3).",
            )
        return codes.astype(np.int64), list(value_order), pos
    if level in ("interval", "ratio"):
        codes, uniq = _factorize_numbers(_numbers(flat, level, where))
        return codes.astype(np.int64), _labels(uniq), uniq
    if level == "ordinal":
        if flat.dtype.kind == "f":
            nums = flat
        else:
            nums = pd.to_numeric(pd.Series(flat, dtype=object), errors="coerce").to_numpy(
                dtype=np.float64
            )
        if not np.isfinite(nums).all():
            bad = flat[~np.isfinite(nums)]
            raise ValidationError(
                f"level='ordinal' needs the order of the values; got text values such as {_shown(bad, 3)}",
                "Pass value_order=[...] listing every value from lowest to highest.",
            )
        codes, uniq = _factorize_numbers(nums)
        return codes.astype(np.int64), _labels(uniq), np.arange(1, len(uniq) + 1, dtype=np.float64)
    try:
        codes, uniq = pd.factorize(flat, sort=True)
    except TypeError:  # mixed, unorderable labels: order them by type and text
        codes, uniq = pd.factorize(flat, sort=False)
        order = sorted(range(len(uniq)), key=lambda i: (type(uniq[i]).__name__, str(uniq[i])))
        remap = np.empty(len(order), dtype=np.int64)
        remap[order] = np.arange(len(order))
        codes, uniq = remap[codes], [uniq[i] for i in order]
    return (
        codes.astype(np.int64),
        [_label(u) for u in uniq],
        np.arange(1, len(uniq) + 1, dtype=np.float64),
    )


def _prepare(
    data: object,
    *,
    level: str,
    unit: str,
    coder: str,
    value: str,
    coders: Sequence[Any] | None,
    value_order: object,
) -> _Prepared:
    level = _check_level(level)
    order = _check_order("value_order", value_order)
    cells = _cells(data, unit=unit, coder=coder, value=value, coders=coders)
    present = ~_missing_mask(cells.matrix)
    keep = present.any(axis=1)
    notes = []
    dropped = int((~keep).sum())
    if dropped:
        notes.append(
            f"{dropped} unit(s) have no value from any coder (e.g. skipped by a conditional question) "
            "and were left out"
        )
    matrix, present, units = cells.matrix[keep], present[keep], cells.units[keep]

    def where(i: int) -> str:  # the i-th value, for error messages only
        rows, cols = np.nonzero(present)
        return f"unit {_label(units[rows[i]])!r}, coder {cells.coders[cols[i]]!r}"

    codes_flat, domain, positions = _encode_values(matrix[present], level, order, where)
    codes = np.full(matrix.shape, -1, dtype=np.int64)
    codes[present] = codes_flat
    return _Prepared(CodedData(codes, positions, level), units, cells.coders, domain, tuple(notes))


# ---------------------------------------------------------------------------
# Computing a variable's reliability
# ---------------------------------------------------------------------------


def _q_key(m: float) -> str:
    return repr(float(m))


def _assess(
    prep: _Prepared,
    *,
    weights: str,
    n_bootstrap: int,
    rng: np.random.Generator,
    seed: object,
    ci: float,
    minimums: tuple[float, ...],
    variable: str | None,
) -> VariableReliability:
    coded = prep.coded
    notes = list(prep.notes)
    pairs = pairs_of(coded)
    parts = alpha_parts(coded, pairs)
    m = coded.per_unit
    singles = int((m == 1).sum())
    if singles:
        notes.append(
            f"{singles} unit(s) coded by only one coder are not pairable: left out of alpha, percent "
            "agreement, Cohen's kappa and Scott's pi (Gwet's category proportions for Fleiss' kappa "
            "and AC1 still count them, as in Gwet 2014)"
        )
    if parts.note:
        notes.append(parts.note)
    fleiss = fleiss_kappa(coded, pairs, weights)
    gwet = gwet_ac(coded, pairs, weights)
    bp = brennan_prediger(coded, pairs, weights)
    cohen = cohen_kappa(coded, pairs, weights)
    scott = scott_pi(coded, pairs, weights)
    if cohen.note and scott.note and "exactly two coders" in cohen.note:
        notes.append(cohen.note.replace("Cohen's kappa is", "Cohen's kappa and Scott's pi are"))
    else:
        notes.extend(c.note for c in (cohen, scott) if c.note)
    notes.extend(c.note for c in (fleiss, gwet, bp) if c.note)
    if weights != "identity":
        notes.append(
            f"Cohen's kappa, Fleiss' kappa, Scott's pi, Brennan-Prediger and Gwet's coefficient use "
            f"{weights} weights over the {coded.level} values (gwet_ac1 therefore holds Gwet's AC2)"
        )
    alpha_ci, q = _bootstrap(parts, n_bootstrap, rng, seed, ci, minimums, notes)
    return VariableReliability(
        variable=variable,
        level=coded.level,
        n_units=int(coded.codes.shape[0]),
        n_coders=prep.n_coders,
        n_pairable=parts.n,
        krippendorff_alpha=parts.alpha,
        alpha_ci=alpha_ci,
        q=q,
        percent_agreement=percent_agreement(coded, pairs),
        cohen_kappa=cohen.value,
        fleiss_kappa=fleiss.value,
        scott_pi=scott.value,
        gwet_ac1=gwet.value,
        brennan_prediger=bp.value,
        notes=notes,
        weights=weights,
        ci_level=ci,
        n_bootstrap=n_bootstrap,
    )


def _bootstrap(
    parts: AlphaParts,
    n_bootstrap: int,
    rng: np.random.Generator,
    seed: object,
    ci: float,
    minimums: tuple[float, ...],
    notes: list[str] | None,
) -> tuple[tuple[float, float] | None, dict[str, float] | None]:
    if n_bootstrap == 0 or parts.alpha is None:
        if notes is not None and n_bootstrap == 0:
            notes.append("no confidence interval: bootstrap=0")
        return None, None
    samples = bootstrap_alpha(parts, n_bootstrap, rng)
    low, high = np.quantile(samples, [(1.0 - ci) / 2.0, (1.0 + ci) / 2.0])
    q = {_q_key(m): float(np.mean(samples < m)) for m in minimums}
    if notes is not None:
        seed_text = f"seed {seed}" if isinstance(seed, numbers.Integral) else "unseeded"
        notes.append(
            f"alpha_ci and q from {n_bootstrap} bootstrap resamples of {len(parts.pairs)} pairs of values "
            f"(Krippendorff's algorithm, Hayes & Krippendorff 2007; {seed_text})"
        )
        if parts.d_o == 0:
            notes.append(
                "every pair of values agrees, so every resample gives alpha = 1: the interval has no "
                "width and shows no sampling uncertainty"
            )
    return (float(low), float(high)), q


def reliability(
    data: pd.DataFrame | np.ndarray,
    *,
    level: str = "nominal",
    unit: str = "unit",
    coder: str = "coder",
    value: str = "value",
    coders: Sequence[Any] | None = None,
    value_order: Sequence[Any] | None = None,
    weights: str | None = None,
    bootstrap: int = 10_000,
    seed: int | np.random.Generator | None = None,
    ci: float = 0.95,
    minimums: Sequence[float] = _DEFAULT_MINIMUMS,
    variable: str | None = None,
) -> VariableReliability:
    """Inter-coder reliability of one variable.

    Parameters
    ----------
    data : DataFrame or 2-D array
        Long form: one row per (unit, coder) with columns ``unit``, ``coder``
        and ``value``.  Wide form (``coders`` given): one row per unit, one
        column per coder; the unit id is column ``unit`` if present, else the
        index.  A 2-D array: rows are units, columns coders (the transpose of
        the ``krippendorff`` package's ``reliability_data``).
    level : {"nominal", "ordinal", "interval", "ratio"}, default "nominal"
        Level of measurement (note: the ``krippendorff`` package defaults to
        interval).  Ordinal text labels need ``value_order``; interval and
        ratio need numbers (ratio: >= 0).
    unit, coder, value : str
        Column names in long form.
    coders : list, optional
        Wide form: the columns holding each coder's values (or names for the
        columns of an array).
    value_order : list, optional
        Every possible value, in order (lowest first).  Needed for ordinal
        text labels; it also sets the value domain (unused values count for
        Brennan-Prediger and Gwet's AC1, whose chance agreement depends on
        the number of categories).
    weights : {"identity", "linear", "quadratic"}, optional
        Weights for the kappa family.  Default: identity for nominal,
        quadratic for the other levels.
    bootstrap : int, default 10000
        Number of bootstrap resamples for ``alpha_ci`` and ``q``; 0 skips it.
    seed : int or numpy Generator, optional
        Makes the bootstrap reproducible.
    ci : float, default 0.95
        Level of the confidence interval.
    minimums : sequence of float, default (0.8, 0.667)
        Alphas for which ``q`` gives P(alpha < minimum).
    variable : str, optional
        The variable's name, copied into the result.

    Returns
    -------
    VariableReliability

    Raises
    ------
    dazi.errors.ValidationError
        Bad arguments or data (missing column, a coder coding a unit twice,
        text at the interval level, values outside ``value_order``...).

    Examples
    --------
    Krippendorff's (2011, "Computing Krippendorff's Alpha-Reliability")
    worked example: 4 coders, 12 units, missing values; he reports nominal
    alpha .743, ordinal .815, interval .849 and ratio .797 from 40 pairable
    values.

    >>> import pandas as pd
    >>> k2011 = pd.DataFrame({
    ...     "A": [1, 2, 3, 3, 2, 1, 4, 1, 2, None, None, None],
    ...     "B": [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, None, 3],
    ...     "C": [None, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, None],
    ...     "D": [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, None]})
    >>> r = reliability(k2011, coders=["A", "B", "C", "D"], seed=1)
    >>> round(r.krippendorff_alpha, 3), r.n_units, r.n_pairable
    (0.743, 12, 40)
    >>> [round(reliability(k2011, coders=list("ABCD"), level=lv, bootstrap=0).krippendorff_alpha, 3)
    ...  for lv in ("ordinal", "interval", "ratio")]
    [0.815, 0.849, 0.797]
    >>> r.cohen_kappa is None  # four coders: Cohen's kappa does not apply
    True
    """
    level = _check_level(level)
    w = _resolve_weights(weights, level)
    n_boot = _check_int("bootstrap", bootstrap, 0)
    ci_level = _check_ci(ci)
    mins = _check_minimums(minimums)
    name = _check_variable(variable)
    rng = _rng(seed)
    prep = _prepare(
        data,
        level=level,
        unit=unit,
        coder=coder,
        value=value,
        coders=coders,
        value_order=value_order,
    )
    return _assess(
        prep,
        weights=w,
        n_bootstrap=n_boot,
        rng=rng,
        seed=seed,
        ci=ci_level,
        minimums=mins,
        variable=name,
    )


def krippendorff_alpha(
    data: pd.DataFrame | np.ndarray,
    *,
    level: str = "nominal",
    unit: str = "unit",
    coder: str = "coder",
    value: str = "value",
    coders: Sequence[Any] | None = None,
    value_order: Sequence[Any] | None = None,
) -> float | None:
    """Krippendorff's alpha alone (``None`` when undefined; see
    :func:`reliability` for the reason and the other coefficients).

    Same data arguments as :func:`reliability`.  Interval, ordinal and
    nominal alpha cost ``O(n log n)`` in the number of values, with no
    ``V x V`` matrix; ratio alpha costs ``O(V**2)`` time in the number V of
    distinct values, in ``O(V)`` memory.

    Examples
    --------
    >>> import numpy as np
    >>> a = krippendorff_alpha(np.array([[1, 1], [2, 2], [3, 2]]), level="interval")
    >>> round(a, 6), round(12 / 17, 6)  # D_o = 1/3, D_e = 17/15
    (0.705882, 0.705882)
    """
    prep = _prepare(
        data,
        level=level,
        unit=unit,
        coder=coder,
        value=value,
        coders=coders,
        value_order=value_order,
    )
    return alpha_parts(prep.coded).alpha


# ---------------------------------------------------------------------------
# Diagnostics
# ---------------------------------------------------------------------------


def _coder_columns(coders: list[Any], taken: set[str]) -> list[str]:
    out = []
    for c in coders:
        name = str(c)
        out.append(f"coder {name}" if name in taken else name)
    return out


def _coincidence_frame(prep: _Prepared, pairs: Pairs) -> pd.DataFrame:
    v = prep.coded.n_values
    if v > _MAX_TABLE_VALUES:
        raise ValidationError(
            f"the coincidence matrix of {v} distinct values is too large to show (limit {_MAX_TABLE_VALUES})",
            "It is meant for categorical variables; for continuous values use disagreements().",
        )
    index = pd.Index(prep.domain, name="value")
    return pd.DataFrame(coincidences(prep.coded, pairs), index=index, columns=index.rename(None))


def _disagreement_table(
    units: np.ndarray,
    per_unit: np.ndarray,
    coders: list[Any],
    pairs: Pairs,
    split: np.ndarray,
    delta: np.ndarray,
    cell: Callable[[np.ndarray, int], list[Any]],
) -> pd.DataFrame:
    """Units with a disagreeing pair, worst (largest mean distance) first.

    ``split`` flags the disagreeing pairs, ``delta`` is each pair's distance,
    ``cell(rows, j)`` gives coder ``j``'s values for those units.
    """
    n_units = per_unit.shape[0]
    fixed = ["unit", "n_values", "pairs", "disagreeing_pairs", "mean_distance"]
    coder_cols = _coder_columns(coders, set(fixed))
    if len(pairs) == 0:
        return pd.DataFrame(columns=fixed + coder_cols)
    n_pairs = np.bincount(pairs.unit, minlength=n_units)
    n_split = np.bincount(pairs.unit, weights=split, minlength=n_units)
    dist = np.bincount(pairs.unit, weights=delta, minlength=n_units)
    rows = np.flatnonzero(n_split > 0)
    mean_dist = dist[rows] / n_pairs[rows]
    order = np.lexsort((rows, -n_split[rows], -mean_dist))
    rows, mean_dist = rows[order], mean_dist[order]
    frame = pd.DataFrame(
        {
            "unit": [_label(u) for u in units[rows]],
            "n_values": per_unit[rows],
            "pairs": n_pairs[rows],
            "disagreeing_pairs": n_split[rows].astype(np.int64),
            "mean_distance": mean_dist,
        }
    )
    for j, col in enumerate(coder_cols):
        frame[col] = cell(rows, j)
    return frame


def _disagreement_frame(prep: _Prepared, parts: AlphaParts) -> pd.DataFrame:
    coded, pairs = prep.coded, parts.pairs
    split = pairs.value_a != pairs.value_b
    delta = parts.delta if parts.delta.size == len(pairs) else split.astype(float)
    domain = np.asarray(prep.domain, dtype=object)

    def cell(rows: np.ndarray, j: int) -> list[Any]:
        return [domain[c] if c >= 0 else None for c in coded.codes[rows, j]]

    return _disagreement_table(prep.units, coded.per_unit, prep.coders, pairs, split, delta, cell)


def _multi_disagreement_frame(mprep: _MultiPrepared) -> pd.DataFrame:
    """Disagreements of a multi-select variable; a pair's distance is the
    number of codes on which the two selections differ (``|A ^ B|``)."""
    sets = CodedData(mprep.set_ids, np.arange(1.0, mprep.set_ids.max() + 2.0), "nominal")
    pairs = pairs_of(sets)
    sel = mprep.selected
    delta = (
        (sel[pairs.unit, pairs.coder_a, :] != sel[pairs.unit, pairs.coder_b, :])
        .sum(axis=1)
        .astype(float)
    )
    labels = np.asarray(mprep.codes, dtype=object)

    def cell(rows: np.ndarray, j: int) -> list[Any]:
        return [labels[sel[r, j] == 1].tolist() if mprep.set_ids[r, j] >= 0 else None for r in rows]

    per_unit = (mprep.set_ids >= 0).sum(axis=1)
    return _disagreement_table(
        mprep.units, per_unit, mprep.coders, pairs, pairs.value_a != pairs.value_b, delta, cell
    )


def _pairwise_frame(prep: _Prepared, weights: str) -> pd.DataFrame:
    coded = prep.coded
    present = coded.codes >= 0
    active = [j for j in range(present.shape[1]) if present[:, j].any()]
    records = []
    for i, a in enumerate(active):
        for b in active[i + 1 :]:
            both = present[:, a] & present[:, b]
            sub = coded.subset(coders=[a, b], units=np.flatnonzero(both))
            sub_pairs = pairs_of(sub)
            records.append(
                {
                    "coder_a": prep.coders[a],
                    "coder_b": prep.coders[b],
                    "n_units": int(both.sum()),
                    "percent_agreement": percent_agreement(sub, sub_pairs),
                    "cohen_kappa": cohen_kappa(sub, sub_pairs, weights).value,
                    "krippendorff_alpha": alpha_parts(sub, sub_pairs).alpha,
                }
            )
    columns = [
        "coder_a",
        "coder_b",
        "n_units",
        "percent_agreement",
        "cohen_kappa",
        "krippendorff_alpha",
    ]
    frame = pd.DataFrame.from_records(records, columns=columns)
    for col in columns[3:]:
        frame[col] = pd.to_numeric(frame[col], errors="coerce").astype(np.float64)
    return frame.sort_values("krippendorff_alpha", na_position="last", kind="stable").reset_index(
        drop=True
    )


def _code_frame(prep: _Prepared, pairs: Pairs) -> pd.DataFrame:
    """Per code of a categorical variable: which codes drive disagreement."""
    nominal = CodedData(prep.coded.codes, prep.coded.positions, "nominal")
    o = coincidences(nominal, pairs) if prep.coded.n_values <= _MAX_TABLE_VALUES else None
    if o is None:
        raise ValidationError(
            f"code diagnostics need a categorical variable; this one has {prep.coded.n_values} distinct values"
        )
    n_c = pairable_counts(nominal)
    n = n_c.sum()
    agree = np.diag(o)
    split = n_c - agree
    total_split = split.sum()
    confused = o.copy()
    np.fill_diagonal(confused, -1.0)
    records = []
    for k, label in enumerate(prep.domain):
        if n_c[k] == 0 or n_c[k] == n:
            alpha_k = None
        else:
            alpha_k = 1.0 - (n - 1.0) * split[k] / (n_c[k] * (n - n_c[k]))
        best = int(np.argmax(confused[k])) if o.shape[0] > 1 else -1
        records.append(
            {
                "code": label,
                "n_values": int(n_c[k]),
                "share_of_values": float(n_c[k] / n) if n else None,
                "agreeing_values": float(agree[k]),
                "disagreeing_values": float(split[k]),
                "share_of_disagreement": float(split[k] / total_split) if total_split else None,
                "binary_alpha": alpha_k,
                "most_confused_with": prep.domain[best]
                if best >= 0 and confused[k, best] > 0
                else None,
            }
        )
    frame = pd.DataFrame.from_records(records)
    for col in ("share_of_values", "share_of_disagreement", "binary_alpha"):
        frame[col] = pd.to_numeric(frame[col], errors="coerce").astype(np.float64)
    return frame


def _distribution_frame(prep: _Prepared) -> pd.DataFrame:
    codes = prep.coded.codes
    v = prep.coded.n_values
    all_counts = np.bincount(codes[codes >= 0], minlength=v)
    pairable = pairable_counts(prep.coded)
    n = pairable.sum()
    return pd.DataFrame(
        {
            "value": prep.domain,
            "n_values": all_counts.astype(np.int64),
            "n_pairable": pairable.astype(np.int64),
            "share_of_pairable": pairable / n if n else np.full(v, np.nan),
        }
    )


def _prep_args(kwargs: dict[str, Any]) -> _Prepared:
    return _prepare(
        kwargs["data"],
        level=kwargs["level"],
        unit=kwargs["unit"],
        coder=kwargs["coder"],
        value=kwargs["value"],
        coders=kwargs["coders"],
        value_order=kwargs["value_order"],
    )


def coincidence_matrix(
    data: pd.DataFrame | np.ndarray,
    *,
    level: str = "nominal",
    unit: str = "unit",
    coder: str = "coder",
    value: str = "value",
    coders: Sequence[Any] | None = None,
    value_order: Sequence[Any] | None = None,
) -> pd.DataFrame:
    """Krippendorff's coincidence matrix, labelled by value.

    Cell ``(c, k)`` counts the pairable values ``c`` that were paired with
    ``k`` in the same unit, each unit's pairs weighted ``1 / (m_u - 1)``; row
    sums are the pairable frequencies ``n_c``, the total is ``n``.  Values in
    ``value_order`` that nobody used get zero rows.

    Examples
    --------
    >>> import pandas as pd
    >>> d = pd.DataFrame({"a": ["x", "x", "y"], "b": ["x", "y", "y"]})
    >>> coincidence_matrix(d, coders=["a", "b"])  # doctest: +NORMALIZE_WHITESPACE
             x    y
    value
    x      2.0  1.0
    y      1.0  2.0
    """
    prep = _prep_args(locals())
    return _coincidence_frame(prep, pairs_of(prep.coded))


def disagreements(
    data: pd.DataFrame | np.ndarray,
    *,
    level: str = "nominal",
    unit: str = "unit",
    coder: str = "coder",
    value: str = "value",
    coders: Sequence[Any] | None = None,
    value_order: Sequence[Any] | None = None,
    multi: bool = False,
    codes: Sequence[Any] | None = None,
    sep: str | None = None,
) -> pd.DataFrame:
    """Units where coders disagree, worst first.

    One row per unit with at least one disagreeing pair: ``n_values``,
    ``pairs`` (pairs of values), ``disagreeing_pairs``, ``mean_distance``
    (mean of Krippendorff's distance at ``level`` over the unit's pairs: for
    nominal data the share of disagreeing pairs) and one column per coder
    with the value given (``None`` if none).  Sorted by ``mean_distance``,
    then ``disagreeing_pairs``, both descending.

    With ``multi=True`` (data, ``codes`` and ``sep`` as for
    :func:`multi_reliability`) a pair disagrees when the two selections
    differ, its distance is the number of codes on which they differ, and
    the coder columns hold the selected codes as lists.
    """
    if multi:
        return _multi_disagreement_frame(
            _prepare_multi(
                data, unit=unit, coder=coder, value=value, coders=coders, codes=codes, sep=sep
            )
        )
    prep = _prepare(
        data,
        level=level,
        unit=unit,
        coder=coder,
        value=value,
        coders=coders,
        value_order=value_order,
    )
    return _disagreement_frame(prep, alpha_parts(prep.coded))


def pairwise_agreement(
    data: pd.DataFrame | np.ndarray,
    *,
    level: str = "nominal",
    unit: str = "unit",
    coder: str = "coder",
    value: str = "value",
    coders: Sequence[Any] | None = None,
    value_order: Sequence[Any] | None = None,
    weights: str | None = None,
) -> pd.DataFrame:
    """Agreement of each pair of coders, lowest alpha first.

    Columns ``coder_a``, ``coder_b``, ``n_units`` (units both coded),
    ``percent_agreement``, ``cohen_kappa`` (weighted as in
    :func:`reliability`) and ``krippendorff_alpha`` for that pair alone;
    ``NaN`` where a coefficient is undefined.  A coder who appears in every
    low row is the one to retrain.
    """
    prep = _prep_args(locals())
    return _pairwise_frame(prep, _resolve_weights(weights, prep.coded.level))


def code_diagnostics(
    data: pd.DataFrame | np.ndarray,
    *,
    unit: str = "unit",
    coder: str = "coder",
    value: str = "value",
    coders: Sequence[Any] | None = None,
    value_order: Sequence[Any] | None = None,
    multi: bool = False,
    codes: Sequence[Any] | None = None,
    sep: str | None = None,
) -> pd.DataFrame:
    """Which codes drive disagreement.

    Single-select (``multi=False``): one row per code with its pairable
    frequency, the coincidences on and off the diagonal, its share of all
    disagreeing coincidences, its alpha as a binary code (this code vs any
    other) and the code it is most often confused with.

    Multi-select (``multi=True``, data as for :func:`multi_reliability`):
    one row per code with the fields of :class:`CodeReliability` (without
    the bootstrap interval).
    """
    if multi:
        mprep = _prepare_multi(
            data, unit=unit, coder=coder, value=value, coders=coders, codes=codes, sep=sep
        )
        rows = _per_code(mprep, 0, np.random.default_rng(0), 0.95)
        return pd.DataFrame.from_records([r.to_dict() for r in rows]).drop(columns=["alpha_ci"])
    prep = _prepare(
        data,
        level="nominal",
        unit=unit,
        coder=coder,
        value=value,
        coders=coders,
        value_order=value_order,
    )
    return _code_frame(prep, pairs_of(prep.coded))


def diagnose(
    data: pd.DataFrame | np.ndarray,
    *,
    level: str = "nominal",
    unit: str = "unit",
    coder: str = "coder",
    value: str = "value",
    coders: Sequence[Any] | None = None,
    value_order: Sequence[Any] | None = None,
    weights: str | None = None,
    variable: str | None = None,
) -> VariableDiagnostics:
    """All diagnostics of one variable in one pass.

    Value distribution, coincidence matrix (``None`` past 1000 distinct
    values), disagreements (worst first), pairwise coder agreement and, for
    nominal and ordinal variables, the per-code table of
    :func:`code_diagnostics`.
    """
    level = _check_level(level)
    w = _resolve_weights(weights, level)
    name = _check_variable(variable)
    prep = _prepare(
        data,
        level=level,
        unit=unit,
        coder=coder,
        value=value,
        coders=coders,
        value_order=value_order,
    )
    parts = alpha_parts(prep.coded)
    notes = list(prep.notes)
    large = prep.coded.n_values > _MAX_TABLE_VALUES
    if large:
        notes.append(
            f"{prep.coded.n_values} distinct values: no coincidence matrix or per-code table"
        )
    categorical = level in ("nominal", "ordinal") and not large
    return VariableDiagnostics(
        variable=name,
        level=level,
        n_units=int(prep.coded.codes.shape[0]),
        n_coders=prep.n_coders,
        n_pairable=parts.n,
        distribution=_distribution_frame(prep),
        coincidences=None if large else _coincidence_frame(prep, parts.pairs),
        disagreements=_disagreement_frame(prep, parts),
        pairwise=_pairwise_frame(prep, w),
        codes=_code_frame(prep, parts.pairs) if categorical else None,
        notes=notes,
    )


# ---------------------------------------------------------------------------
# Multi-select variables
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class _MultiPrepared:
    """A multi-select variable as a (N, C, K) 0/1 tensor, -1 where missing."""

    selected: np.ndarray
    units: np.ndarray
    coders: list[Any]
    codes: list[Any]
    set_ids: np.ndarray
    notes: tuple[str, ...]

    @property
    def n_coders(self) -> int:
        return int((self.set_ids >= 0).any(axis=0).sum())

    def pooled(self) -> CodedData:
        n, c, k = self.selected.shape
        flat = self.selected.transpose(0, 2, 1).reshape(n * k, c)
        return CodedData(flat, np.array([1.0, 2.0]), "nominal")

    def code(self, k: int) -> CodedData:
        return CodedData(self.selected[:, :, k], np.array([1.0, 2.0]), "nominal")


def _as_set(v: Any, sep: str | None, where: str) -> frozenset[Any]:
    if isinstance(v, str):
        if sep is None:
            raise ValidationError(
                f"multi-select values must be sets or lists of codes, but {where} has the text {v!r}",
                "Pass sep=';' (your separator) to split text such as 'a;b', or give lists.",
            )
        return frozenset(part.strip() for part in v.split(sep) if part.strip())
    if isinstance(v, (set, frozenset, list, tuple, np.ndarray, pd.Series)):
        items = list(v)
        if any(_is_missing_scalar(x) for x in items):
            raise ValidationError(
                f"{where} selects a missing code: {v!r}", "Leave missing codes out of the set."
            )
        try:
            return frozenset(items)
        except TypeError as exc:
            raise ValidationError(f"{where} has codes that are not hashable: {v!r}") from exc
    raise ValidationError(
        f"multi-select values must be sets or lists of codes, but {where} has {v!r}",
        "Give each coder's selection as a list (an empty list if they selected nothing).",
    )


def _prepare_multi(
    data: object,
    *,
    unit: str,
    coder: str,
    value: str,
    coders: Sequence[Any] | None,
    codes: Sequence[Any] | None,
    sep: str | None,
) -> _MultiPrepared:
    if sep is not None and (not isinstance(sep, str) or not sep):
        raise ValidationError(f"sep must be a non-empty string or None; got {sep!r}")
    order = _check_order("codes", codes)
    cells = _cells(data, unit=unit, coder=coder, value=value, coders=coders)
    matrix = cells.matrix.astype(object) if cells.matrix.dtype != object else cells.matrix
    present = ~_missing_mask(matrix, blank_is_missing=False)
    keep = present.any(axis=1)
    notes = []
    if (~keep).sum():
        notes.append(
            f"{int((~keep).sum())} unit(s) have no value from any coder (e.g. skipped by a conditional "
            "question) and were left out"
        )
    matrix, present, units = matrix[keep], present[keep], cells.units[keep]
    rows, cols = np.nonzero(present)
    sets = [
        _as_set(matrix[r, c], sep, f"unit {_label(units[r])!r}, coder {cells.coders[c]!r}")
        for r, c in zip(rows, cols, strict=True)
    ]
    if order is None:
        seen = set().union(*sets) if sets else set()
        try:
            labels = sorted(seen)
        except TypeError:
            labels = sorted(seen, key=lambda x: (type(x).__name__, str(x)))
    else:
        labels = order
        unknown = set().union(*sets).difference(order) if sets else set()
        if unknown:
            raise ValidationError(
                f"data selects codes that are not in codes: {_shown(sorted(unknown, key=str))}",
                "Add them to codes=[...], or correct the data.",
            )
    index = {c: i for i, c in enumerate(labels)}
    n, c, k = matrix.shape[0], matrix.shape[1], len(labels)
    selected = np.full((n, c, k), -1, dtype=np.int64)
    selected[rows, cols, :] = 0
    for r, col, s in zip(rows, cols, sets, strict=True):
        for code in s:
            selected[r, col, index[code]] = 1
    set_ids = np.full((n, c), -1, dtype=np.int64)
    if sets:
        ids, _ = pd.factorize(pd.Series(sets, dtype=object))
        set_ids[rows, cols] = ids
    return _MultiPrepared(selected, units, cells.coders, labels, set_ids, tuple(notes))


def _per_code(
    mprep: _MultiPrepared, n_bootstrap: int, rng: np.random.Generator, ci: float
) -> list[CodeReliability]:
    pooled_pairs = pairs_of(mprep.pooled())
    k_codes = len(mprep.codes)
    split = pooled_pairs.value_a != pooled_pairs.value_b
    split_by_code = (
        np.bincount(pooled_pairs.unit[split] % k_codes, minlength=k_codes)
        if k_codes
        else np.zeros(0)
    )
    total_split = int(split_by_code.sum())
    out = []
    for k, label in enumerate(mprep.codes):
        coded = mprep.code(k)
        pairs = pairs_of(coded)
        parts = alpha_parts(coded, pairs)
        notes = []
        if parts.note:
            if parts.n >= 2 and (coded.codes == 1).sum() == 0:
                notes.append("alpha is undefined: no coder selected this code on a pairable unit")
            elif parts.n >= 2:
                notes.append(
                    "alpha is undefined: every coder selected this code on every pairable unit"
                )
            else:
                notes.append(parts.note)
        alpha_ci, _ = _bootstrap(parts, n_bootstrap, rng, None, ci, (), None)
        pairable = coded.per_unit >= 2
        code_split = pairs.value_a != pairs.value_b
        out.append(
            CodeReliability(
                code=label,
                n_units=int(pairable.sum()),
                n_selected=int((coded.codes[pairable] == 1).sum()),
                krippendorff_alpha=parts.alpha,
                alpha_ci=alpha_ci,
                percent_agreement=percent_agreement(coded, pairs),
                disagreeing_units=int(np.unique(pairs.unit[code_split]).size),
                disagreeing_pairs=int(code_split.sum()),
                share_of_disagreement=float(split_by_code[k] / total_split)
                if total_split
                else None,
                notes=notes,
            )
        )
    return out


def multi_reliability(
    data: pd.DataFrame | np.ndarray,
    *,
    unit: str = "unit",
    coder: str = "coder",
    value: str = "value",
    coders: Sequence[Any] | None = None,
    codes: Sequence[Any] | None = None,
    sep: str | None = None,
    bootstrap: int = 10_000,
    seed: int | np.random.Generator | None = None,
    ci: float = 0.95,
    minimums: Sequence[float] = _DEFAULT_MINIMUMS,
    variable: str | None = None,
) -> MultiReliability:
    """Reliability of a multi-select variable, code by code and overall.

    Parameters
    ----------
    data : DataFrame or 2-D array
        As for :func:`reliability`, but each value is the *set* of codes a
        coder selected for the unit (a set, list or tuple; an empty one if
        they selected nothing).  ``None``/``NaN`` means the coder did not code
        the unit (or a conditional question skipped it).  Text such as
        ``"a;b"`` is split on ``sep`` (then ``""`` is an empty selection).
    codes : list, optional
        Every code of the variable, in report order; codes nobody selected
        still get a row (alpha undefined).  Default: the codes seen.
    sep : str, optional
        Separator for text values.
    bootstrap, seed, ci, minimums, variable
        As for :func:`reliability`; per-code alphas get a bootstrapped
        interval too.

    Returns
    -------
    MultiReliability
        The overall figures follow :data:`MULTI_DEFINITION` (alpha over the
        pooled binary unit-by-code data), stated in the result's
        ``definition``.

    Examples
    --------
    >>> import pandas as pd
    >>> d = pd.DataFrame({
    ...     "unit":  [1, 1, 2, 2, 3, 3, 4, 4],
    ...     "coder": ["a", "b"] * 4,
    ...     "value": [["meal"], ["meal"], ["meal", "study"], ["study"], [], [], ["study"], ["study"]]})
    >>> r = multi_reliability(d, bootstrap=0)
    >>> [(c.code, round(c.krippendorff_alpha, 3)) for c in r.codes]
    [('meal', 0.533), ('study', 1.0)]
    >>> round(r.krippendorff_alpha, 3), r.exact_set_agreement
    (0.762, 0.75)
    """
    n_boot = _check_int("bootstrap", bootstrap, 0)
    ci_level = _check_ci(ci)
    mins = _check_minimums(minimums)
    name = _check_variable(variable)
    rng = _rng(seed)
    mprep = _prepare_multi(
        data, unit=unit, coder=coder, value=value, coders=coders, codes=codes, sep=sep
    )
    n_codes = len(mprep.codes)
    pooled = _Prepared(
        mprep.pooled(), np.arange(mprep.selected.shape[0] * n_codes), mprep.coders, [0, 1], ()
    )
    overall = _assess(
        pooled,
        weights="identity",
        n_bootstrap=n_boot,
        rng=rng,
        seed=seed,
        ci=ci_level,
        minimums=mins,
        variable=name,
    )
    per_code = _per_code(mprep, n_boot, rng, ci_level)
    sets = CodedData(mprep.set_ids, np.arange(1.0, mprep.set_ids.max() + 2.0), "nominal")
    notes = list(mprep.notes)
    singles = int(((mprep.set_ids >= 0).sum(axis=1) == 1).sum())
    if singles:
        notes.append(
            f"{singles} unit(s) coded by only one coder are not pairable: left out of alpha, percent "
            "agreement, Cohen's kappa and Scott's pi (Gwet's category proportions for Fleiss' kappa "
            "and AC1 still count them, as in Gwet 2014)"
        )
    notes.extend(n for n in overall.notes if "coded by only one coder" not in n)
    if n_codes == 0:
        notes.append("no coder selected any code: nothing to measure")
    return MultiReliability(
        variable=name,
        n_units=int(mprep.selected.shape[0]),
        n_coders=mprep.n_coders,
        n_codes=n_codes,
        n_pairable=overall.n_pairable,
        krippendorff_alpha=overall.krippendorff_alpha,
        alpha_ci=overall.alpha_ci,
        q=overall.q,
        percent_agreement=overall.percent_agreement,
        exact_set_agreement=percent_agreement(sets),
        cohen_kappa=overall.cohen_kappa,
        fleiss_kappa=overall.fleiss_kappa,
        scott_pi=overall.scott_pi,
        gwet_ac1=overall.gwet_ac1,
        brennan_prediger=overall.brennan_prediger,
        codes=per_code,
        notes=notes,
        ci_level=ci_level,
        n_bootstrap=n_boot,
    )
