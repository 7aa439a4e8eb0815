"""Browse and search the corpus: overview figures, a search with the query language,
filters and keyword-in-context, one page of posts at a time.

Posts are shown as text (never Markdown or HTML; matches are marked by
:func:`pages.text.render_marked`, which escapes every character).  Filters by
coding appear only to those who may see every coder's values.
"""

from __future__ import annotations

import html
from datetime import UTC, datetime, time

import streamlit as st

from coding.codebook import code_label
from corpus.comments import comment_lines, comments_by_post
from corpus.search import SearchFilters, ensure_gram_index, ensure_index, search
from corpus.store import get_posts_by_pk
from ui.feedback import errors, progress_bar
from ui.post_card import COUNTS, count_text
from ui.session import require
from ui.store import codebook, corpus_overview
from ui.text import kwic_line

PAGE_SIZE = 20
_COMMENTS_SHOWN = 200  # comments shown per post on the page (the CLI and exports give all)
SORTS = {"created_at": "Newest first 最新", "engagement": "Most engagement 互动最多", "likes": "Most likes 点赞最多",
         "comments": "Most comments 评论最多"}
HELP = (
    "Words match anywhere (搭子 also finds 饭搭子). Combine with AND, OR, NOT and (parentheses); "
    'quote a phrase ("旅行 搭子"); /regex/ for a regular expression. Tick *Whole words* to match whole words only.'
)

ctx = require()
st.title("Posts 帖子")
with errors():
    db, project = ctx.db, ctx.project
    info = corpus_overview(db, project, top=20)
    a, b, c, d = st.columns(4)
    a.metric("Posts", f"{info.posts:,}")
    b.metric("Comments", f"{info.comments:,}")
    c.metric("From", f"{info.first:%Y-%m-%d}" if info.first is not None else "–")
    d.metric("To", f"{info.last:%Y-%m-%d}" if info.last is not None else "–")

    q_col, ww_col, sort_col = st.columns([5, 2, 2], vertical_alignment="bottom")
    query = q_col.text_input("Search title and text 搜索", key="q", help=HELP,
                             placeholder='找搭子 AND 上海 · "旅行 搭子" · 搭子 NOT 游戏 · /饭(局)?搭子/')
    whole_words = ww_col.checkbox("Whole words 整词", key="ww", help="搭子 no longer matches inside 饭搭子.")
    sort = sort_col.selectbox("Sort 排序", list(SORTS), format_func=SORTS.get, key="sort")
    with st.expander("Filters 筛选"):
        f1, f2 = st.columns(2)
        platforms = ["(any)", *info.by_platform]
        platform = f1.selectbox("Platform 平台", platforms, key="platform")
        tags = ["(any)", *(t for t, _ in info.top_hashtags)]
        hashtag = f2.selectbox("Hashtag 话题", tags, key="tag")
        d1, d2 = st.columns(2)
        since = d1.date_input("Posted from 起", value=None, key="since")
        until = d2.date_input("Posted until 止", value=None, key="until")
        e1, e2 = st.columns(2)
        min_eng = e1.number_input("Engagement at least 互动≥", min_value=0, value=None, step=10, key="min_eng")
        max_eng = e2.number_input("Engagement at most 互动≤", min_value=0, value=None, step=10, key="max_eng")
        coded = code = None
        book = codebook(db, project)
        if ctx.sees_all:
            c1, c2, c3 = st.columns(3)
            state = c1.selectbox("Coding 编码", ["any", "coded", "uncoded"], key="coded",
                                 help="Coded: somebody finished coding the post.")
            coded = {"any": None, "coded": True, "uncoded": False}[state]
            choice = [v for v in (book.variables if book else ()) if v.is_choice]
            if choice:
                variable = c2.selectbox("Coded as: variable", ["(any)", *(v.id for v in choice)], key="code_var",
                                        format_func=lambda v: v if v == "(any)" else book.variable(v).display(ctx.lang))
                if variable != "(any)":
                    var = book.variable(variable)
                    code_id = c3.selectbox("code", [c.id for c in var.codes], key="code_id",
                                           format_func=lambda c: code_label(var, c, ctx.lang))
                    code = (variable, code_id) if code_id else None

    filters = SearchFilters(
        platform=None if platform == "(any)" else platform, hashtag=None if hashtag == "(any)" else hashtag,
        since=datetime.combine(since, time.min, UTC) if since else None,
        until=datetime.combine(until, time.max, UTC) if until else None,
        min_engagement=min_eng, max_engagement=max_eng, coded=coded, code=code,
    )
    key = (query, whole_words, sort, filters)
    if st.session_state.get("posts_filters") != key:  # a new search starts at page 1
        st.session_state.posts_filters = key
        st.session_state.page_no = 0
    page_no = st.session_state.get("page_no", 0)
    if query.strip():  # new posts join the index first, with a bar when there are many
        with progress_bar("Indexing new posts for search (once) 正在建立索引…") as progress:
            (ensure_index if whole_words else ensure_gram_index)(db, project, progress=progress)
    result = search(db, project, query, whole_words=whole_words, filters=filters, sort=sort,
                    limit=PAGE_SIZE, offset=page_no * PAGE_SIZE, context=30)
    pages = max(1, -(-result.total // PAGE_SIZE))
    mode = "whole words" if whole_words else "substrings"
    matched = "1 post matches" if result.total == 1 else f"{result.total:,} posts match"
    st.caption(f"{matched}{f' ({mode})' if query.strip() else ''} · page {page_no + 1} of {pages}")
    full = get_posts_by_pk(db, project, [h.post_pk for h in result.hits])
    threads = comments_by_post(db, project, list(full.values()), limit=_COMMENTS_SHOWN)
    for hit in result.hits:
        post = full[hit.post_pk]
        with st.container(border=True):
            st.text(" · ".join(x for x in (post["platform"], post["post_id"],
                                           f"{post['created_at']:%Y-%m-%d %H:%M} UTC" if post["created_at"] else "",
                                           post.get("location") or "", post.get("author_name") or "") if x))
            if hit.contexts:
                lines = [kwic_line(c) for c in hit.contexts[:5]]
                more = len(hit.contexts) - len(lines)
                st.html('<div class="dz-kwic" style="line-height:1.7">' + "<br>".join(lines)
                        + (f'<br><span style="color:#6e7781">… {more} more {html.escape("处")}</span>' if more > 0
                           else "") + "</div>")
                with st.expander("Whole post 全文"):
                    if post.get("title"):
                        st.text(post["title"])
                    st.text(post["text"] or "")
            else:
                if post.get("title"):
                    st.text(post["title"])
                st.text(post["text"] or "")
            st.text(" · ".join(f"{label} {count_text(post, field)}" for label, field in COUNTS))
            if post.get("hashtags"):
                st.text("话题 " + "  ".join(f"#{t}" for t in post["hashtags"]))
            thread = threads.get((post["platform"], post["post_id"]))
            if thread:
                shown = f"{len(thread)}+" if len(thread) >= _COMMENTS_SHOWN else str(len(thread))
                with st.expander(f"{shown} comment{'' if len(thread) == 1 else 's'} 评论"):
                    st.text("\n".join(comment_lines(thread)))
    prev_col, next_col = st.columns(2)
    if prev_col.button("← Previous", disabled=page_no == 0, key="prev"):
        st.session_state.page_no = page_no - 1
        st.rerun()
    if next_col.button("Next →", disabled=page_no + 1 >= pages, key="next"):
        st.session_state.page_no = page_no + 1
        st.rerun()
