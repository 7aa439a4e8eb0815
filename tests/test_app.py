"""The Streamlit app's posts page and first start, driven by streamlit.testing.v1.AppTest.

The other pages are tested in ``test_app_pages.py``; the real browser in ``test_app_browser.py``.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from coding.coders import add_coder
from corpus.importer import import_files
from dazi.db import connect
from dazi.projects import create_project
from tests.conftest import DATA

APP = str(Path(__file__).resolve().parent.parent / "app.py")


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


def _texts(at) -> str:
    return "\n".join(t.value for t in at.text)


def _posts_page() -> AppTest:
    """The posts page, signed in as alice (the posts page needs a signed-in coder)."""
    at = AppTest.from_file(APP, default_timeout=60)
    at.session_state["dz_project"] = "default"
    at.session_state["dz_coder"] = "alice"
    return at.run().switch_page("ui/pages/posts.py").run()


def test_posts_page_shows_posts_as_plain_text(app_db):
    at = _posts_page()
    assert not at.exception
    assert at.title[0].value == "Posts 帖子"
    text = _texts(at)
    assert "周末找个饭搭子🍜" in text and "#饭搭子" in text
    assert at.metric[0].value == "3"  # posts


def test_search_filters_posts(app_db):
    at = _posts_page()
    at.text_input(key="q").set_value("学习搭子").run()
    assert not at.exception
    assert "1 post matches" in "\n".join(c.value for c in at.caption)


def test_empty_database_explains_what_to_do(tmp_path, monkeypatch):
    monkeypatch.setenv("DAZI_DATABASE_URL", str(tmp_path / "empty.db"))
    at = AppTest.from_file(APP, default_timeout=60).run()
    assert not at.exception
    assert "dazi demo" in at.info[0].value
