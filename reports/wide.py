"""The wide export layout of coded variables: one or more columns per variable.

:func:`wide_layout` names the export columns of a codebook's variables and
fills them from one post's final values (the streamed exports use it row by
row, :func:`reports.data.posts_table`); :func:`wide_codes` lays out a whole
:func:`coding.adjudication.final_dataset` frame with it (Excel, CSV, SPSS).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from coding.adjudication import _JOIN, _canonical
from coding.codebook import Codebook, Value, Variable, code_label
from coding.missing import is_missing
from dazi.errors import ValidationError

__all__ = ["WideLayout", "wide_codes", "wide_layout"]


def wide_codes(final_frame: pd.DataFrame, codebook: Codebook, lang: str = "zh", *, dummies: bool = False
               ) -> pd.DataFrame:
    """Lay out a :func:`final_dataset` frame for export (Excel, CSV, SPSS).

    Parameters
    ----------
    final_frame : pandas.DataFrame
        As returned by :func:`final_dataset` (any ``source``).
    codebook : Codebook
        The codebook whose variables the frame holds.
    lang : str
        Language of the labels (``zh`` or ``en``; see :func:`coding.codebook.localize`).
    dummies : bool
        Also give single-choice (single, ordinal) variables one 0/1 column per
        code, as multi-select ones always have (see :func:`wide_layout`).

    Returns
    -------
    pandas.DataFrame
        ``post_pk`` and ``post_id`` first, then per variable in codebook order:

        single, ordinal
            ``<variable>`` the code id and ``<variable>__label`` its label
            (both pandas ``string``); with ``dummies``, first
            ``<variable>__<code>`` per codable code, 1 for the chosen code and
            0 for the others (``Int8``).
        multi
            ``<variable>__<code>`` one column per code, 1 if chosen, 0 if not
            (``Int8``); then ``<variable>`` the chosen labels joined with
            ``"; "`` (``"学习; 健身"``; ``""`` when coded as none).  Columns
            cover every codable code in codebook order, then any retired or
            unknown code that occurs in the data.
        numeric
            ``<variable>`` as ``Int64`` when every value is whole, else ``Float64``.
        text
            ``<variable>`` (pandas ``string``).

        A missing final value (not coded, not applicable, unresolved) is
        ``<NA>`` in every column of its variable: a 0 in a code column always
        means "coded, and this code not chosen".  The remaining columns of
        the input follow unchanged, except list columns (``unresolved``,
        ``coders``), which become ``"; "``-joined text.

    Raises
    ------
    ValidationError
        A variable of the codebook is missing from the frame, or two output
        columns would get the same name.
    """
    missing = [v.id for v in codebook.variables if v.id not in final_frame.columns]
    if missing:
        raise ValidationError(
            f"The frame has no column for variable(s) {', '.join(missing)}.",
            "Pass a frame from final_dataset() made with the same codebook.",
        )
    index = final_frame.index
    canon = {v.id: [_canonical(v, x) if not _is_na(x) else None for x in final_frame[v.id]] for v in codebook.variables}
    extra: dict[str, list[str]] = {}
    for variable in codebook.variables:
        if variable.type == "multi":
            codable = {c.id for c in variable.codable_codes()}
            seen = extra.setdefault(variable.id, [])
            for value in canon[variable.id]:
                if isinstance(value, list):
                    seen.extend(c for c in value if c not in codable and c not in seen)
    layout = wide_layout(codebook, lang, extra, dummies=dummies)
    cells = [layout.cells({v: canon[v][i] for v in canon}) for i in range(len(index))]
    out: dict[str, pd.Series] = {}

    def put(name: str, series: pd.Series) -> None:
        if name in out:
            raise ValidationError(
                f"Two export columns would both be called {name!r}.",
                "Rename a variable or code id so that '<variable>__<code>' names stay unique.",
            )
        out[name] = series

    for name in ("post_pk", "post_id"):
        if name in final_frame.columns:
            put(name, final_frame[name])
    for j, (name, _variable, kind) in enumerate(layout.columns):
        values: list[Any] = [row[j] for row in cells]
        if kind == "flag":
            put(name, pd.Series(values, index=index, dtype="Int8"))
        elif kind == "number":
            numbers = pd.Series([None if v is None else float(v) for v in values], index=index, dtype="Float64")
            whole = numbers.dropna()
            if (whole == whole.round()).all() and (whole.abs() < 2**53).all():
                numbers = numbers.astype("Int64")
            put(name, numbers)
        else:
            put(name, pd.Series(values, index=index, dtype="string"))
    skip = {"post_pk", "post_id", *codebook.variable_ids()}
    for name in final_frame.columns:
        if name in skip:
            continue
        column = final_frame[name]
        if column.map(lambda v: isinstance(v, (list, tuple))).any():
            column = column.map(lambda v: _JOIN.join(map(str, v)) if isinstance(v, (list, tuple)) else v)
        put(name, column)
    return pd.DataFrame(out, index=index)


@dataclass(frozen=True)
class WideLayout:
    """The export columns of the coded variables and how one post's final values fill them.

    Made by :func:`wide_layout`; :func:`wide_codes` lays out a whole frame
    with it and the streamed exports (:func:`reports.data.posts_table`) one
    row at a time.

    Attributes
    ----------
    columns : list of (name, variable id, kind)
        In order; ``kind`` is ``text`` (code id, label, joined labels),
        ``flag`` (0/1 column of a multi-select code), ``number`` or ``wrap``
        (text variables).
    """

    columns: list[tuple[str, str, str]]
    _fillers: list[Callable[[Value], list[object]]] = field(repr=False)
    _variables: list[Variable] = field(repr=False)

    def cells(self, values: Mapping[str, Value]) -> list[object]:
        """One post's cells in column order from its canonical final values (``None``: missing)."""
        out: list[object] = []
        for variable, fill in zip(self._variables, self._fillers):
            out.extend(fill(values.get(variable.id)))
        return out


def wide_layout(codebook: Codebook, lang: str = "zh", extra_codes: Mapping[str, Sequence[str]] | None = None,
                *, dummies: bool = False) -> WideLayout:
    """The export columns of every variable (see :func:`wide_codes` for the layout).

    Parameters
    ----------
    extra_codes : mapping, optional
        ``{variable: [code, ...]}``: codes of multi-select variables that
        occur in the data but are not codable now (retired or unknown); each
        gets a 0/1 column after the codable ones.
    dummies : bool
        Single-choice variables (single, ordinal) get 0/1 columns too,
        ``<variable>__<code>`` per codable code before the id and label
        columns: 1 for the chosen code, 0 for the others, empty when the
        value is missing (so a 0 always means "coded, and not this code").
        A retired code still in the data gets no column: its post has 0 in
        every column and its id in ``<variable>``.

    Raises
    ------
    ValidationError
        Two output columns would get the same name.
    """
    extra_codes = extra_codes or {}
    columns: list[tuple[str, str, str]] = []
    fillers: list[Callable[[Value], list[object]]] = []
    for variable in codebook.variables:
        vid = variable.id
        if variable.type in ("single", "ordinal"):
            flags = [c.id for c in variable.codable_codes()] if dummies else []
            columns += [(f"{vid}__{code}", vid, "flag") for code in flags]
            columns += [(vid, vid, "text"), (f"{vid}__label", vid, "text")]
            labels = {c.id: code_label(variable, c.id, lang) for c in variable.all_codes()}

            def single(value: Value, labels=labels, flags=flags) -> list[object]:
                if value is None:
                    return [None] * (len(flags) + 2)
                return [*(int(code == value) for code in flags),
                        value, labels.get(value, value) if isinstance(value, str) else str(value)]

            fillers.append(single)
        elif variable.type == "multi":
            codes = [c.id for c in variable.codable_codes()]
            codes += [c for c in extra_codes.get(vid, ()) if c not in codes]
            columns += [(f"{vid}__{code}", vid, "flag") for code in codes]
            columns.append((vid, vid, "text"))
            labels = {c.id: code_label(variable, c.id, lang) for c in variable.all_codes()}
            empty = [None] * (len(codes) + 1)

            def multi(value: Value, codes=codes, labels=labels, empty=empty) -> list[object]:
                if value is None:
                    return list(empty)
                chosen = set(value) if isinstance(value, list) else {value}
                return [*(int(code in chosen) for code in codes),
                        _JOIN.join(labels.get(c, c) if isinstance(c, str) else str(c)
                                   for c in (value if isinstance(value, list) else [value]))]

            fillers.append(multi)
        elif variable.type == "numeric":
            columns.append((vid, vid, "number"))
            fillers.append(_number_cell)
        else:
            columns.append((vid, vid, "wrap"))
            fillers.append(lambda value: [None if value is None else str(value)])
    seen: set[str] = set()
    for name, _, _ in columns:
        if name in seen:
            raise ValidationError(
                f"Two export columns would both be called {name!r}.",
                "Rename a variable or code id so that '<variable>__<code>' names stay unique.",
            )
        seen.add(name)
    return WideLayout(columns, fillers, list(codebook.variables))


_is_na = is_missing  # the one rule: coding.missing (a list is a selection, never missing)


def _number_cell(value: Any) -> list[object]:
    """A numeric variable's one cell: whole numbers below 2**53 as int, others as float."""
    if value is None:
        return [None]
    number = float(value)
    return [int(number) if number.is_integer() and abs(number) < 2**53 else number]
