"""The Posts page's search (issue #6) driven by streamlit.testing.v1.AppTest: every count it shows is
:func:`corpus.search.search`'s, matches are marked in escaped keyword-in-context lines, and the filters
by coding appear only to those who may see every coder's values."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from corpus.search import SearchFilters, search
from dazi.db import connect
from dazi.projects import get_project
from tests.app_helpers import build_study

APP = str(Path(__file__).resolve().parent.parent / "app.py")
POSTS = "ui/pages/posts.py"


@pytest.fixture(scope="module")
def _template(tmp_path_factory):
    return build_study(tmp_path_factory.mktemp("search-study") / "study.db", plain_posts=30)


@pytest.fixture
def db(_template, tmp_path, monkeypatch):
    path = tmp_path / "study.db"
    shutil.copy(_template.path, path)
    monkeypatch.setenv("DAZI_DATABASE_URL", str(path))
    database = connect(path)
    yield database
    database.close()


def _page(who: str) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=90)
    at.session_state["dz_project"] = "default"
    at.session_state["dz_coder"] = who
    at.run().switch_page(POSTS).run()
    assert not at.exception, at.exception
    return at


def _caption(at) -> str:
    return next(c.value for c in at.caption if " match" in c.value)


def _total(at) -> int:
    return int(_caption(at).split(" post")[0].replace(",", ""))


def _kwic(at) -> list[str]:
    return [h.value for h in at.html if 'class="dz-kwic"' in h.value]


def _api(db, query: str, **kwargs) -> int:
    return search(db, get_project(db), query, **kwargs).total


@pytest.mark.parametrize("query", ["找饭搭子", "搭子 AND 周末", "搭子 NOT 饭", '"找 搭子"', "/饭(局)?搭子/", "NOT 搭子"])
def test_counts_are_the_api_s_and_matches_are_marked(db, query):
    at = _page("alice")
    at.text_input(key="q").set_value(query).run()
    assert not at.exception, at.exception
    expected = _api(db, query)
    assert _total(at) == expected and "(substrings)" in _caption(at)
    kwic = _kwic(at)
    if expected and not query.startswith("NOT"):
        assert kwic and all('<mark class="dz-keyword"' in k for k in kwic)


def test_whole_words_switch(db):
    at = _page("alice")
    at.text_input(key="q").set_value("搭子").run()
    substrings = _total(at)
    at.checkbox(key="ww").check().run()
    assert not at.exception
    assert _total(at) == _api(db, "搭子", whole_words=True) < substrings
    assert "(whole words)" in _caption(at)


def test_post_text_with_html_is_shown_escaped(db):
    at = _page("alice")
    at.text_input(key="q").set_value("script").run()
    kwic = "".join(_kwic(at))
    assert "&lt;script&gt;" in kwic and "<script>" not in kwic


def test_filters_narrow_as_the_api_does(db):
    at = _page("alice")
    at.text_input(key="q").set_value("搭子").run()
    at.number_input(key="min_eng").set_value(100).run()
    assert _total(at) == _api(db, "搭子", filters=SearchFilters(min_engagement=100))
    at.number_input(key="min_eng").set_value(None).run()
    at.selectbox(key="platform").set_value("weibo").run()
    assert _total(at) == _api(db, "搭子", filters=SearchFilters(platform="weibo")) > 0


def test_a_query_with_a_syntax_error_explains_itself(db):
    at = _page("alice")
    at.text_input(key="q").set_value('"旅行 搭子').run()
    assert not at.exception
    assert any("Search query" in e.value for e in at.error)


def test_coding_filters_only_for_those_who_see_every_coder(db):
    alice = _page("alice")  # a coder of a blind project
    assert not [s for s in alice.selectbox if s.key in ("coded", "code_var")]
    admin = _page("admin")
    admin.selectbox(key="coded").set_value("coded").run()
    assert _total(admin) == _api(db, "", filters=SearchFilters(coded=True)) > 0
    admin.selectbox(key="coded").set_value("any").run()
    admin.selectbox(key="code_var").set_value("companion_type").run()
    code = admin.selectbox(key="code_id").value
    assert _total(admin) == _api(db, "", filters=SearchFilters(code=("companion_type", code)))


def test_pages_of_results(db):
    at = _page("alice")
    total = _total(at)  # no query: every post, newest first
    assert total > 20 and "page 1 of 2" in _caption(at)
    first = [t.value for t in at.text][:1]
    at.button(key="next").click().run()
    assert "page 2 of 2" in _caption(at) and [t.value for t in at.text][:1] != first
    at.text_input(key="q").set_value("搭子").run()
    assert "page 1 of" in _caption(at)  # a new search starts at the first page
