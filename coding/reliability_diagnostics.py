"""Where a variable's disagreement lies: coincidences, units, coder pairs, codes."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import pandas as pd

from coding.agreement import (
    AlphaParts,
    CodedData,
    Pairs,
    alpha_parts,
    cohen_kappa,
    coincidences,
    pairable_counts,
    pairs_of,
    percent_agreement,
)
from coding.reliability_data import (
    _MAX_TABLE_VALUES,
    _check_level,
    _check_variable,
    _label,
    _MultiPrepared,
    _prepare,
    _prepare_multi,
    _Prepared,
    _resolve_weights,
)
from coding.reliability_multi import _per_code
from coding.reliability_results import VariableDiagnostics
from dazi.errors import ValidationError

__all__ = [
    "code_diagnostics",
    "coincidence_matrix",
    "diagnose",
    "disagreements",
    "pairwise_agreement",
]

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
    sets = CodedData(mprep.set_ids, np.arange(1.0, mprep.set_ids.max(initial=-1) + 2.0), "nominal")
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


