"""Tests of corpus.terms: top terms and weighted log-odds (Monroe et al. 2008)."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from corpus.terms import distinctive_terms, top_terms
from dazi.errors import ValidationError

# Four posts, two codes.  Corpus counts: 饭搭子 4, 学习 2, 火锅 1, 约饭 1,
# 打卡 1; N = 9.
DOCS = [["饭搭子", "火锅", "饭搭子"], ["饭搭子", "约饭"], ["学习", "打卡"], ["学习", "饭搭子"]]
LABELS = ["A", "A", "B", "B"]


def _row(df: pd.DataFrame, label, term) -> pd.Series:
    rows = df[(df["label"] == label) & (df["term"] == term)]
    assert len(rows) == 1
    return rows.iloc[0]


# ---------------------------------------------------------------------------
# top_terms
# ---------------------------------------------------------------------------


def test_top_terms_counts_and_document_frequency():
    df = top_terms(DOCS, LABELS)
    assert list(df.columns) == ["label", "rank", "term", "count", "doc_freq"]
    a = df[df["label"] == "A"]
    # 饭搭子: 2 + 1 occurrences in 2 posts; then 火锅 and 约饭 tie on 1/1: by term
    assert list(a["term"]) == ["饭搭子", "火锅", "约饭"]
    assert list(a["count"]) == [3, 1, 1]
    assert list(a["doc_freq"]) == [2, 1, 1]
    assert list(a["rank"]) == [1, 2, 3]
    b = df[df["label"] == "B"]
    assert list(zip(b["term"], b["count"], b["doc_freq"])) == [
        ("学习", 2, 2),
        ("打卡", 1, 1),
        ("饭搭子", 1, 1),
    ]


def test_top_terms_n_and_multi_labels():
    docs = [["a", "a", "b"], ["a", "c"], ["c"]]
    df = top_terms(docs, [{"x", "y"}, "x", None], n=1)
    assert list(zip(df["label"], df["term"], df["count"])) == [("x", "a", 3), ("y", "a", 2)]


def test_top_terms_tuple_is_one_label():
    df = top_terms([["a"]], [("kind", "meal")])
    assert df["label"].tolist() == [("kind", "meal")]


@pytest.mark.parametrize(
    "docs, labels, message",
    [
        pytest.param([["a"]], ["x", "y"], "1 posts but 2 labels", id="length mismatch"),
        pytest.param(["饭搭子 火锅"], ["x"], "is a string", id="raw text instead of terms"),
    ],
)
def test_input_errors(docs, labels, message):
    with pytest.raises(ValidationError, match=message):
        top_terms(docs, labels)
    with pytest.raises(ValidationError, match=message):
        distinctive_terms(docs, labels)


# ---------------------------------------------------------------------------
# distinctive_terms
# ---------------------------------------------------------------------------


def test_log_odds_hand_computed_informative_prior():
    """Label A against the rest (B), default prior a_w = corpus count, a0 = N = 9.

    Monroe et al. (2008) eq. 16-22:
      delta = log((y_i + a_w) / (n_i + a0 - y_i - a_w)) - log((y_j + a_w) / (n_j + a0 - y_j - a_w))
      var   = 1 / (y_i + a_w) + 1 / (y_j + a_w);  z = delta / sqrt(var)
    A: n_i = 5 (饭搭子 3, 火锅 1, 约饭 1);  rest: n_j = 4 (饭搭子 1, 学习 2, 打卡 1).
    """
    df = distinctive_terms(DOCS, LABELS)
    assert list(df.columns) == ["label", "term", "count_in", "count_out", "log_odds", "z"]

    # 饭搭子: y_i 3, y_j 1, a_w 4
    delta = math.log((3 + 4) / (5 + 9 - 3 - 4)) - math.log(
        (1 + 4) / (4 + 9 - 1 - 4)
    )  # log(7/7) - log(5/8)
    z = delta / math.sqrt(1 / (3 + 4) + 1 / (1 + 4))
    row = _row(df, "A", "饭搭子")
    assert (row["count_in"], row["count_out"]) == (3, 1)
    assert row["log_odds"] == pytest.approx(delta) == pytest.approx(0.4700036292457356)
    assert row["z"] == pytest.approx(z) == pytest.approx(0.802684, abs=1e-6)

    # 学习: y_i 0, y_j 2, a_w 2
    delta = math.log((0 + 2) / (5 + 9 - 0 - 2)) - math.log(
        (2 + 2) / (4 + 9 - 2 - 2)
    )  # log(2/12) - log(4/9)
    z = delta / math.sqrt(1 / (0 + 2) + 1 / (2 + 2))
    row = _row(df, "A", "学习")
    assert row["log_odds"] == pytest.approx(delta)
    assert row["z"] == pytest.approx(z) == pytest.approx(-1.132564, abs=1e-6)

    # within a label, sorted by z descending (ties by term)
    assert list(df[df["label"] == "A"]["term"]) == ["饭搭子", "火锅", "约饭", "打卡", "学习"]


def test_two_labels_are_mirror_images():
    df = distinctive_terms(DOCS, LABELS)
    for term in ["饭搭子", "学习", "火锅"]:
        assert _row(df, "A", term)["z"] == pytest.approx(-_row(df, "B", term)["z"])


def test_published_example_flat_prior():
    """The worked example in the README of the ``fightin_words`` package
    (``weighted_log_odds_dirichlet(doc1, doc2, prior=.05)``) reports z-scores
    +0.6894227886807968 for brown/fox/quick, 0.0 for shared words and
    -0.6894227886807968 for donkey/lazier/purple."""
    doc1 = "the quick brown fox jumps over the lazy pig".split()
    doc2 = "the lazy purple pig jumps over the lazier donkey".split()
    df = distinctive_terms([doc1, doc2], ["doc1", "doc2"], prior=0.05)
    d1 = df[df["label"] == "doc1"].set_index("term")["z"]
    for term in ["brown", "fox", "quick"]:
        assert d1[term] == pytest.approx(0.6894227886807968, rel=1e-12)
    for term in ["donkey", "lazier", "purple"]:
        assert d1[term] == pytest.approx(-0.6894227886807968, rel=1e-12)
    for term in ["the", "jumps", "over", "lazy", "pig"]:
        assert d1[term] == pytest.approx(0.0, abs=1e-12)


def test_alpha0_scales_the_prior():
    # a0 = 18: a_w = 18 * y_w / 9 = 2 * corpus count; 饭搭子 a_w = 8
    df = distinctive_terms(DOCS, LABELS, alpha0=18)
    delta = math.log((3 + 8) / (5 + 18 - 3 - 8)) - math.log((1 + 8) / (4 + 18 - 1 - 8))
    assert _row(df, "A", "饭搭子")["log_odds"] == pytest.approx(delta)


def test_min_count_filters_rows_not_the_prior():
    full = distinctive_terms(DOCS, LABELS)
    filtered = distinctive_terms(DOCS, LABELS, min_count=2)
    assert set(filtered["term"]) == {"饭搭子", "学习"}
    assert _row(filtered, "A", "饭搭子")["z"] == pytest.approx(_row(full, "A", "饭搭子")["z"])


def test_n_keeps_the_top_terms_per_label():
    df = distinctive_terms(DOCS, LABELS, n=1)
    assert list(zip(df["label"], df["term"])) == [("A", "饭搭子"), ("B", "学习")]


def test_multi_label_and_unlabelled_posts():
    # Post 3 carries A and B; post 4 has no label and sits in every rest.
    docs = [["x", "x"], ["y"], ["x", "y"], ["z"]]
    df = distinctive_terms(docs, [{"A"}, {"B"}, {"A", "B"}, None], prior=1.0)
    a_x = _row(df, "A", "x")
    assert (a_x["count_in"], a_x["count_out"]) == (3, 0)
    b_x = _row(df, "B", "x")
    assert (b_x["count_in"], b_x["count_out"]) == (1, 2)
    assert set(df["label"]) == {"A", "B"}


def test_label_on_every_post_is_undefined():
    df = distinctive_terms([["a"], ["b"]], ["A", "A"])
    assert df["z"].isna().all() and df["log_odds"].isna().all()
    assert list(df["count_in"]) == [1, 1]


@pytest.mark.parametrize(
    "kwargs",
    [
        pytest.param({"prior": "flat"}, id="unknown prior name"),
        pytest.param({"prior": 0}, id="zero prior"),
        pytest.param({"prior": True}, id="bool prior"),
        pytest.param({"alpha0": 0}, id="zero alpha0"),
        pytest.param({"min_count": 0}, id="zero min_count"),
    ],
)
def test_bad_parameters(kwargs):
    with pytest.raises(ValueError):
        distinctive_terms(DOCS, LABELS, **kwargs)


def test_empty_input():
    assert distinctive_terms([], []).empty
    assert top_terms([], []).empty
