"""Which words and hashtags go with which codes.

After coding, researchers ask what characterises a code: its most frequent
terms (:func:`top_terms`) and the terms that set it apart from the other
posts (:func:`distinctive_terms`, the weighted log-odds ratio with an
informative Dirichlet prior of Monroe, Colaresi & Quinn 2008).

Both take one list of terms per post, as :func:`corpus.text.words` returns
them (stop words, punctuation and sticker codes already out), and one label
per post.  A label is any hashable value (a code id, or a ``(variable,
code)`` tuple); a post with several codes of a multi-select variable passes a
``list`` / ``set`` / ``frozenset`` of labels and counts for each of them
(a ``tuple`` is one label); ``None`` or an empty set means the post has no
label: it belongs to no label's "in" group but to every label's "rest".
Pass only coded posts.

Reference
---------
Monroe, B. L., Colaresi, M. P., & Quinn, K. M. (2008). Fightin' words:
Lexical feature selection and evaluation for identifying the content of
political conflict. *Political Analysis*, 16(4), 372-403.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Hashable, Sequence
from typing import Literal

import numpy as np
import pandas as pd

from dazi.errors import ValidationError

__all__ = ["distinctive_terms", "top_terms"]

Label = Hashable
LabelSpec = Label | list | set | frozenset | None


def _label_sets(labels: Sequence[LabelSpec], n_docs: int) -> tuple[list[frozenset], list[Label]]:
    if len(labels) != n_docs:
        raise ValidationError(
            f"Got {n_docs} posts but {len(labels)} labels",
            "Pass exactly one label (or one set of labels) per post, in the same order.",
        )
    sets: list[frozenset] = []
    order: dict[Label, None] = {}
    for spec in labels:
        if spec is None:
            members: frozenset = frozenset()
        elif isinstance(spec, (list, set, frozenset)):
            members = frozenset(x for x in spec if x is not None)
            for x in sorted(members, key=_sort_key):  # sets have no stable order
                order.setdefault(x, None)
        else:
            members = frozenset((spec,))
            order.setdefault(spec, None)
        sets.append(members)
    return sets, list(order)


def _sort_key(label: Label) -> tuple[str, str]:
    return type(label).__name__, str(label)


def _check_docs(docs_tokens: Sequence[Sequence[str]]) -> list[Counter]:
    counters = []
    for i, doc in enumerate(docs_tokens):
        if isinstance(doc, str):
            raise ValidationError(
                f"Post {i} is a string, not a list of terms",
                "Pass corpus.text.words(text) for each post, not the text itself.",
            )
        counters.append(Counter(doc))
    return counters


def top_terms(
    docs_tokens: Sequence[Sequence[str]],
    labels: Sequence[LabelSpec],
    n: int | None = 20,
) -> pd.DataFrame:
    """The most frequent terms of each label.

    Parameters
    ----------
    docs_tokens : sequence of sequence of str
        Terms of each post (:func:`corpus.text.words`).
    labels : sequence
        One label, or a list/set of labels, per post (see module docs).
    n : int or None
        Terms per label (``None``: all).

    Labels appear in first-seen order (within one post's set of labels,
    sorted).

    Returns
    -------
    pandas.DataFrame
        Columns ``label, rank, term, count, doc_freq``: ``count`` is the
        number of occurrences in the label's posts, ``doc_freq`` the number
        of its posts that contain the term.  Sorted by label (first-seen
        order), then count, document frequency (both descending) and term.

    Examples
    --------
    >>> top_terms([["饭搭子", "火锅", "饭搭子"], ["饭搭子"], ["学习"]], ["meal", "meal", "study"], n=2)
       label  rank term  count  doc_freq
    0   meal     1  饭搭子      3         2
    1   meal     2   火锅      1         1
    2  study     1   学习      1         1
    """
    counters = _check_docs(docs_tokens)
    sets, order = _label_sets(labels, len(counters))
    rows = []
    for label in order:
        count: Counter = Counter()
        doc_freq: Counter = Counter()
        for counter, members in zip(counters, sets, strict=True):
            if label in members:
                count.update(counter)
                doc_freq.update(counter.keys())
        ranked = sorted(count, key=lambda t: (-count[t], -doc_freq[t], t))
        if n is not None:
            ranked = ranked[:n]
        for rank, term in enumerate(ranked, 1):
            rows.append((label, rank, term, count[term], doc_freq[term]))
    return pd.DataFrame(rows, columns=["label", "rank", "term", "count", "doc_freq"]).astype(
        {"rank": "int64", "count": "int64", "doc_freq": "int64"}
    )


def distinctive_terms(
    docs_tokens: Sequence[Sequence[str]],
    labels: Sequence[LabelSpec],
    *,
    prior: Literal["corpus"] | float = "corpus",
    alpha0: float | None = None,
    min_count: int = 1,
    n: int | None = None,
) -> pd.DataFrame:
    """Terms that distinguish each label from the rest: weighted log-odds.

    For label *i* against the rest *j* (every post without label *i*) and
    term *w*, with counts :math:`y^i_w`, :math:`y^j_w`, totals :math:`n^i`,
    :math:`n^j` and Dirichlet prior :math:`\\alpha_w`,
    :math:`\\alpha_0 = \\sum_w \\alpha_w` (Monroe et al. 2008, eq. 16-22: the
    point estimate, its approximate variance and the z-score)::

        delta_w = log((y_i + a_w) / (n_i + a0 - y_i - a_w))
                - log((y_j + a_w) / (n_j + a0 - y_j - a_w))
        var(delta_w) ~= 1 / (y_i + a_w) + 1 / (y_j + a_w)
        z_w = delta_w / sqrt(var(delta_w))

    A positive z means the label uses the term more than the rest does,
    after shrinking rare terms toward the prior; |z| > 1.96 is the usual
    reading of "clearly distinctive".

    Parameters
    ----------
    docs_tokens, labels
        As for :func:`top_terms`.
    prior : "corpus" or float
        ``"corpus"`` (default): the informative prior, ``a_w = a0 * y_w / N``
        with ``y_w`` the term's count in the whole corpus and ``N`` the
        corpus size.  A number: a flat (uninformative) prior ``a_w =
        prior`` for every term, ``a0 = prior * V``.
    alpha0 : float, optional
        Prior strength for ``prior="corpus"``.  Default ``N``, so that
        ``a_w`` equals the term's corpus count (the background-counts prior
        used in most applications of the method).
    min_count : int
        Report only terms seen at least this often in the corpus (the prior
        is still computed over all terms).
    n : int or None
        Keep the ``n`` highest-z terms per label (``None``: all).

    Returns
    -------
    pandas.DataFrame
        Columns ``label, term, count_in, count_out, log_odds, z``, sorted by
        label (first-seen order), then ``z`` descending, then term.  A label
        that every post carries has no rest to compare with: its
        ``log_odds`` and ``z`` are NaN.
    """
    counters = _check_docs(docs_tokens)
    sets, order = _label_sets(labels, len(counters))
    if min_count < 1:
        raise ValueError(f"min_count must be >= 1, got {min_count}")
    total: Counter = Counter()
    for counter in counters:
        total.update(counter)
    vocab = sorted(total)
    columns = ["label", "term", "count_in", "count_out", "log_odds", "z"]
    if not vocab or not order:
        return pd.DataFrame(columns=columns)
    index = {t: k for k, t in enumerate(vocab)}
    y_all = np.array([total[t] for t in vocab], dtype=float)
    big_n = y_all.sum()
    if prior == "corpus":
        a0 = float(big_n if alpha0 is None else alpha0)
        if a0 <= 0:
            raise ValueError(f"alpha0 must be > 0, got {alpha0}")
        a_w = a0 * y_all / big_n
    elif isinstance(prior, (int, float)) and not isinstance(prior, bool) and prior > 0:
        a_w = np.full(len(vocab), float(prior))
        a0 = float(prior) * len(vocab)
    else:
        raise ValueError(f"prior must be 'corpus' or a positive number, got {prior!r}")
    keep = y_all >= min_count

    frames = []
    for label in order:
        y_i = np.zeros(len(vocab))
        in_docs = 0
        for counter, members in zip(counters, sets, strict=True):
            if label in members:
                in_docs += 1
                for term, c in counter.items():
                    y_i[index[term]] += c
        y_j = y_all - y_i
        n_i, n_j = y_i.sum(), y_j.sum()
        if in_docs == len(counters):
            delta = np.full(len(vocab), np.nan)
            z = delta.copy()
        else:
            delta = np.log((y_i + a_w) / (n_i + a0 - y_i - a_w)) - np.log(
                (y_j + a_w) / (n_j + a0 - y_j - a_w)
            )
            z = delta / np.sqrt(1.0 / (y_i + a_w) + 1.0 / (y_j + a_w))
        frame = pd.DataFrame(
            {
                "label": [label] * int(keep.sum()),
                "term": np.array(vocab, dtype=object)[keep],
                "count_in": y_i[keep].astype("int64"),
                "count_out": y_j[keep].astype("int64"),
                "log_odds": delta[keep],
                "z": z[keep],
            }
        )
        frame = frame.sort_values(["z", "term"], ascending=[False, True], kind="mergesort")
        if n is not None:
            frame = frame.head(n)
        frames.append(frame)
    return pd.concat(frames, ignore_index=True)[columns]
