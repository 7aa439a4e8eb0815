"""The final value of every variable for every post (:func:`final_dataset`, :func:`iter_final_values`).

The one place that turns codings into final values; the exports and the
summary tables read it, and :func:`reports.wide.wide_codes` lays it out.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass

import pandas as pd
from sqlalchemy import Connection, Text, cast, func, select

from coding.adjudication.post_codings import _Post, iter_post_codings
from coding.adjudication.records import _latest
from coding.adjudication.rules import _OPEN, _canonical, _canonicalizers, _resolve
from coding.codebook import Codebook, Value
from coding.codebook_store import current_codebook
from dazi.db import Database
from dazi.errors import NotFound, ValidationError
from dazi.projects import Project
from dazi.schema import adjudications, coders, coding_units, codings
from dazi.spelling import argument

__all__ = ["META_COLUMNS", "FinalRow", "count_final_posts", "final_dataset", "iter_final_values",
           "retired_codes_in_use"]

#: The columns of :func:`final_dataset` besides ``post_pk``, ``post_id`` and the variables.
META_COLUMNS: tuple[str, ...] = ("unresolved", "coders", "double_coded", "memos", "uncertain")

_JOIN = "; "

_PY_SOURCE = "source='final'"


@dataclass(frozen=True)
class FinalRow:
    """One row of :func:`final_dataset`, as :func:`iter_final_values` yields it."""

    post_pk: int
    post_id: str
    values: dict[str, Value]
    unresolved: list[str]
    coders: list[str]
    double_coded: bool
    memos: str
    uncertain: bool


def _check_source(conn: Connection, project: Project, source: str) -> None:
    if source == "final":
        return
    known = conn.execute(
        select(coders.c.id).where(coders.c.project_id == project.id, coders.c.name == source)
    ).first()
    if known is None:
        names = conn.execute(
            select(coders.c.name).where(coders.c.project_id == project.id).order_by(coders.c.name)
        ).scalars().all()
        raise NotFound(
            f"No coder named {source!r} in project {project.name!r}",
            f"Use {argument('source', _PY_SOURCE)} or one of: {', '.join(names)}." if names
            else "Add coders first.",
        )


def _final_records(db: Database, project: Project, source: str, yield_per: int = 5000
                   ) -> tuple[Codebook, list[str], Iterator[FinalRow]]:
    """The codebook, its variable ids and the (lazy) final rows; checks run before the first row."""
    with db.read() as conn:
        codebook = current_codebook(db, project, conn=conn).codebook
        latest = _latest(conn, project) if source == "final" else {}
        _check_source(conn, project, source)
    ids = codebook.variable_ids()
    clash = [v for v in ids if v in ("post_pk", "post_id", *META_COLUMNS)]
    if clash:
        raise ValidationError(
            f"Variable id(s) {', '.join(clash)} clash with the final dataset's own columns.",
            f"Column names reserved: post_pk, post_id, {', '.join(META_COLUMNS)}.",
        )
    canon = _canonicalizers(codebook)

    def rows() -> Iterator[FinalRow]:
        for codings_of_post in iter_post_codings(db, project, yield_per=yield_per):
            post = codings_of_post.finished()
            double = len(post.coders) >= 2
            if source == "final":
                final, status = _resolve(codebook, post, latest, canon)
                names = list(post.coders)
                unresolved = [v for v in ids if status[v] == _OPEN]
            else:
                if source not in post.coders:
                    continue
                alone = _Post(post.post_pk, post.post_id, post.platform, {source: post.coders[source]})
                final, _ = _resolve(codebook, alone, {}, canon)
                names = [source]
                unresolved = []
            memos = _JOIN.join(f"{n}: {memo}" for n in names
                               if (memo := (post.coders[n][1] or "").strip()))
            uncertain = any(post.coders[n][2] for n in names)
            yield FinalRow(post.post_pk, post.post_id, final, unresolved, names, double, memos, uncertain)

    return codebook, ids, rows()


def iter_final_values(db: Database, project: Project, *, source: str = "final",
                      yield_per: int = 5000) -> Iterator[FinalRow]:
    """The rows of :func:`final_dataset`, one post at a time in ``post_pk`` order, in bounded memory.

    The same rules and values as :func:`final_dataset` (which is built from
    it), streamed from :func:`iter_post_codings`, so an export of any size
    never holds more than one post's codings.  The checks (unknown coder,
    clashing variable ids, no codebook) run when this is called, before the
    first row.

    Yields
    ------
    FinalRow
        ``values`` holds every variable of the current codebook.
    """
    return _final_records(db, project, source, yield_per)[2]


def count_final_posts(db: Database, project: Project, *, source: str = "final") -> int:
    """How many rows :func:`final_dataset` has (posts with a finished coding), by one count in the database."""
    query = (select(func.count(func.distinct(coding_units.c.post_pk)))
             .where(coding_units.c.project_id == project.id, coding_units.c.done.is_(True)))
    if source != "final":
        query = query.join(coders, coders.c.id == coding_units.c.coder_id).where(coders.c.name == source)
    with db.read() as conn:
        return int(conn.execute(query).scalar() or 0)


def final_dataset(db: Database, project: Project, *, source: str = "final") -> pd.DataFrame:
    """The final coded value of every variable for every post with a finished coding.

    Parameters
    ----------
    source : str
        ``"final"`` (default): the final values by the rules in this module's
        docstring (latest adjudication; else the value all coders of the post
        agree on, which for a single-coded post is its coder's value; else
        ``None`` and the variable listed in ``unresolved``; conditional
        variables whose condition fails under the final values are ``None``).
        A coder's name instead: that coder's own current values, for the
        posts they finished (the name ``"final"`` always means the former).

    Returns
    -------
    pandas.DataFrame
        One row per post with at least one finished (``done``) coding (for a
        coder's name: finished by that coder), ordered by ``post_pk``.
        Drafts are ignored.  Columns, in this order:

        ``post_pk`` (int64)
            Database key of the post.
        ``post_id`` (pandas ``string``)
            The platform's id, never a number.
        one column per variable of the current codebook, in codebook order (object)
            The normalised value (:func:`coding.codebook.validate_value`): a
            code id (single, ordinal), a list of code ids in codebook order
            (multi; ``[]`` means none of the codes: a finished coding that
            chose no code of a multi-choice variable counts as choosing
            none), an int or float (numeric), a str (text), or ``None``
            (missing, not applicable, or unresolved).
        ``unresolved`` (object: list of str)
            Variables with an open disagreement, in codebook order; ``[]``
            when none (always ``[]`` for a coder's name).
        ``coders`` (object: list of str)
            Names of the coders who finished the post, sorted (for a coder's
            name: that name).
        ``double_coded`` (bool)
            Two or more coders finished the post (also for a coder's name).
        ``memos`` (object: str)
            The coders' memos as ``"alice: ...; bob: ..."``, coders by name,
            empty memos left out; ``""`` when none.
        ``uncertain`` (bool)
            Any of those coders flagged the post as uncertain.

    Raises
    ------
    NotFound
        No codebook, or no coder of that name.
    ValidationError
        A variable id equals one of the fixed column names above.
    """
    codebook, ids, final_rows = _final_records(db, project, source)
    records = [[r.post_pk, r.post_id, *(r.values[v] for v in ids), r.unresolved, r.coders, r.double_coded,
                r.memos, r.uncertain] for r in final_rows]
    columns = ["post_pk", "post_id", *ids, *META_COLUMNS]
    data = {col: [r[i] for r in records] for i, col in enumerate(columns)}
    frame = pd.DataFrame({
        "post_pk": pd.Series(data["post_pk"], dtype="int64"),
        "post_id": pd.Series(data["post_id"], dtype="string"),
        **{v: pd.Series(data[v], dtype=object) for v in ids},
        "unresolved": pd.Series(data["unresolved"], dtype=object),
        "coders": pd.Series(data["coders"], dtype=object),
        "double_coded": pd.Series(data["double_coded"], dtype=bool),
        "memos": pd.Series(data["memos"], dtype=object),
        "uncertain": pd.Series(data["uncertain"], dtype=bool),
    }, columns=columns)
    return frame


def retired_codes_in_use(db: Database, project: Project, codebook: Codebook) -> dict[str, list[str]]:
    """Codes of multi-select variables held by a coding or an adjudication that are not codable now.

    Retired (or removed) codes still in the data; :func:`reports.wide.wide_layout` gives
    each a 0/1 column, so a streamed export knows its header before the
    first row.  Read as the distinct stored values (a handful of rows per
    variable), in codebook order, unknown codes last.
    """
    multi = {v.id: v for v in codebook.variables if v.type == "multi"}
    if not multi:
        return {}
    found: dict[str, list[str]] = {}
    with db.read() as conn:
        for table in (codings, adjudications):
            query = (select(table.c.variable, cast(table.c.value, Text)).distinct()
                     .where(table.c.project_id == project.id, table.c.variable.in_(sorted(multi))))
            for variable_id, text in conn.execute(query):
                variable = multi[variable_id]
                value = _canonical(variable, json.loads(text) if text is not None else None)
                codable = {c.id for c in variable.codable_codes()}
                seen = found.setdefault(variable_id, [])
                if isinstance(value, list):  # a multi-choice value is a list of code ids
                    seen.extend(c for c in value if isinstance(c, str) and c not in codable and c not in seen)
    order = {vid: {c.id: i for i, c in enumerate(v.all_codes())} for vid, v in multi.items()}
    return {vid: sorted(codes, key=lambda c: (c not in order[vid], order[vid].get(c, 0), c))
            for vid, codes in found.items() if codes}

