"""Tests of corpus.query: parsing, evaluation, KWIC, FTS5 / LIKE compilation."""

from __future__ import annotations

import re
import sqlite3

import pytest

from corpus.query import (
    And,
    Hit,
    Not,
    Or,
    Phrase,
    QuerySyntaxError,
    Regex,
    Term,
    compile_query,
    index_text,
    kwic,
    matches,
    parse_query,
    positive_leaves,
    regex_requirements,
)
from corpus.text import fold, tokenize
from dazi.errors import ValidationError

T = Term

# ---------------------------------------------------------------------------
# Parsing
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "query, tree",
    [
        pytest.param("搭子", T("搭子"), id="one term"),
        pytest.param("找搭子 AND 上海", And((T("找搭子"), T("上海"))), id="explicit and"),
        pytest.param("找搭子 上海", And((T("找搭子"), T("上海"))), id="implicit and"),
        pytest.param(
            '"旅行 搭子" OR 饭搭子',
            Or((Phrase(("旅行", "搭子")), T("饭搭子"))),
            id="phrase or term",
        ),
        pytest.param("“旅行 搭子”", Phrase(("旅行", "搭子")), id="chinese quotes"),
        pytest.param('"饭搭子"', T("饭搭子"), id="quoted single word is a term"),
        pytest.param("搭子 NOT 游戏", And((T("搭子"), Not(T("游戏")))), id="not"),
        pytest.param(
            "(学习 OR 读书) AND 打卡",
            And((Or((T("学习"), T("读书"))), T("打卡"))),
            id="parentheses",
        ),
        pytest.param(
            "（学习 OR 读书）打卡",
            And((Or((T("学习"), T("读书"))), T("打卡"))),
            id="full-width parentheses",
        ),
        pytest.param(
            "a OR b c", Or((T("a"), And((T("b"), T("c"))))), id="and binds tighter than or"
        ),
        pytest.param("NOT a b", And((Not(T("a")), T("b"))), id="not binds tighter than and"),
        pytest.param("a OR NOT b", Or((T("a"), Not(T("b")))), id="or not"),
        pytest.param("NOT NOT a", T("a"), id="double negation"),
        pytest.param("a AND b AND c", And((T("a"), T("b"), T("c"))), id="and is flattened"),
        pytest.param("a OR (b OR c)", Or((T("a"), T("b"), T("c"))), id="or is flattened"),
        pytest.param("a and b", And((T("a"), T("and"), T("b"))), id="lower-case and is a word"),
        pytest.param('"AND"', T("AND"), id="quoted operator is a word"),
        pytest.param(r"/打卡\d+天/", Regex(r"打卡\d+天"), id="slash regex"),
        pytest.param(r"/a\/b/", Regex("a/b"), id="escaped slash"),
        pytest.param(r"re:打卡\d+天", Regex(r"打卡\d+天"), id="re prefix"),
        pytest.param('re:"a b"', Regex("a b"), id="quoted re with space"),
        pytest.param(
            "(re:a|(b) x)", And((Regex("a|(b)"), T("x"))), id="bare re stops at unbalanced paren"
        ),
        pytest.param('"say \\"hi\\" now"', Phrase(("say", '"hi"', "now")), id="escaped quote"),
        pytest.param("c++ C# a/b", And((T("c++"), T("C#"), T("a/b"))), id="symbols inside terms"),
    ],
)
def test_parse(query, tree):
    assert parse_query(query) == tree


@pytest.mark.parametrize(
    "query",
    [
        "找搭子 AND 上海",
        '"旅行 搭子" OR 饭搭子',
        "搭子 NOT 游戏",
        "(学习 OR 读书) AND 打卡",
        r"/打卡\d+天/ OR re:a/b",
        '"AND" OR "(笑)"',
        "NOT (a OR b) c",
    ],
)
def test_str_round_trips(query):
    node = parse_query(query)
    assert parse_query(str(node)) == node


@pytest.mark.parametrize(
    "query, position, problem",
    [
        pytest.param("", 0, "empty", id="empty"),
        pytest.param("   ", 0, "empty", id="blank"),
        pytest.param("搭子 AND", 6, "missing after AND", id="dangling and"),
        pytest.param("OR 搭子", 0, "OR needs a search term before it", id="leading or"),
        pytest.param("a AND OR b", 6, "OR needs", id="and or"),
        pytest.param("NOT", 3, "missing after NOT", id="lone not"),
        pytest.param("(搭子", 0, "parenthesis is not closed", id="open paren"),
        pytest.param("搭子)", 2, "unmatched closing parenthesis", id="close paren"),
        pytest.param("()", 1, "empty parentheses", id="empty parens"),
        pytest.param("(a OR)", 5, "before the closing parenthesis", id="or before close"),
        pytest.param('a "旅行 搭子', 2, "quote is not closed", id="open quote"),
        pytest.param('""', 0, "empty phrase", id="empty phrase"),
        pytest.param("/abc", 0, "not closed with /", id="open regex"),
        pytest.param("//", 1, "empty regular expression", id="empty regex"),
        pytest.param("x /a(/", 4, "invalid regular expression", id="bad slash regex"),
        pytest.param("re:a[", 4, "invalid regular expression", id="bad re prefix"),
    ],
)
def test_syntax_errors_name_the_position(query, position, problem):
    with pytest.raises(QuerySyntaxError) as info:
        parse_query(query)
    err = info.value
    assert isinstance(err, ValidationError)
    assert err.position == position
    assert problem in err.message
    assert f"character {position + 1}" in err.message
    assert err.hint
    assert err.pointer.splitlines()[1].endswith("^")


def test_pointer_counts_wide_characters():
    with pytest.raises(QuerySyntaxError) as info:
        parse_query("搭子 AND")
    # 搭子 takes four terminal columns, the space and AND four more
    assert info.value.pointer.splitlines()[1] == " " * 8 + "^"


def test_positive_leaves():
    node = parse_query('饭搭子 NOT 游戏 OR "旅行 搭子" NOT (a OR NOT b) /x+/ 饭搭子')
    assert positive_leaves(node) == [T("饭搭子"), Phrase(("旅行", "搭子")), T("b"), Regex("x+")]


# ---------------------------------------------------------------------------
# Evaluation
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "query, text, whole_words, expected",
    [
        # substring vs whole word
        pytest.param("搭子", "周末找饭搭子", False, True, id="substring inside a word"),
        pytest.param("搭子", "周末找饭搭子", True, False, id="whole word not inside 饭搭子"),
        pytest.param("饭搭子", "周末找饭搭子", True, True, id="whole word 饭搭子"),
        pytest.param("找搭子", "周末想找搭子", True, True, id="whole word across two tokens"),
        pytest.param("学习", "同学习惯很好", False, True, id="substring across a word boundary"),
        pytest.param("学习", "同学习惯很好", True, False, id="whole word refuses half words"),
        pytest.param("cat", "category", False, True, id="english substring"),
        pytest.param("cat", "category", True, False, id="english whole word"),
        pytest.param("cat", "a cat!", True, True, id="english whole word with punctuation"),
        pytest.param("饭搭子", "#饭搭子[话题]# 来", True, True, id="hashtag name is a whole word"),
        pytest.param("话题", "#饭搭子[话题]# 来", True, False, id="hashtag suffix is not"),
        pytest.param("小王", "@小王 一起吗", True, True, id="mention name is a whole word"),
        # case folding
        pytest.param("YYDS", "这家店yyds", False, True, id="upper query lower text"),
        pytest.param("yyds", "这家店ＹＹＤＳ", False, True, id="full-width text"),
        pytest.param(
            "Shanghai", "LOOKING FOR A BUDDY IN SHANGHAI", True, True, id="english case whole word"
        ),
        # boolean logic
        pytest.param("搭子 NOT 游戏", "找游戏搭子", False, False, id="not excludes"),
        pytest.param("搭子 NOT 游戏", "找饭搭子", False, True, id="not passes"),
        pytest.param("NOT 游戏", "找饭搭子", False, True, id="pure not"),
        pytest.param("学习 OR 读书 打卡", "学习", False, True, id="or of and, left side"),
        pytest.param("(学习 OR 读书) 打卡", "学习", False, False, id="grouped needs 打卡"),
        pytest.param("(学习 OR 读书) 打卡", "读书打卡第3天", False, True, id="grouped passes"),
        pytest.param("找搭子 AND 上海", "上海找搭子", False, True, id="and order free"),
        pytest.param("找搭子 AND 上海", "北京找搭子", False, False, id="and missing one"),
        # phrases
        pytest.param('"旅行 搭子"', "我的旅行搭子", False, True, id="han phrase without space"),
        pytest.param('"旅行 搭子"', "旅行 搭子", False, True, id="han phrase with space"),
        pytest.param('"旅行 搭子"', "搭子旅行", False, False, id="han phrase order"),
        pytest.param('"city walk"', "去City  Walk吧", False, True, id="latin phrase any spacing"),
        pytest.param('"city walk"', "citywalk", False, False, id="latin phrase needs a space"),
        pytest.param('"travel buddy"', "travel buddyship", True, False, id="phrase whole word end"),
        # regular expressions
        pytest.param(r"/打卡\d+天/", "学习打卡30天", False, True, id="regex"),
        pytest.param(r"/打卡\d+天/", "打卡天", False, False, id="regex no match"),
        pytest.param("/YYDS/", "yyds", False, True, id="regex ignores case"),
        pytest.param("re:搭子$", "饭搭子", True, False, id="regex whole word"),
        pytest.param("re:饭搭子$", "找饭搭子", True, True, id="regex whole word match"),
    ],
)
def test_matches(query, text, whole_words, expected):
    assert matches(query, text, whole_words=whole_words) is expected


def test_matches_uses_given_tokens():
    text = "周末找饭搭子"
    tokens = tokenize(text)
    assert matches("饭搭子", text, whole_words=True, tokens=tokens)
    # tokens that cut 饭 | 搭子 make 搭子 a whole word
    from corpus.text import Token

    cut = [
        Token("周末找", "word", "zh", 0, 3),
        Token("饭", "word", "zh", 3, 4),
        Token("搭子", "word", "zh", 4, 6),
    ]
    assert matches("搭子", text, whole_words=True, tokens=cut)
    with pytest.raises(ValueError, match="do not cover"):
        matches("搭子", text + "!", whole_words=True, tokens=tokens)


# ---------------------------------------------------------------------------
# Keyword in context
# ---------------------------------------------------------------------------


def test_kwic_offsets_and_context():
    text = "周末想找一个饭搭子，一起吃火锅。饭搭子要准时！"
    hits = kwic(text, "饭搭子", width=3)
    assert hits == [
        Hit(6, 9, "找一个", "饭搭子", "，一起", "饭搭子"),
        Hit(16, 19, "火锅。", "饭搭子", "要准时", "饭搭子"),
    ]
    for h in hits:
        assert text[h.start : h.end] == h.match


def test_kwic_edges_and_zero_width():
    assert kwic("饭搭子", ["饭搭子"], width=5) == [Hit(0, 3, "", "饭搭子", "", "饭搭子")]
    assert kwic("找饭搭子", ["搭子"], width=0) == [Hit(2, 4, "", "搭子", "", "搭子")]
    with pytest.raises(ValueError):
        kwic("x", ["x"], width=-1)


def test_kwic_skips_empty_regex_matches():
    assert matches("/x*/", "abc")
    assert kwic("abc", "/x*/") == []
    assert [h.match for h in kwic("axxb", "/x*/")] == ["xx"]


def test_kwic_needs_the_whole_query_and_skips_negated_terms():
    assert kwic("找游戏搭子", "搭子 NOT 游戏") == []
    hits = kwic("找饭搭子", "搭子 NOT 游戏")
    assert [h.match for h in hits] == ["搭子"]


def test_kwic_overlaps_leftmost_longest():
    hits = kwic("找饭搭子和搭子", "搭子 OR 饭搭子")
    assert [(h.start, h.match) for h in hits] == [(1, "饭搭子"), (5, "搭子")]


def test_kwic_keeps_original_case_and_whole_words():
    hits = kwic("Looking for a BUDDY, buddyship no", ["buddy"], whole_words=True)
    assert [h.match for h in hits] == ["BUDDY"]


# ---------------------------------------------------------------------------
# Compiling to FTS5 and LIKE
# ---------------------------------------------------------------------------


def test_compile_examples():
    q = compile_query("找搭子 NOT 游戏")
    assert q.fts == '("找 搭子") NOT ("游戏")'
    assert not q.fts_recheck
    assert q.terms == ("找搭子",)
    assert q.like_sql == "(lower(text) LIKE ? ESCAPE '\\') AND NOT (lower(text) LIKE ? ESCAPE '\\')"
    assert q.like_params == ("%找搭子%", "%游戏%")

    q = compile_query('"旅行 搭子" OR 饭搭子')
    assert q.fts == '("旅行搭子" OR "旅行 搭子") OR ("饭搭子")'
    assert q.like_params == ("%旅行%搭子%", "%饭搭子%")
    assert q.like_recheck  # LIKE cannot say "only whitespace between"

    q = compile_query(r"打卡 /\d+天/ NOT /游戏\d/")
    assert q.fts == '("打卡")'
    assert q.fts_recheck and q.like_recheck
    assert q.patterns == (r"\d+天",)


@pytest.mark.parametrize(
    "query, fts, like_sql",
    [
        pytest.param("NOT 游戏", None, "NOT (lower(text) LIKE ? ESCAPE '\\')", id="pure not"),
        pytest.param(r"/\d+/", None, None, id="regex without literals"),
        pytest.param(
            "😀 OR 搭子",
            None,
            "(lower(text) LIKE ? ESCAPE '\\') OR (lower(text) LIKE ? ESCAPE '\\')",
            id="emoji is not indexed",
        ),
        pytest.param(r"搭子 OR /\w+/", None, None, id="or with regex is unconstrained"),
    ],
)
def test_compile_unconstrained(query, fts, like_sql):
    q = compile_query(query)
    assert q.fts == fts and q.fts_recheck
    assert q.like_sql == like_sql


def test_compile_escapes_like_wildcards_and_checks_column():
    q = compile_query("100%_done", column="posts.folded")
    assert q.like_params == ("%100\\%\\_done%",)
    assert q.like_sql == "lower(posts.folded) LIKE ? ESCAPE '\\'"
    with pytest.raises(ValueError, match="column"):
        compile_query("a", column="text; DROP TABLE posts")


CORPUS = [
    "周末找饭搭子，一起吃火锅 #饭搭子[话题]#",
    "找游戏搭子，王者荣耀开黑",
    "学习搭子打卡第30天📚",
    "读书搭子打卡：读完了《活着》",
    "我的旅行搭子超靠谱",
    "旅行 搭子 招募中",
    "Looking for a travel buddy in Shanghai! City Walk anyone?",
    "上海同城找搭子，周末city walk",
    "这家店ＹＹＤＳ，饭搭子必去",
    "同学习惯很好",
    "100%_done 了",
    "北京找搭子",
]

QUERIES = [
    "饭搭子",
    "搭子",
    "找搭子 AND 上海",
    '"旅行 搭子" OR 饭搭子',
    "搭子 NOT 游戏",
    "(学习 OR 读书) AND 打卡",
    '"city walk"',
    "yyds",
    "学习",
    "travel buddy",
    "NOT 搭子",
    r"打卡 /\d+天/",
    "100%_done",
    "搭子 NOT /游戏|王者/",
    r"/(饭|饭局)搭子.{0,5}上海/",
    r"/City\s*Walk/",
    r"/打卡\d+天/ OR 旅行",
]


@pytest.mark.parametrize(
    "pattern, groups",
    [
        pytest.param(r"(饭|饭局)搭子.{0,5}上海", (("饭搭子", "饭局搭子"), ("上海",)), id="alternatives joined to literals"),
        pytest.param(r"饭(?:局)?搭子", (("饭搭子", "饭局搭子"),), id="optional part"),
        pytest.param(r"CITY\s*walk", (("city", "cİty", "cıty"), ("walk",)), id="folded, i also as ı and İ"),
        pytest.param(r"σ|ς", (), id="greek sigma: case-insensitive forms fold apart"),
        pytest.param(r"100%_\.x", (("100%_.x",),), id="escaped dot is a literal"),
        pytest.param(r"上海|北京", (("上海", "北京"),), id="top-level alternative"),
        pytest.param(r"ab|c\d", (), id="an alternative without literal text requires nothing"),
        pytest.param(r"(?:a|b\d)c", (("c",),), id="unknown alternative ends the strings"),
        pytest.param(r"\d{4}年", (("年",),), id="literal after a repeat"),
        pytest.param(r"(搭子)+", (("搭子",),), id="repeated at least once"),
        pytest.param(r"(a|b)(c|d)(e|f)(g|h)(k|l)", (tuple(sorted(a + b + c + d for a in "ab" for b in "cd" for c in "ef"
                                                            for d in "gh")), ("k", "l")),
                     id="too many alternatives close a group"),
        pytest.param(r"(?x) a b", (), id="verbose flag"),
        pytest.param(r"找搭+子?", (("找",), ("搭",)), id="repeats end a run"),
        pytest.param(r"[", (), id="invalid pattern"),
        pytest.param(r"a*", (), id="optional repeat requires nothing"),
    ],
)
def test_regex_requirements(pattern, groups):
    assert regex_requirements(pattern) == groups


@pytest.mark.parametrize("pattern", [r"(饭|饭局)搭子.{0,5}上海", r"饭(?:局)?搭子", r"(?:a|b\d)c", r"上海|北京",
                                     r"x(a|b\d)y", r"[ab]c[de]", r"^找.搭子$", r"(搭子)+\d", r"is", r"s.i", r"σ", r"[sσ]x"])
def test_regex_requirements_hold_for_every_match(pattern):
    """Every text the pattern matches holds, once folded, one string of each group."""
    import random

    rng = random.Random(pattern)
    pieces = ["饭", "局", "搭子", "搭", "子", "上海", "北京", "找", "a", "b", "c", "d", "e", "x", "y", "1", " ", "A",
              "i", "I", "ı", "İ", "s", "S", "ſ", "σ", "Σ", "ς"]
    texts = ["".join(rng.choice(pieces) for _ in range(rng.randint(0, 10))) for _ in range(20_000)]
    compiled = re.compile(pattern, re.IGNORECASE)
    groups = regex_requirements(pattern)
    hits = [t for t in texts if compiled.search(t)]
    assert hits  # the check is not vacuous
    for t in hits:
        assert all(any(x in fold(t) for x in group) for group in groups), (t, groups)


def test_regex_prefilter_in_like():
    q = compile_query(r"/(饭|饭局)搭子.{0,5}上海/")
    assert q.like_params == ("%饭搭子%", "%饭局搭子%", "%上海%") and q.like_recheck
    assert q.like_sql.count(" OR ") == 1
    assert q.fts is None  # whole-word search cannot use substrings: the scan is rechecked


@pytest.fixture(scope="module")
def fts_db():
    db = sqlite3.connect(":memory:")
    db.execute(
        "CREATE VIRTUAL TABLE idx USING fts5(body, tokenize='unicode61 remove_diacritics 0')"
    )
    db.execute("CREATE TABLE posts (id INTEGER PRIMARY KEY, text TEXT, folded TEXT)")
    for i, text in enumerate(CORPUS):
        db.execute("INSERT INTO idx (rowid, body) VALUES (?, ?)", (i, index_text(tokenize(text))))
        db.execute("INSERT INTO posts VALUES (?, ?, ?)", (i, text, fold(text)))
    yield db
    db.close()


@pytest.mark.parametrize("query", QUERIES)
def test_fts_agrees_with_whole_word_matching(fts_db, query):
    expected = {i for i, text in enumerate(CORPUS) if matches(query, text, whole_words=True)}
    q = compile_query(query)
    if q.fts is None:
        found = set(range(len(CORPUS)))
    else:
        found = {r for (r,) in fts_db.execute("SELECT rowid FROM idx WHERE idx MATCH ?", (q.fts,))}
    if q.fts_recheck:
        assert found >= expected
        assert {i for i in found if matches(query, CORPUS[i], whole_words=True)} == expected
    else:
        assert found == expected


@pytest.mark.parametrize("query", QUERIES)
def test_like_agrees_with_substring_matching(fts_db, query):
    expected = {i for i, text in enumerate(CORPUS) if matches(query, text)}
    q = compile_query(query, column="folded")
    sql = "SELECT id FROM posts" + (f" WHERE {q.like_sql}" if q.like_sql else "")
    found = {r for (r,) in fts_db.execute(sql, q.like_params)}
    if q.like_recheck:
        assert found >= expected
    else:
        assert found == expected


def test_index_text():
    assert (
        index_text(tokenize("周末找饭搭子！#美食[话题]# City  Walk 😀 [笑哭R]"))
        == "周末 找 饭搭子 美食 city walk [笑哭r]"
    )
