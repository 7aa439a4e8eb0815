"""Browse the corpus: overview figures, search, one page of posts at a time.

Posts are shown as text (never Markdown or HTML); no codings appear here.
"""

from __future__ import annotations

import streamlit as st

from corpus.overview import overview
from corpus.store import list_posts
from pages import common

PAGE_SIZE = 20

ctx = common.require()
st.title("Posts 帖子")
with common.errors():
    db, project = ctx.db, ctx.project
    info = overview(db, project, top=8)
    a, b, c, d = st.columns(4)
    a.metric("Posts", f"{info.posts:,}")
    b.metric("Comments", f"{info.comments:,}")
    c.metric("From", f"{info.first:%Y-%m-%d}" if info.first is not None else "–")
    d.metric("To", f"{info.last:%Y-%m-%d}" if info.last is not None else "–")

    f1, f2, f3 = st.columns([3, 2, 2])
    text = f1.text_input("Search title and text 搜索", key="q")
    tags = [t for t, _ in info.top_hashtags]
    hashtag = f2.selectbox("Hashtag 话题", ["(any)"] + tags, key="tag", format_func=common.md_escape)
    sort = f3.selectbox("Sort by", ["created_at", "engagement", "likes", "comments"], key="sort")
    if st.session_state.get("posts_filters") != (text, hashtag, sort):  # new filters start at page 1
        st.session_state.posts_filters = (text, hashtag, sort)
        st.session_state.page_no = 0
    page_no = st.session_state.page_no
    page = list_posts(db, project, offset=page_no * PAGE_SIZE, limit=PAGE_SIZE, sort=sort, text=text or None,
                      hashtag=None if hashtag == "(any)" else hashtag)
    pages = max(1, -(-page.total // PAGE_SIZE))
    st.caption(f"{page.total:,} posts match · page {page_no + 1} of {pages}")
    for post in page.posts:
        with st.container(border=True):
            st.text(" · ".join(x for x in (post["platform"], post["post_id"],
                                           f"{post['created_at']:%Y-%m-%d %H:%M} UTC" if post["created_at"] else "",
                                           post.get("location") or "", post.get("author_name") or "") if x))
            if post.get("title"):
                st.text(post["title"])
            st.text(post["text"] or "")
            st.text(" · ".join(f"{label} {common.count_text(post, field)}" for label, field in common.COUNTS))
            if post.get("hashtags"):
                st.text("话题 " + "  ".join(f"#{t}" for t in post["hashtags"]))
    prev_col, next_col = st.columns(2)
    if prev_col.button("← Previous", disabled=page_no == 0, key="prev"):
        st.session_state.page_no = page_no - 1
        st.rerun()
    if next_col.button("Next →", disabled=page_no + 1 >= pages, key="next"):
        st.session_state.page_no = page_no + 1
        st.rerun()
