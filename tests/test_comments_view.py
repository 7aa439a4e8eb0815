"""Comments are readable: the Posts page shows each post's thread (AppTest), corpus.comments orders it."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from coding.coders import add_coder
from corpus.comments import comment_lines, comments_by_post, count_comments
from corpus.importer import import_files
from corpus.store import get_post
from dazi.db import connect
from dazi.projects import create_project
from tests.conftest import DATA

APP = str(Path(__file__).resolve().parent.parent / "app.py")
NOTE = "65a1b2c3d4e5f60718293a4b"  # the note of tests/data/exports with two comments, one a reply


@pytest.fixture
def app_db(tmp_path, monkeypatch):
    path = tmp_path / "app.db"
    db = connect(path)
    project = create_project(db, "default")
    import_files(db, project, [DATA / "exports" / "xhs_notes.jsonl", DATA / "exports" / "xhs_comments.csv"])
    add_coder(db, project, "alice", passcode="1111")
    db.close()
    monkeypatch.setenv("DAZI_DATABASE_URL", str(path))
    return path


def test_thread_order_and_lines(db, project):
    import_files(db, project, [DATA / "exports" / "xhs_notes.jsonl", DATA / "exports" / "xhs_comments.csv"])
    assert count_comments(db, project) == 2
    post = get_post(db, project, NOTE)
    thread = comments_by_post(db, project, [post])[("xiaohongshu", NOTE)]
    assert [c["depth"] for c in thread] == [0, 1]
    assert thread[1]["parent_comment_id"] == thread[0]["comment_id"]
    lines = comment_lines(thread)
    assert lines[0].startswith("路人甲 · 2023-12-23 11:13 UTC · 12 likes: 我也在徐汇！")
    assert lines[1].startswith("    ↳ 干饭人小王")
    assert comments_by_post(db, project, []) == {}


def test_posts_page_shows_comments_as_plain_text(app_db):
    at = AppTest.from_file(APP, default_timeout=60)
    at.session_state["dz_project"] = "default"
    at.session_state["dz_coder"] = "alice"
    at = at.run().switch_page("ui/pages/posts.py").run()
    assert not at.exception
    labels = [e.label for e in at.expander]
    assert "2 comments 评论" in labels
    texts = "\n".join(t.value for t in at.text)
    assert "路人甲 · 2023-12-23 11:13 UTC · 12 likes: 我也在徐汇！@干饭人小王 带我一个[赞R]" in texts
    assert "↳ 干饭人小王" in texts
