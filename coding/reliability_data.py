"""Reading reliability data: tables and arrays into coded units x coders matrices.

Validates the arguments of :mod:`coding.reliability`'s functions, reads a long
table (unit, coder, value), a wide one (a column per coder) or a 2-D array into
an ``(N units, C coders)`` matrix, decides which cells are missing
(:func:`coding.missing.is_missing`: ``None``, NaN, ``pd.NA`` and blank text,
never a code such as ``"NA"``) and encodes the values at the variable's level
of measurement (:class:`coding.agreement.CodedData`).
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from coding.agreement import LEVELS, WEIGHTS, CodedData
from coding.missing import is_missing
from coding.verdicts import MINIMUMS
from dazi.errors import ValidationError
from dazi.spelling import argument

_DEFAULT_MINIMUMS = MINIMUMS
_MAX_TABLE_VALUES = 1000

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
            f"Use {argument('level', 'level=')}ordinal (with {argument('value_order', 'value_order')}) "
            "or interval for weighted kappa.",
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
            or not -1.0 <= float(m) <= 1.0
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
    """A missing value that is not text (blank text is decided by the caller)."""
    return not isinstance(v, str) and is_missing(v)


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
        f"Pass {argument(arg, arg + '=' + chr(39) + '<your column>' + chr(39))} naming the column, "
        f"or {argument('coders', 'coders=[...]')} for a wide table.",
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
            is_missing(v) if blank_is_missing or not isinstance(v, str) else False
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
        and abs(float(v)) < 2**53
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
            f"Fix the value, or use {argument('level', 'level=')}nominal (or ordinal with "
            f"{argument('value_order', 'value_order')}) for labels.",
        )
    if level == "ratio" and (nums < 0).any():
        i = int(np.argmax(nums < 0))
        raise ValidationError(
            f"level='ratio' needs values >= 0 (a true zero), but {where(i)} has {flat[i]!r}",
            f"Use {argument('level', 'level=')}interval for values that can be negative.",
        )
    return nums


def _read_as_numbers(flat: np.ndarray) -> np.ndarray | None:
    """The values as floats if every one reads as a finite number, else ``None``."""
    if flat.dtype.kind in "iuf":
        nums = flat.astype(np.float64)
        return nums if np.isfinite(nums).all() else None
    if flat.size == 0 or any(isinstance(v, (bool, np.bool_)) for v in flat):
        return None
    texts = pd.Series(flat, dtype=object).map(lambda v: v.strip() if isinstance(v, str) else v)
    nums = pd.to_numeric(texts, errors="coerce").to_numpy(dtype=np.float64)
    return nums if np.isfinite(nums).all() else None


def _encode_values(
    flat: np.ndarray, level: str, value_order: list[Any] | None, where: Callable[[int], str]
) -> tuple[np.ndarray, list[Any], np.ndarray]:
    """Value codes, domain labels and positions for the non-missing values.

    When every value reads as a number (``1``, ``1.0``, ``"1"`` and
    ``" 1.0 "`` alike: a spreadsheet may have saved one coder's column as
    floats and another's as text), values are compared as numbers at every
    level, and so is ``value_order`` when all its items read as numbers.
    """
    as_numbers = _read_as_numbers(flat)
    if value_order is not None:
        v = len(value_order)
        order_numbers = _read_as_numbers(np.asarray(value_order, dtype=object))
        if as_numbers is not None and order_numbers is not None and level in ("nominal", "ordinal"):
            pos = np.arange(1, v + 1, dtype=np.float64)
            codes = pd.Index(order_numbers).get_indexer(as_numbers)
        elif level in ("interval", "ratio"):
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
                f"Add them to {argument('value_order', 'value_order')} in their place, or correct "
                "the data.",
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
                f"Pass {argument('value_order', 'value_order=[...]')} listing every value from lowest "
                "to highest.",
            )
        codes, uniq = _factorize_numbers(nums)
        return codes.astype(np.int64), _labels(uniq), np.arange(1, len(uniq) + 1, dtype=np.float64)
    if as_numbers is not None:
        codes, uniq = _factorize_numbers(as_numbers)
        return (
            codes.astype(np.int64),
            _labels(uniq),
            np.arange(1, len(uniq) + 1, dtype=np.float64),
        )
    try:
        codes, uniq = pd.factorize(flat, sort=True)
    except TypeError:  # mixed, unorderable labels: order them by type and text
        codes, uniq = pd.factorize(flat, sort=False)
        order = sorted(range(len(uniq)), key=lambda i: (type(uniq[i]).__name__, str(uniq[i])))
        remap = np.empty(len(order), dtype=np.int64)
        remap[order] = np.arange(len(order))
        codes, uniq = remap[codes], np.asarray([uniq[i] for i in order], dtype=object)
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
            f"{dropped} unit(s) have no value from any coder (every cell missing) and were left out"
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
            f"{int((~keep).sum())} unit(s) have no value from any coder (every cell missing) and were "
            "left out"
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

