"""Search over a project's posts, on SQLite (FTS5) and PostgreSQL (tsvector)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from corpus.search import SearchFilters, index_posts, post_tokens, search
from dazi.errors import ValidationError
from dazi.schema import posts

TEXTS = [
    ("周末找饭搭子", "上海同城找饭搭子，不聊天只干饭 #饭搭子[话题]#", 500, "2025-03-01"),
    ("学习搭子", "蹲一个学习搭子，每天打卡 #学习搭子[话题]#", 120, "2025-04-01"),
    ("游戏", "找游戏搭子，北京，晚上在线 @小红", 40, "2025-05-01"),
    (None, "Looking for a gym buddy in Shanghai (seeking companion) 💪", 10, "2025-06-01"),
    ("旅行", "下个月去成都，找旅行 搭子一起 city walk", 80, "2025-07-01"),
]


@pytest.fixture
def corpus(db, project):
    rows = []
    for i, (title, body, eng, day) in enumerate(TEXTS):
        rows.append({
            "project_id": project.id, "platform": "xiaohongshu", "post_id": f"p{i}", "title": title, "text": body,
            "engagement": eng, "created_at": datetime.fromisoformat(day).replace(tzinfo=UTC),
            "counts_approximate": False, "status": "ok",
            "hashtags": ["饭搭子"] if i == 0 else ([] if i else []),
        })
    with db.write() as conn:
        conn.execute(posts.insert(), rows)
    return project


def ids(result) -> set[str]:
    return {h.post_id for h in result.hits}


@pytest.mark.parametrize(
    "query, whole_words, expected",
    [
        pytest.param("搭子", False, {"p0", "p1", "p2", "p4"}, id="substring matches inside 饭搭子"),
        pytest.param("饭搭子", True, {"p0"}, id="whole word"),
        pytest.param("找搭子", False, set(), id="substring needs the exact string"),
        pytest.param("搭子 AND 上海", False, {"p0"}, id="and"),
        pytest.param("北京 OR 成都", False, {"p2", "p4"}, id="or"),
        pytest.param("搭子 NOT 游戏", False, {"p0", "p1", "p4"}, id="not"),
        pytest.param('"旅行 搭子"', False, {"p4"}, id="phrase across a space"),
        pytest.param("/上海|shanghai/", False, {"p0", "p3"}, id="regex, case-insensitive"),
        pytest.param("SHANGHAI", True, {"p3"}, id="english whole word, case-insensitive"),
        pytest.param("(学习 OR 游戏) AND 打卡", False, {"p1"}, id="grouping"),
        pytest.param("/找.搭子/", False, {"p0"}, id="regex narrowed by its literals"),
        pytest.param("/找.搭子/", True, {"p0"}, id="regex in whole-word mode"),
        pytest.param("NOT 搭子", True, {"p0", "p1", "p2", "p3"}, id="whole-word pure not"),
        pytest.param("/上海/ NOT 搭子", True, {"p0"}, id="whole-word regex and not: 饭搭子 is not 搭子"),
    ],
)
def test_query_semantics(db, corpus, query, whole_words, expected):
    assert ids(search(db, corpus, query, whole_words=whole_words, limit=50)) == expected


def test_filters(db, corpus):
    assert ids(search(db, corpus, "搭子", filters=SearchFilters(min_engagement=100), limit=50)) == {"p0", "p1"}
    since = datetime(2025, 4, 15, tzinfo=UTC)
    assert ids(search(db, corpus, "搭子", filters=SearchFilters(since=since), limit=50)) == {"p2", "p4"}
    assert ids(search(db, corpus, "", filters=SearchFilters(hashtag="饭搭子"), limit=50)) == {"p0"}
    assert search(db, corpus, "搭子", filters=SearchFilters(coded=True)).total == 0


def test_keyword_in_context_and_paging(db, corpus):
    result = search(db, corpus, "搭子", limit=2, context=4)
    assert result.total == 4 and len(result.hits) == 2
    first = result.hits[0]
    assert first.post_id == "p4"  # newest first
    assert all(c.match == "搭子" and len(c.left) <= 4 for c in first.contexts)


def test_index_is_incremental_and_tokens_are_cached(db, corpus):
    assert index_posts(db, corpus) == 5
    assert index_posts(db, corpus) == 0
    with db.write() as conn:
        conn.execute(posts.update().where(posts.c.post_id == "p2").values(text="改了：找桌游搭子"))
    assert index_posts(db, corpus) == 1
    assert ids(search(db, corpus, "桌游", whole_words=True)) == {"p2"}
    first = post_tokens(db, ["饭搭子 #云搭子[话题]#"])
    again = post_tokens(db, ["饭搭子 #云搭子[话题]#"])
    assert [t.text for t in first[0]] == [t.text for t in again[0]]
    assert any(t.kind == "hashtag" for t in again[0])


def test_bad_query_is_a_clear_error(db, corpus):
    with pytest.raises(ValidationError):
        search(db, corpus, '"unclosed')


def test_whole_word_keyword_in_context_marks_whole_words_only(db, corpus):
    result = search(db, corpus, "搭子", whole_words=True, limit=50, context=3)
    assert ids(result) == {"p4"}  # 找旅行 搭子: 搭子 stands alone only there
    assert [c.match for c in result.hits[0].contexts] == ["搭子"]
    substring = search(db, corpus, "搭子", limit=50)
    p0 = next(h for h in substring.hits if h.post_id == "p0")
    assert [c.match for c in p0.contexts] == ["搭子", "搭子", "搭子"]  # inside 饭搭子 too
