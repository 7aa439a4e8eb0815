"""dazi's Streamlit app: a thin face over the core.

Run ``make app`` (the demo project) or ``DAZI_DATABASE_URL=... streamlit run
app.py``.  No domain logic lives here: widgets collect plain values and call
:mod:`corpus`, :mod:`coding` and :mod:`reports`.  Post text is untrusted, so
it is always shown with ``st.text`` (never markdown or HTML).
"""

from __future__ import annotations

import os

import streamlit as st

from dazi.db import connect, resolve_url
from dazi.errors import DaziError
from dazi.projects import get_project, list_projects

PAGE_SIZE = 20

st.set_page_config(page_title="dazi 搭子", page_icon="🤝", layout="wide")


@st.cache_resource(show_spinner=False)
def _database(url: str):
    return connect(url)


def _db():
    return _database(resolve_url(os.environ.get("DAZI_DATABASE_URL")))


def _count(value, approximate: bool) -> str:
    if value is None:
        return "–"
    return f"≈{value:,}" if approximate else f"{value:,}"


def _show_post(db, project, post: dict) -> None:
    from corpus.store import post_comments

    with st.container(border=True):
        when = f"{post['created_at']:%Y-%m-%d %H:%M} UTC" if post["created_at"] else "time unknown"
        st.caption(f"{post['platform']} · {post['post_id']} · {when} · {post.get('location') or ''}")
        if post.get("title"):
            st.text(post["title"])
        st.text(post["text"] or "")
        approx = bool(post["counts_approximate"])
        cols = st.columns(5)
        for col, (label, field) in zip(cols, (("赞 likes", "likes"), ("藏 collects", "collects"),
                                              ("评 comments", "comments"), ("转 shares", "shares"),
                                              ("互动 engagement", "engagement"))):
            col.metric(label, _count(post.get(field), approx))
        if post.get("hashtags"):
            st.text("话题 " + "  ".join(f"#{t}" for t in post["hashtags"]))
        if post.get("author_name"):
            st.text(f"作者 {post['author_name']}")
        if post.get("url"):
            st.link_button("Open original", post["url"])
        comments = post_comments(db, project, post)
        if comments:
            with st.expander(f"{len(comments)} comments"):
                for c in comments:
                    who = c.get("author_name") or "?"
                    indent = "    ↳ " if c.get("parent_comment_id") else ""
                    st.text(f"{indent}{who}: {c['text']}")


def posts_page() -> None:
    from corpus.overview import overview
    from corpus.store import list_posts

    db = _db()
    projects = [p.name for p in list_projects(db)]
    if not projects:
        st.info("This database has no project yet. Run `dazi demo` or `dazi import FILE` first.")
        return
    name = st.sidebar.selectbox("Project", projects, key="project")
    project = get_project(db, name)
    st.title("Posts 帖子")
    info = overview(db, project, top=8)
    a, b, c, d = st.columns(4)
    a.metric("Posts", f"{info.posts:,}")
    b.metric("Comments", f"{info.comments:,}")
    c.metric("From", f"{info.first:%Y-%m-%d}" if info.first is not None else "–")
    d.metric("To", f"{info.last:%Y-%m-%d}" if info.last is not None else "–")

    f1, f2, f3 = st.columns([3, 2, 2])
    text = f1.text_input("Search title and text 搜索", key="q")
    tags = [t for t, _ in info.top_hashtags]
    hashtag = f2.selectbox("Hashtag 话题", ["(any)"] + tags, key="tag")
    sort = f3.selectbox("Sort by", ["created_at", "engagement", "likes", "comments"], key="sort")
    page_no = st.session_state.get("page_no", 0)
    page = list_posts(db, project, offset=page_no * PAGE_SIZE, limit=PAGE_SIZE, sort=sort, text=text or None,
                      hashtag=None if hashtag == "(any)" else hashtag)
    pages = max(1, -(-page.total // PAGE_SIZE))
    st.caption(f"{page.total:,} posts match · page {page_no + 1} of {pages}")
    for post in page.posts:
        _show_post(db, project, post)
    prev_col, next_col = st.columns(2)
    if prev_col.button("← Previous", disabled=page_no == 0, key="prev"):
        st.session_state.page_no = page_no - 1
        st.rerun()
    if next_col.button("Next →", disabled=page_no + 1 >= pages, key="next"):
        st.session_state.page_no = page_no + 1
        st.rerun()


try:
    posts_page()
except DaziError as exc:
    st.error(exc.describe())
