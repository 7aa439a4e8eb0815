"""Showing untrusted text: render_marked (HTML) and md_escape (Markdown labels) in ui/text.py."""

from __future__ import annotations

import html
import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ui.post_card import comments_label, count_text
from ui.text import Mark, md_escape, md_lines, render_marked

TAG = re.compile(r"<[^>]*>")


def _plain(rendered: str) -> str:
    """What a browser shows: tags dropped, entities decoded."""
    return html.unescape(TAG.sub("", rendered))


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("<script>alert(1)</script>", id="script tag"),
        pytest.param('<img src=x onerror="alert(2)">', id="img onerror"),
        pytest.param("**bold** [link](http://x) `code` # heading", id="markdown"),
        pytest.param("&lt;already escaped&gt; &amp;", id="entities stay literal"),
        pytest.param("a\nb\n\n  c", id="newlines and spaces"),
        pytest.param("找饭搭子🍜 #饭搭子[话题]# @小红薯", id="chinese and emoji"),
        pytest.param("", id="empty"),
    ],
)
def test_text_shows_literally(text):
    out = render_marked(text, [Mark(0, 3, "keyword", note='"><script>x</script>')])
    assert _plain(out) == text
    assert "<script" not in out and "<img" not in out
    assert not TAG.sub("", out).count("<")


def test_marks_may_overlap_and_carry_every_kind():
    text = "#饭搭子[话题]# 找饭搭子"
    out = render_marked(text, [Mark(0, 10, "hashtag"), Mark(1, 4, "keyword", "suggests Kind: Meal"),
                               Mark(13, 16, "keyword", "suggests Kind: Meal")])
    assert out.count("<mark") == 4  # "#", "饭搭子" (both kinds), "[话题]#", and the second keyword
    assert '<mark class="dz-hashtag dz-keyword"' in out and 'title="suggests Kind: Meal"' in out
    assert _plain(out) == text


@pytest.mark.parametrize(
    "marks",
    [
        pytest.param([Mark(5, 99, "mention")], id="past the end is clipped"),
        pytest.param([Mark(3, 3, "keyword")], id="empty span ignored"),
        pytest.param([Mark(-2, 1, "keyword")], id="negative start ignored"),
        pytest.param([Mark(0, 2, "unknown")], id="unknown kind unstyled"),
    ],
)
def test_odd_marks_never_change_the_text(marks):
    assert _plain(render_marked("hello world", marks)) == "hello world"


@given(st.text(max_size=60), st.lists(st.tuples(st.integers(0, 70), st.integers(0, 70),
                                                st.sampled_from(["hashtag", "mention", "keyword"])), max_size=5))
def test_any_text_with_any_marks_round_trips(text, spans):
    marks = [Mark(a, b, kind, note=text[:5]) for a, b, kind in spans]
    out = render_marked(text, marks)
    assert _plain(out) == text
    assert all(tag.startswith(("<mark ", "</mark>")) for tag in TAG.findall(out))


@pytest.mark.parametrize(
    "label, expected",
    [
        pytest.param("**bold**", r"\*\*bold\*\*", id="emphasis"),
        pytest.param("[x](http://y)", r"\[x\]\(http\:\/\/y\)", id="link"),
        pytest.param(":red[alarm] $x$", r"\:red\[alarm\] \$x\$", id="streamlit directives and maths"),
        pytest.param("<b>hi</b>", r"\<b\>hi\<\/b\>", id="html"),
        pytest.param("a\n\nb  c", "a b c", id="one line"),
        pytest.param("饭搭子 Meal 🍜", "饭搭子 Meal 🍜", id="plain text unchanged"),
    ],
)
def test_md_escape(label, expected):
    assert md_escape(label) == expected


def test_md_lines_keeps_line_breaks_and_indents():
    assert md_lines("A\n  *b*\n\nc") == "A  \n\u00a0\u00a0\u00a0\u00a0\\*b\\*  \n\u200b  \nc"


@pytest.mark.parametrize(
    "post, expected",
    [
        pytest.param({"likes": 12000, "counts_approximate": True, "counts_raw": {"likes": "1.2万"}}, "≈12,000 (1.2万)",
                     id="approximate from text"),
        pytest.param({"likes": 1234, "counts_approximate": False, "counts_raw": {"likes": "1234"}}, "1,234", id="exact"),
        pytest.param({"likes": 71, "counts_approximate": True, "counts_raw": {"likes": "71"}}, "71",
                     id="another count was approximate"),
        pytest.param({"likes": None}, "–", id="missing"),
    ],
)
def test_count_text(post, expected):
    assert count_text(post, "likes") == expected


def test_post_cards_are_kept_per_post_and_codebook(monkeypatch):
    """The card of a post is made once while its fields and the codebook stay the same."""
    from codebooks import shipped_path
    from coding.codebook import load_codebook
    from ui import post_card as common

    made = []
    card = common._card
    monkeypatch.setattr(common, "_card", lambda *args: made.append(args) or card(*args))
    book = load_codebook(shipped_path("cloud_companion"))
    post = {"pk": 7, "post_id": "abc", "platform": "xiaohongshu", "title": "找饭搭子", "text": "周末约饭 #饭搭子#",
            "likes": 12000, "counts_raw": {"likes": "1.2万"}, "counts_approximate": True}
    first = common.post_card(post, book, "en")
    assert common.post_card(post, book, "en") == first and len(made) == 1
    assert "≈12,000 (1.2万)" in first[0] and first[1]  # (the keyword 约饭 suggests a code)
    edited = common.post_card({**post, "text": "another text"}, book, "en")
    assert "another text" in edited[0] and "周末约饭" not in edited[0] and len(made) == 2
    other_book = load_codebook(shipped_path("cloud_companion"))  # an equal codebook, another object
    assert common.post_card(post, other_book, "en")[0] == first[0] and len(made) == 3


def test_settle_freezes_what_is_loaded_once():
    """After settle() a full garbage collection skips what was loaded (see ui.store.settle)."""
    import gc

    from ui import store as common

    common._SETTLED.discard("test")
    before = gc.get_freeze_count()
    common.settle("test")
    assert gc.get_freeze_count() > before
    frozen = gc.get_freeze_count()
    common.settle("test")  # once per stage
    assert gc.get_freeze_count() == frozen
    gc.unfreeze()  # (the test process is no server)


@pytest.mark.parametrize(
    "alpha, verdict, colour",
    [
        pytest.param(0.80, "rely", "#c7f0d2", id=".800 and above: rely (green)"),
        pytest.param(0.7999, "tentative", "#fff1b8", id="just below .800: tentative (yellow)"),
        pytest.param(0.667, "tentative", "#fff1b8", id=".667: tentative"),
        pytest.param(0.6669, "do not rely", "#ffd0d0", id="below .667: do not rely (red)"),
        pytest.param(None, "undefined", "#eaeef2", id="undefined (grey)"),
        pytest.param(float("nan"), "undefined", "#eaeef2", id="NaN is undefined"),
    ],
)
def test_alpha_is_judged_against_krippendorffs_minimums(alpha, verdict, colour):
    """Krippendorff (2004, p. 241): rely on variables with alpha >= .800, tentative conclusions from .667."""
    from ui.reliability_table import alpha_colour
    from ui.reliability_table import verdict as judge

    assert judge(alpha) == verdict and colour in alpha_colour(alpha)


def test_keywords_left_out_before_matching_change_no_suggestion():
    """ui.post_card only passes the keywords whose first word occurs in the post: the suggestions
    for every demo post are those of the whole codebook's keywords."""
    import json
    from pathlib import Path

    from codebooks import shipped_path
    from coding.codebook import load_codebook
    from corpus.suggest import suggest_codes
    from corpus.text import tokenizer
    from ui import post_card as common

    book = load_codebook(shipped_path("cloud_companion"))
    every = {v.id: {c.id: list(c.keywords) for c in v.codable_codes() if c.keywords} for v in book.variables
             if v.is_choice}
    demo = Path(__file__).resolve().parent.parent / "corpus" / "data" / "demo_xhs_notes.jsonl"
    texts = [json.loads(line)["desc"] for line in demo.read_text(encoding="utf-8").splitlines()[:150]]
    texts += ["Looking for a GYM buddy 健身搭子", "同学习惯好", "旅 行搭子", ""]
    pipe = tokenizer()
    found = 0
    for text in texts:
        tokens = pipe.tokenize(text)
        expected = suggest_codes(tokens, every)
        assert suggest_codes(tokens, common._keywords(book, text)) == expected, text
        found += len(expected)
    assert found > 50


def test_comment_counts_read_as_english():
    assert comments_label(1) == "1 comment 评论" and comments_label(12) == "12 comments 评论"
