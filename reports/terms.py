"""Terms sheets: the words and hashtags that go with each code, for the Excel export.

``dazi export out.xlsx`` with ``terms=["interest_category"]`` (or a table
spec ``terms interest_category`` in ``--tables``) adds one sheet per
variable.  For each code, side by side, rank by rank:

- its top terms (most frequent words and hashtags in the posts given that
  code, with the number of occurrences and of posts containing the term),
  :func:`corpus.terms.top_terms`;
- its distinctive terms: the weighted log-odds ratio with an informative
  Dirichlet prior of the code's posts against all other coded posts
  (Monroe, Colaresi & Quinn 2008), with counts inside and outside the code,
  the log-odds and its z-score, :func:`corpus.terms.distinctive_terms`.

Both come from the core API :func:`corpus.code_terms.code_terms` (final
dataset by default, cached tokens); this module only lays them out, with the
definitions in a note above the table.
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass
from typing import Any

import pandas as pd

from coding.adjudication import iter_final_values
from coding.codebook import Variable
from coding.codebook_store import current_codebook
from dazi.db import Database
from dazi.projects import Project
from reports.data import describe_source
from reports.xlsx import Column, StreamingWorkbook

__all__ = ["TERMS_COLUMNS", "TermsTable", "terms_table", "write_terms_sheet"]

#: Columns of a terms sheet (see :class:`TermsTable`).
TERMS_COLUMNS: tuple[str, ...] = ("code", "code_label", "posts", "rank", "top_term", "count", "posts_with_term",
                                  "distinctive_term", "count_in", "count_out", "log_odds", "z")
_KINDS = {"code": "text", "code_label": "text", "top_term": "text", "distinctive_term": "text",
          "log_odds": "decimal", "z": "decimal"}


@dataclass(frozen=True)
class TermsTable:
    """The terms of each code of one variable, laid out for a sheet.

    Attributes
    ----------
    variable : Variable
    frame : pandas.DataFrame
        Columns :data:`TERMS_COLUMNS`: per code (codebook order) and rank,
        the top term with ``count`` (occurrences in the code's posts) and
        ``posts_with_term``, and the distinctive term of that rank (by z,
        descending) with ``count_in``, ``count_out``, ``log_odds`` and ``z``.
        ``posts`` is the number of coded posts with that code.
    n_posts : int
        Coded posts with a value of the variable (the corpus compared).
    source : str
    n, min_count : int
        Terms per code; minimum corpus count of a distinctive term.
    lang : str
    """

    variable: Variable
    frame: pd.DataFrame
    n_posts: int
    source: str
    n: int
    min_count: int
    lang: str

    def title(self) -> str:
        label = self.variable.display(self.lang)
        if self.lang.startswith("zh"):
            return f"各编码的高频词与区分词：{label}（{self.variable.id}）"
        return f"Terms by code: {label} ({self.variable.id})"

    def note(self) -> str:
        """Where the numbers come from and what they mean (written above the table)."""
        return (f"{describe_source(self.source, 'en')} {self.n_posts:,} coded posts with a value of "
                f"{self.variable.id}; posts = posts with that code (a multi-select post counts for each of its "
                f"codes). Top terms: the {self.n} most frequent words and hashtags in the code's posts (count: "
                "occurrences; posts_with_term: posts containing it). Distinctive terms: weighted log-odds ratio "
                "with an informative Dirichlet prior (Monroe, Colaresi & Quinn 2008, prior = corpus counts) of "
                "the code's posts against all other coded posts; log_odds > 0 and z > 1.96 mean the code uses the "
                f"term clearly more than the rest; terms seen fewer than {self.min_count} times are left out. "
                "Stop words, punctuation, stickers and emoji are not counted.")


def terms_table(db: Database, project: Project, variable: str, *, n: int = 20, min_count: int = 2,
                source: str = "final", lang: str = "zh") -> TermsTable:
    """Top and distinctive terms of each code of ``variable`` (see the module docstring).

    Raises
    ------
    NotFound
        No codebook or no such variable.
    ValidationError
        A variable not coded from a list of codes, or nothing coded yet.
    """
    # imported here: corpus.code_terms loads spaCy and jieba, which only a terms sheet needs
    from corpus.code_terms import code_terms

    var = current_codebook(db, project).codebook.variable(variable)
    top = code_terms(db, project, var.id, n=n, distinctive=False, source=source)
    distinctive = code_terms(db, project, var.id, n=n, distinctive=True, source=source, min_count=min_count)
    posts: Counter = Counter()
    n_posts = 0
    for row in iter_final_values(db, project, source=source):
        value = row.values.get(var.id)
        if value is None:
            continue
        n_posts += 1
        posts.update(set(value) if isinstance(value, list) else {value})
    seen = set(top["code"]) | set(distinctive["code"]) | set(posts)
    codes = [c.id for c in var.all_codes() if c.id in seen] + sorted(c for c in seen if not var.has_code(c))
    rows = []
    for code in codes:
        label = var.code(code).display(lang) if var.has_code(code) else code
        tops = top[top["code"] == code].reset_index(drop=True)
        dist = distinctive[distinctive["code"] == code].reset_index(drop=True)
        for i in range(max(len(tops), len(dist), 1)):
            t = tops.iloc[i] if i < len(tops) else None
            d = dist.iloc[i] if i < len(dist) else None
            rows.append((code, label, posts.get(code, 0), i + 1,
                         None if t is None else str(t["term"]), None if t is None else int(t["count"]),
                         None if t is None else int(t["doc_freq"]),
                         None if d is None else str(d["term"]), None if d is None else int(d["count_in"]),
                         None if d is None else int(d["count_out"]),
                         None if d is None or pd.isna(d["log_odds"]) else float(d["log_odds"]),
                         None if d is None or pd.isna(d["z"]) else float(d["z"])))
    frame = pd.DataFrame(rows, columns=list(TERMS_COLUMNS))
    return TermsTable(var, frame, n_posts, source, n, min_count, lang)


def write_terms_sheet(book: StreamingWorkbook, table: TermsTable, name: str) -> None:
    """A terms sheet: title, the definitions in a note row, then the table (frozen header and code columns)."""
    columns = [Column(f"c{i}", _KINDS.get(c, "auto")) for i, c in enumerate(TERMS_COLUMNS)]
    with book.sheet(name, columns, header=False, freeze=(4, 2), autofilter=False) as sheet:
        sheet.write_row([table.title()], style="title")
        sheet.write_row([table.note()], style="note")
        sheet.write_row([])
        sheet.write_row(list(TERMS_COLUMNS), style="header")
        for row in table.frame.itertuples(index=False, name=None):
            # a code with fewer top than distinctive terms (or the reverse) leaves the other side empty, not "nan"
            sheet.write_row([None if _missing(value) else value for value in row])
        if table.frame.empty:
            sheet.write_row(["No coded post has a value of this variable yet."], style="note")


def _missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))
