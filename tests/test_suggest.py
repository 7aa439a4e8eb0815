"""Tests of corpus.suggest: keyword suggestions and their evaluation."""

from __future__ import annotations

import math

import pytest

from corpus.suggest import CodeScore, Suggestion, evaluate_keywords, suggest_codes, suggested_codes
from corpus.text import Token, tokenize
from dazi.errors import ValidationError


def _spans(text: str, keyword: str) -> list[tuple[int, int]]:
    found = suggest_codes(text, {"v": {"c": [keyword]}})
    return list(found[0].spans) if found else []


@pytest.mark.parametrize(
    "text, keyword, expected",
    [
        # Chinese: substring with token awareness
        pytest.param("周末找饭搭子", "搭子", [(4, 6)], id="inside one word"),
        pytest.param("周末想找搭子", "找搭子", [(3, 6)], id="across whole words"),
        pytest.param("同学习惯很好", "学习", [], id="never across a cut word"),
        pytest.param("饭搭子和饭搭子", "饭搭子", [(0, 3), (4, 7)], id="every occurrence"),
        pytest.param("我的旅行搭子", "旅行 搭子", [(2, 6)], id="spaced chinese keyword"),
        pytest.param("我是I人", "i人", [(2, 4)], id="mixed keyword any case"),
        # English: whole words
        pytest.param("Going to the GYM later", "gym", [(13, 16)], id="english any case"),
        pytest.param("I love gymnastics", "gym", [], id="english not inside a word"),
        pytest.param("下班去gym撸铁", "gym", [(3, 6)], id="english beside han"),
        pytest.param("周末City  Walk吗", "city walk", [(2, 12)], id="multi-word any spacing"),
        pytest.param("citywalk", "city walk", [], id="multi-word needs a space"),
        # places where nothing matches
        pytest.param("看 https://gym.example.com/饭搭子", "gym", [], id="not in a url"),
        pytest.param("谢谢@饭搭子小王", "饭搭子", [], id="not in a mention"),
        pytest.param("笑死[学习R]", "学习", [], id="not in a sticker"),
        pytest.param("#学习搭子[话题]#", "学习", [(1, 3)], id="hashtag name counts"),
        pytest.param("#学习搭子[话题]#", "话题", [], id="hashtag decoration does not"),
    ],
)
def test_keyword_matching(text, keyword, expected):
    assert _spans(text, keyword) == expected


def test_suggestions_in_codebook_order_with_all_spans():
    book = {
        "kind": {"meal": ["饭搭子", "约饭", "dinner"], "study": ["学习搭子", "study buddy"]},
        "seeking": {"yes": ["找搭子", "蹲"]},
    }
    text = "蹲一个饭搭子！也想找学习搭子，study buddy welcome"
    got = suggest_codes(text, book)
    assert got == [
        Suggestion("kind", "meal", "饭搭子", ((3, 6),)),
        Suggestion("kind", "study", "学习搭子", ((10, 14),)),
        Suggestion("kind", "study", "study buddy", ((15, 26),)),
        Suggestion("seeking", "yes", "蹲", ((0, 1),)),
    ]
    assert suggested_codes(got) == {("kind", "meal"), ("kind", "study"), ("seeking", "yes")}


def test_tokens_give_the_same_suggestions():
    text = "周末找饭搭子 #饭搭子[话题]#"
    book = {"v": {"meal": ["饭搭子"]}}
    assert suggest_codes(tokenize(text), book) == suggest_codes(text, book)


def test_tokens_with_gaps_are_refused():
    tokens = [Token("饭搭子", "word", "zh", 0, 3), Token("来", "word", "zh", 4, 5)]
    with pytest.raises(ValueError, match="do not cover"):
        suggest_codes(tokens, {"v": {"c": ["来"]}})


def test_duplicate_keywords_after_folding_count_once():
    got = suggest_codes("GYM time", {"v": {"c": ["gym", "Gym", " GYM "]}})
    assert [s.keyword for s in got] == ["gym"]


@pytest.mark.parametrize(
    "book, message",
    [
        pytest.param(
            {"kind": {"meal": ["  "]}}, "variable 'kind', code 'meal' is blank", id="blank keyword"
        ),
        pytest.param({"kind": {"meal": [3]}}, "is not text", id="number keyword"),
        pytest.param({"kind": {"meal": "饭搭子"}}, "must be a list", id="string instead of list"),
    ],
)
def test_bad_keywords_name_variable_and_code(book, message):
    with pytest.raises(ValidationError, match=message) as info:
        suggest_codes("饭搭子", book)
    assert info.value.hint


# ---------------------------------------------------------------------------
# evaluate_keywords
# ---------------------------------------------------------------------------


def test_evaluate_keywords_hand_computed():
    """Five coded posts, two codes; counts worked out by hand.

    post  suggested        actual           meal        study
    p1    {meal}           {meal}           TP          -
    p2    {meal, study}    {study}          FP          TP
    p3    {}               {meal}           FN          -
    p4    {study}          {}               -           FP
    p5    (absent)         {meal, study}    FN          FN
    p9    {meal}           (not coded)      ignored

    meal:  TP 1, FP 1, FN 2 -> P 1/2, R 1/3, F1 2*1/(2+1+2) = 0.4, support 3
    study: TP 1, FP 1, FN 1 -> P 1/2, R 1/2, F1 2/(2+1+1) = 0.5, support 2
    micro: TP 2, FP 2, FN 3 -> P 2/4, R 2/5, F1 4/(4+2+3) = 4/9
    """
    suggested = {
        "p1": {"meal"},
        "p2": {"meal", "study"},
        "p3": set(),
        "p4": {"study"},
        "p9": {"meal"},
    }
    actual = {"p1": {"meal"}, "p2": {"study"}, "p3": {"meal"}, "p4": set(), "p5": {"meal", "study"}}
    ev = evaluate_keywords(suggested, actual)
    assert ev.scores["meal"] == CodeScore(
        "meal", 0.5, pytest.approx(1 / 3), pytest.approx(0.4), 3, 2, 1, 1, 2
    )
    assert ev.scores["study"] == CodeScore("study", 0.5, 0.5, 0.5, 2, 2, 1, 1, 1)
    assert (ev.micro.tp, ev.micro.fp, ev.micro.fn) == (2, 2, 3)
    assert ev.micro.f1 == pytest.approx(4 / 9)
    assert ev.n_posts == 5
    assert ev.ignored_posts == ("p9",)
    assert list(ev.scores) == ["meal", "study"]


def test_undefined_scores_are_nan_not_zero():
    ev = evaluate_keywords({"p1": set()}, {"p1": {"meal"}, "p2": set()}, codes=["never", "meal"])
    never, meal = ev.scores["never"], ev.scores["meal"]
    assert list(ev.scores) == ["never", "meal"]
    assert never.support == 0 and math.isnan(never.precision) and math.isnan(never.recall)
    assert math.isnan(never.f1)
    # used by coders but never suggested: precision undefined, recall and F1 zero
    assert math.isnan(meal.precision) and meal.recall == 0.0 and meal.f1 == 0.0


def test_codes_may_be_variable_code_pairs():
    ev = evaluate_keywords({"p1": {("kind", "meal")}}, {"p1": {("kind", "meal"), ("seek", "yes")}})
    assert ev.scores[("kind", "meal")].tp == 1
    assert ev.scores[("seek", "yes")].fn == 1


@pytest.mark.parametrize(
    "suggested, actual",
    [
        pytest.param({1: {"meal"}}, {"1": {"meal"}}, id="int id in suggested"),
        pytest.param({}, {1.0: {"meal"}}, id="float id in actual"),
    ],
)
def test_post_ids_must_be_strings(suggested, actual):
    with pytest.raises(ValidationError, match="not a string"):
        evaluate_keywords(suggested, actual)
