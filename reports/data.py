"""The data every report is built from: coded posts and the flat posts table.

Two shapes, both read from the core (``coding.adjudication.final_dataset``,
``corpus.store``) and nothing else:

:class:`CodedPosts`
    One row per coded post with its engagement counts, posting time and the
    coded value of every variable (normalised: a code id, a list of code ids
    for multi-select, a number, text or ``None``), plus the codebook and a
    statement of where the values come from (the final dataset or one
    coder).  Summary tables (:mod:`reports.tables`) are pure functions of
    it, so they can be tested on a hand-made frame.
:class:`PostsTable`
    The export layout: one row per post, the canonical post fields, then one
    or more columns per variable (:func:`reports.wide.wide_layout`,
    as :func:`reports.wide.wide_codes`: code id and label; one 0/1
    column per code of a multi-select variable plus the joined labels), then
    the coders' memos and flags.  Its rows stream: posts are read in batches
    and merged with the final values computed post by post
    (:func:`coding.adjudication.iter_final_values`), so every format is
    written in bounded memory whatever the size of the project.

Column names
------------
Variable columns are named by the variable id.  A variable whose id equals a
post field or a flag column (``lang``, ``text``, ``memos`` ...) gets the
prefix ``v_`` on all its columns (``v_lang``, ``v_lang__label``), so no
column is ever shadowed; :attr:`PostsTable.renamed` lists such renames and
the README sheet states the rule.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from coding.adjudication import (
    META_COLUMNS,
    FinalRow,
    count_final_posts,
    final_dataset,
    iter_final_values,
    retired_codes_in_use,
)
from coding.codebook import Codebook
from coding.codebook_store import current_codebook
from corpus.fields import COUNT_FIELDS, POST_FIELDS
from corpus.store import count_posts, iter_posts, posts_frame
from dazi.db import Database
from dazi.errors import NotFound, ValidationError
from dazi.projects import Project
from reports.sources import source_frame
from reports.wide import wide_layout

__all__ = [
    "CODED_POST_FIELDS",
    "EXPORT_FIELDS",
    "CodedPosts",
    "PostsTable",
    "describe_source",
    "load_coded_posts",
    "posts_table",
]

#: Canonical fields in exports (``raw`` and ``counts_raw`` stay in the database).
EXPORT_FIELDS: tuple[str, ...] = tuple(f for f in POST_FIELDS if f not in ("raw", "counts_raw"))

#: Post fields joined to the coded values in :class:`CodedPosts`.
CODED_POST_FIELDS: tuple[str, ...] = ("platform", "created_at", *COUNT_FIELDS, "engagement")

#: Column kinds of the canonical fields (see :class:`reports.xlsx.Column`; ``list`` and ``bool`` are
#: laid out by each format).
_FIELD_KINDS: dict[str, str] = {
    "post_id": "text", "platform": "text", "url": "text", "title": "text", "text": "wrap",
    "author_id": "text", "author_name": "text", "created_at": "datetime", "location": "text",
    "likes": "integer", "collects": "integer", "comments": "integer", "shares": "integer",
    "engagement": "integer", "counts_approximate": "bool", "hashtags": "list", "mentions": "list",
    "source_keywords": "list", "lang": "text", "status": "text", "crawled_at": "datetime",
}
_META_KINDS: dict[str, str] = {
    "unresolved": "text", "coders": "text", "double_coded": "bool", "memos": "wrap", "uncertain": "bool",
}
_PREFIX = "v_"
_JOIN = "; "


def describe_source(source: str, lang: str = "en") -> str:
    """One sentence saying where coded values come from (for every table and export).

    >>> describe_source("alice")
    "Coder alice's own codings (only the posts alice finished)."
    """
    if source == "final":
        if lang.startswith("zh"):
            return ("最终数据：多人编码的帖子取编码员一致的值（共识）或仲裁值，单人编码的帖子取该编码员的值；"
                    "尚未仲裁的分歧记为缺失。")
        return ("Final dataset: consensus values where two or more coders agreed, adjudicated values where "
                "they disagreed and an adjudicator decided, the single coder's value elsewhere; "
                "open disagreements count as missing.")
    if lang.startswith("zh"):
        return f"仅编码员 {source} 的编码（该编码员完成的帖子）。"
    return f"Coder {source}'s own codings (only the posts {source} finished)."


@dataclass(frozen=True)
class CodedPosts:
    """Coded posts with their counts, time and values, ready for tables.

    Attributes
    ----------
    frame : pandas.DataFrame
        One row per coded post.  Columns: ``post_pk``, ``post_id``, the
        fields of :data:`CODED_POST_FIELDS` (any missing ones are allowed
        when no table needs them), one column per variable of ``codebook``
        holding normalised values (code id; list of code ids for multi;
        number; text; ``None`` when there is no value), and optionally
        ``unresolved`` (list of variables with an open disagreement).
    codebook : Codebook
    source : str
        ``"final"`` or a coder's name (see :func:`describe_source`).
    codebook_version : int, optional
    project : str, optional
    """

    frame: pd.DataFrame
    codebook: Codebook
    source: str = "final"
    codebook_version: int | None = None
    project: str | None = None

    def __post_init__(self) -> None:
        missing = [v for v in self.codebook.variable_ids() if v not in self.frame.columns]
        if missing:
            raise ValidationError(
                f"The coded posts have no column for variable(s) {', '.join(missing)}.",
                "Build the frame with load_coded_posts() or add one column per variable of the codebook.",
            )

    @property
    def n(self) -> int:
        """Number of coded posts."""
        return len(self.frame)

    def describe(self, lang: str = "en") -> str:
        """Where the values come from, one sentence."""
        return describe_source(self.source, lang)

    def unresolved(self, variable: str) -> int:
        """Posts whose value of ``variable`` is missing because coders disagree and nobody adjudicated."""
        if "unresolved" not in self.frame.columns:
            return 0
        return int(sum(variable in (v or ()) for v in self.frame["unresolved"]))


def load_coded_posts(db: Database, project: Project, *, source: str = "final") -> CodedPosts:
    """The project's coded posts from the final dataset (or one coder's codings).

    Parameters
    ----------
    source : str
        ``"final"`` (default; see :func:`coding.adjudication.final_dataset`)
        or a coder's name.

    Raises
    ------
    NotFound
        No codebook loaded, or no coder of that name.
    """
    stored = current_codebook(db, project)
    final = final_dataset(db, project, source=source)
    posts = posts_frame(db, project, CODED_POST_FIELDS)
    frame = final.join(posts, on="post_pk")
    fields = [c for c in CODED_POST_FIELDS if c in frame.columns]
    ordered = ["post_pk", "post_id", *fields, *stored.codebook.variable_ids(),
               *(c for c in final.columns if c in META_COLUMNS)]
    return CodedPosts(frame[ordered].reset_index(drop=True), stored.codebook, source, stored.version, project.name)


@dataclass
class PostsTable:
    """One row per post in export layout; see the module docstring.

    Attributes
    ----------
    columns : list of str
        Column names in order.
    kinds : dict
        Column name to kind: ``text``, ``wrap`` (long text), ``datetime``,
        ``integer``, ``number``, ``flag`` (0/1 code column), ``bool``, ``list``.
    variables : dict
        Column name to the variable id it belongs to (code columns only).
    codebook : Codebook or None
        ``None`` when the project has no codebook (posts only).
    codebook_version : int or None
    source : str
    n_posts, n_coded : int
        Posts in the table, posts with at least one finished coding.
    renamed : dict
        Variable ids that clash with another column, to their new names.
    lang : str
        Language of the labels.
    """

    columns: list[str]
    kinds: dict[str, str]
    variables: dict[str, str]
    codebook: Codebook | None
    codebook_version: int | None
    source: str
    n_posts: int
    n_coded: int
    renamed: dict[str, str]
    lang: str
    _rows: Callable[[], Iterator[list[Any]]] = field(repr=False)

    def rows(self) -> Iterator[list[Any]]:
        """The rows (lists in column order), streamed; callable again for another pass."""
        return self._rows()


def _prefixed(variable_id: str, taken: set[str]) -> str:
    name = _PREFIX + variable_id
    while name in taken:
        name = _PREFIX + name
    return name


def posts_table(db: Database, project: Project, *, source: str = "final", lang: str = "zh",
                with_codes: bool = True, batch_size: int = 2000, dummies: bool = False,
                with_model: str | None = None) -> PostsTable:
    """Every post of the project in export layout, with its coded values.

    Parameters
    ----------
    source : str
        ``"final"`` or a coder's name (see :func:`load_coded_posts`).
    lang : str
        Language of code labels (``zh`` or ``en``).
    with_codes : bool
        ``False``: the canonical fields only.
    dummies : bool
        Single-choice variables also get one 0/1 column per code
        (:func:`reports.wide.wide_layout`).
    with_model : str, optional
        A machine coder's name: posts without a human final value get the
        model's codes (:func:`coding.machine.code.code_posts`), and every
        variable gets a ``<variable>__source`` column right after its own
        columns saying where each value comes from: ``final`` (adjudicated),
        ``agreed`` (the coders' consensus or a single coder's value) or
        ``machine`` (:func:`reports.sources.source_frame`), so machine codes
        are never mistaken for human ones.  Only with ``source="final"``.

    Notes
    -----
    Nothing is held for the whole project: :meth:`PostsTable.rows` merges
    the posts, read in batches of ``batch_size`` (:func:`corpus.store.iter_posts`),
    with the final values streamed in the same key order
    (:func:`coding.adjudication.iter_final_values`), so memory stays bounded
    whatever the number of posts.  Multi-select codes that are no longer
    codable get a column when any coding or adjudication holds them.
    """
    codebook = None
    version = None
    if with_codes:
        try:
            stored = current_codebook(db, project)
        except NotFound:
            stored = None
        if stored is not None:
            codebook, version = stored.codebook, stored.version
    columns = list(EXPORT_FIELDS)
    kinds = dict(_FIELD_KINDS)
    variables: dict[str, str] = {}
    renamed: dict[str, str] = {}
    layout = None
    n_coded = 0
    if codebook is not None:
        iter_final_values(db, project, source=source)  # checks the source and the variable ids now
        layout = wide_layout(codebook, lang, retired_codes_in_use(db, project, codebook), dummies=dummies)
        reserved = set(EXPORT_FIELDS) | set(META_COLUMNS)
        taken = reserved | {name for name, _, _ in layout.columns}
        for variable in codebook.variables:
            if variable.id in reserved:
                renamed[variable.id] = _prefixed(variable.id, taken)
                taken.add(renamed[variable.id])
        for name, vid, kind in layout.columns:
            out = name
            if vid in renamed:
                rest = name.partition("__")[2]
                out = renamed[vid] + (f"__{rest}" if rest else "")
            columns.append(out)
            variables[out] = vid
            kinds[out] = kind
        for name in META_COLUMNS:
            columns.append(name)
            kinds[name] = _META_KINDS[name]
        n_coded = count_final_posts(db, project, source=source)
    sources = _model_sources(db, project, with_model, source, codebook) if with_model else None
    if sources is not None and layout is not None:
        columns, kinds, variables = _source_columns(columns, kinds, variables, codebook, renamed)
    width = len(columns) - len(EXPORT_FIELDS)
    blank = [None] * width
    n_posts = count_posts(db, project)

    def meta(row: FinalRow) -> list[Any]:
        return [_JOIN.join(row.unresolved), _JOIN.join(row.coders), row.double_coded, row.memos, row.uncertain]

    def rows() -> Iterator[list[Any]]:
        finals = iter_final_values(db, project, source=source) if layout is not None else iter(())
        pending = next(finals, None)
        for post in iter_posts(db, project, batch_size=batch_size):
            row = [post.get(f) for f in EXPORT_FIELDS]
            pk = post["pk"]
            while pending is not None and pending.post_pk < pk:
                pending = next(finals, None)  # a coded post deleted meanwhile
            if layout is not None and pending is not None and pending.post_pk == pk:
                if sources is None:
                    row += layout.cells(pending.values)
                else:
                    row += _cells_with_source(layout, pending.values, sources.human.get(pk, {}))
                row += meta(pending)
                pending = next(finals, None)
            elif layout is not None and sources is not None and pk in sources.machine:
                values = sources.machine[pk]
                row += _cells_with_source(layout, values, {v: "machine" for v, x in values.items() if x is not None})
                row += [None] * len(META_COLUMNS)
            else:
                row += blank
            yield row

    return PostsTable(columns, {c: kinds[c] for c in columns}, variables, codebook, version, source, n_posts,
                      n_coded, renamed, lang, rows)


@dataclass
class _Sources:
    human: dict[int, dict[str, str]]        # post_pk -> {variable: "final" | "agreed"}
    machine: dict[int, dict[str, Any]]      # post_pk -> the model's values (posts without a human final value)


def _model_sources(db: Database, project: Project, model: str, source: str, codebook: Codebook | None) -> _Sources:
    """Where each exported value comes from, and the model's values, from :func:`reports.sources.source_frame`."""
    if source != "final":
        raise ValidationError(f"Machine codes join the final dataset, not one coder's codings ({source!r}).",
                              "Leave out --source (or use --source final) with --with-model.")
    if codebook is None:
        raise ValidationError("Machine codes need the project's codebook, and this export has no coded values.",
                              "Leave out --no-codes, or load a codebook first (dazi codebook load ...).")
    frame = source_frame(db, project, model)
    ids = codebook.variable_ids()
    human: dict[int, dict[str, str]] = {}
    machine: dict[int, dict[str, Any]] = {}
    for record in frame.to_dict("records"):
        pk = int(record["post_pk"])
        labels = {v: record[f"{v}__source"] for v in ids if record[f"{v}__source"] is not None}
        if "machine" in labels.values():
            machine[pk] = {v: record[v] for v in ids if labels.get(v) == "machine"}
        else:
            human[pk] = labels
    return _Sources(human, machine)


def _source_columns(columns: list[str], kinds: dict[str, str], variables: dict[str, str], codebook: Codebook | None,
                    renamed: dict[str, str]) -> tuple[list[str], dict[str, str], dict[str, str]]:
    """The columns with a ``<variable>__source`` column after each variable's last column."""
    assert codebook is not None
    last = {vid: name for name, vid in variables.items()}  # insertion order: the variable's last column wins
    out: list[str] = []
    kinds = dict(kinds)
    for name in columns:
        out.append(name)
        vid = variables.get(name)
        if vid is not None and last[vid] == name:
            extra = f"{renamed.get(vid, vid)}__source"
            out.append(extra)
            kinds[extra] = "text"
    return out, kinds, variables


def _cells_with_source(layout: Any, values: dict[str, Any], labels: dict[str, str]) -> list[Any]:
    """One post's variable cells (:meth:`reports.wide.WideLayout.cells`) with each variable's source after them."""
    cells = layout.cells(values)
    vids = [vid for _name, vid, _kind in layout.columns]
    out: list[Any] = []
    for position, (cell, vid) in enumerate(zip(cells, vids, strict=True)):
        out.append(cell)
        if position + 1 == len(vids) or vids[position + 1] != vid:
            out.append(labels.get(vid))
    return out
