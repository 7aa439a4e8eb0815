"""Text by code: the words that characterise each code, and how well the
codebook's keywords alone would have coded the posts.

Both read the final dataset (consensus where double-coded, adjudicated where
resolved; :func:`coding.adjudication.final_dataset`) and the cached tokens
of each post (:func:`corpus.search.post_tokens`), so nothing is re-tokenised
once the search index exists.
"""

from __future__ import annotations

import math

import pandas as pd

from coding.adjudication import final_dataset
from coding.codebook_store import current_codebook
from corpus.search import post_tokens
from corpus.store import get_posts_by_pk
from corpus.suggest import evaluate_keywords, suggest_codes, suggested_codes
from corpus.terms import distinctive_terms, top_terms
from corpus.text import tokenizer
from dazi.db import Database
from dazi.errors import ValidationError
from dazi.projects import Project

__all__ = ["code_terms", "keyword_evaluation", "codebook_keywords"]


def codebook_keywords(codebook, variables=None) -> dict[str, dict[str, list[str]]]:
    """``{variable: {code: [keywords]}}`` of the active codes that have keywords."""
    out: dict[str, dict[str, list[str]]] = {}
    for variable in codebook.variables:
        if variables and variable.id not in variables:
            continue
        if not variable.is_choice:
            continue
        codes = {c.id: list(c.keywords) for c in variable.active_codes() if c.keywords}
        if codes:
            out[variable.id] = codes
    return out


def _coded(db: Database, project: Project, variable_id: str, source: str):
    codebook = current_codebook(db, project).codebook
    variable = codebook.variable(variable_id)
    if not variable.is_choice:
        raise ValidationError(f"{variable_id} is not coded from a list of codes", "Pick a single, multi or ordinal variable.")
    final = final_dataset(db, project, source=source)
    if final.empty:
        raise ValidationError("No post has been coded yet.", "Code some posts first (dazi coding-sheet or the app).")
    posts = get_posts_by_pk(db, project, [int(pk) for pk in final["post_pk"]])
    docs, labels, ids = [], [], []
    for pk, post_id, value in zip(final["post_pk"], final["post_id"], final[variable_id]):
        if value is None or (isinstance(value, float) and math.isnan(value)):
            continue
        post = posts[int(pk)]
        docs.append(f"{post['title']}\n{post['text']}" if post.get("title") else post["text"])
        labels.append(list(value) if isinstance(value, list) else value)
        ids.append(str(post_id))
    return codebook, variable, docs, labels, ids


def code_terms(
    db: Database,
    project: Project,
    variable: str,
    *,
    n: int = 20,
    distinctive: bool = True,
    source: str = "final",
    min_count: int = 2,
) -> pd.DataFrame:
    """Top or distinctive terms (and hashtags) of each code of ``variable``.

    With ``distinctive`` the weighted log-odds ratio with an informative
    Dirichlet prior (Monroe, Colaresi & Quinn 2008) of each code against the
    other coded posts; otherwise plain frequencies.  Stop words, punctuation,
    stickers and emoji are left out (:func:`corpus.text.words` rules).
    """
    _, var, docs, labels, _ = _coded(db, project, variable, source)
    pipe = tokenizer()
    tokens = post_tokens(db, docs)
    words = [pipe.words(toks) for toks in tokens]
    if distinctive:
        frame = distinctive_terms(words, labels, min_count=min_count, n=None)
        # a term no post of the code uses does not characterise it (z <= 0)
        frame = frame[frame["count_in"] > 0].groupby("label", sort=False).head(n)
        frame = frame.reset_index(drop=True)
    else:
        frame = top_terms(words, labels, n=n)
    names = {c.id: c.display("zh") for c in var.all_codes()}
    frame.insert(1, "code_label", frame["label"].map(lambda c: names.get(c, c)))
    return frame.rename(columns={"label": "code"})


def keyword_evaluation(db: Database, project: Project, variable: str, *, source: str = "final"):
    """Precision, recall and F1 of the codebook's keywords against the final codes.

    Returns :class:`corpus.suggest.KeywordEvaluation`: how good keyword
    suggestions alone would have been, code by code.
    """
    codebook, var, docs, labels, ids = _coded(db, project, variable, source)
    keywords = codebook_keywords(codebook, [variable])
    if not keywords:
        raise ValidationError(f"No code of {variable} has keywords.", "Add keywords to the codebook's codes.")
    tokens = post_tokens(db, docs)
    suggested = {}
    for post_id, _doc, toks in zip(ids, docs, tokens):
        found = suggested_codes(suggest_codes(toks, keywords))
        suggested[post_id] = {code for v, code in found if v == variable}
    actual = {post_id: set(label) if isinstance(label, list) else {label} for post_id, label in zip(ids, labels)}
    return evaluate_keywords(suggested, actual, codes=[c.id for c in var.active_codes()])
