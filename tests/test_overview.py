"""corpus.overview: the figures of ``dazi corpus`` and the app's Posts page, against a hand count."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta

import numpy as np
import pytest

from corpus.overview import overview
from dazi.schema import comments, posts


@pytest.fixture
def corpus_rows(db, project):
    base = datetime(2025, 3, 1, 8, tzinfo=UTC)
    rows = []
    for i in range(40):
        rows.append({
            "project_id": project.id, "platform": ["xiaohongshu", "weibo", "reddit"][i % 3], "post_id": f"p{i}",
            "text": "饭搭子", "created_at": None if i == 7 else base + timedelta(days=i),
            "engagement": None if i % 10 == 0 else i * 13, "counts_approximate": i % 4 == 0,
            "status": "deleted" if i % 9 == 0 else "ok",
            "hashtags": [["饭搭子", "上海"], ["饭搭子"], [], None][i % 4],
            "source_keywords": ["找搭子"] if i % 2 else ["找搭子", "饭搭子", "找搭子"],
        })
    with db.write() as conn:
        conn.execute(posts.insert(), rows)
        conn.execute(comments.insert(), [{"project_id": project.id, "platform": "xiaohongshu", "post_id": "p0",
                                          "comment_id": f"c{i}", "text": "好"} for i in range(3)])
    return rows


def test_overview_counts_what_was_stored(db, project, corpus_rows):
    info = overview(db, project, top=5)
    assert info.posts == 40 and info.comments == 3
    assert info.by_platform == dict(Counter(r["platform"] for r in corpus_rows))
    assert info.by_status == {"ok": 35, "deleted": 5}
    dates = [r["created_at"] for r in corpus_rows if r["created_at"]]
    assert info.first == min(dates) and info.last == max(dates)
    # a post counts once per hashtag or keyword, however often it lists it
    assert info.top_hashtags == [("饭搭子", 20), ("上海", 10)]
    assert info.top_keywords == [("找搭子", 40), ("饭搭子", 20)]
    engagement = [r["engagement"] for r in corpus_rows if r["engagement"] is not None]
    assert info.engagement_quantiles["median"] == pytest.approx(float(np.median(engagement)))
    assert info.engagement_quantiles["max"] == max(engagement)
    assert info.approximate_counts == 10
    assert any(line.startswith("hashtags    #饭搭子 20") for line in info.lines())


def test_an_empty_project(db, project):
    info = overview(db, project)
    assert (info.posts, info.first, info.top_hashtags, info.engagement_quantiles) == (0, None, [], {})
