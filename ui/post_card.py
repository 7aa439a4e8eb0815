"""One post as the coders see it: a card of safe HTML (meta line, title, text, counts) with
hashtags, mentions and the codebook's keywords marked, and the keyword suggestions in it.

Every value from the post is escaped (:func:`ui.text.render_marked`).  Suggestions
come from :func:`corpus.suggest.suggest_codes`: a suggestion is only highlighted, never coded.
"""

from __future__ import annotations

import html
from collections.abc import Mapping

import streamlit as st

from coding.codebook import Codebook
from dazi.db import Database
from dazi.projects import Project
from ui.store import settle
from ui.text import Mark, render_marked

__all__ = ["COUNTS", "comments_label", "count_text", "post_card", "post_marks", "show_post"]

@st.cache_resource(show_spinner="Loading the Chinese word segmenter (once)…")
def _tokenizer():
    from corpus.text import tokenizer

    loaded = tokenizer()
    loaded.tokenize("预热 warm-up #话题#")  # loads the dictionary now, so it is frozen with the rest
    settle("tokenizer")
    return loaded


def _keywords(book: Codebook | None, text: str) -> dict[str, dict[str, list[str]]]:
    """The codebook's keywords that can occur in ``text`` (``{variable: {code: [keyword]}}``).

    A keyword can only match where its first word occurs in the folded text
    (:func:`corpus.suggest.suggest_codes` matches the folded words in order),
    so the others are left out before matching: a post meets a handful of
    the codebook's hundreds of keywords, and each keyword is a regular
    expression search.  The result of the matching is the same.
    """
    from corpus.text import fold

    if book is None:
        return {}
    folded = fold(text)
    out: dict[str, dict[str, list[str]]] = {}
    for variable, code, keyword, first in _keyword_table(book):
        if first is None or first in folded:  # (a blank keyword goes through: the matcher names it)
            out.setdefault(variable, {}).setdefault(code, []).append(keyword)
    return out


_KEYWORD_TABLES: dict[int, tuple] = {}


def _keyword_table(book: Codebook) -> list[tuple]:
    """``(variable, code, keyword, folded first word)`` of every keyword, once per codebook object."""
    from corpus.text import fold

    held = _KEYWORD_TABLES.get(id(book))
    if held is not None and held[0] is book:
        return held[1]
    table = []
    for v in book.variables:
        if not v.is_choice:
            continue
        for c in v.codable_codes():
            for keyword in c.keywords:
                words = fold(keyword).split() if isinstance(keyword, str) else []
                table.append((v.id, c.id, keyword, words[0] if words else None))
    if len(_KEYWORD_TABLES) > 32:
        _KEYWORD_TABLES.clear()
    _KEYWORD_TABLES[id(book)] = (book, table)
    return table


def post_marks(text: str | None, book: Codebook | None = None, lang: str = "en") -> tuple[list[Mark], list]:
    """Hashtags, mentions and codebook keywords in ``text`` as :class:`Mark` s, plus the suggestions.

    Tokens come from :mod:`corpus.text` and keyword suggestions from
    :func:`corpus.suggest.suggest_codes`: a suggestion is only highlighted,
    never coded.
    """
    from corpus.suggest import suggest_codes

    if not text:
        return [], []
    tokens = _tokenizer().tokenize(text)
    marks = [Mark(t.start, t.end, t.kind) for t in tokens if t.kind in ("hashtag", "mention")]
    suggestions = suggest_codes(tokens, _keywords(book, text)) if book is not None else []
    for s in suggestions:
        variable = book.variable(s.variable)  # type: ignore[union-attr]
        note = f"suggests {variable.display(lang)}: {variable.code(s.code).display(lang)}"
        marks.extend(Mark(a, b, "keyword", note) for a, b in s.spans)
    return marks, suggestions


def count_text(post: Mapping, field: str) -> str:
    """A count as shown to coders: ``1,234``, or ``≈12,000 (1.2万)`` when it came from text like 1.2万."""
    value = post.get(field)
    if value is None:
        return "–"
    raw = (post.get("counts_raw") or {}).get(field)
    if post.get("counts_approximate") and raw is not None and str(raw) != str(value):
        return f"≈{value:,} ({raw})"
    return f"{value:,}"


def comments_label(n: int) -> str:
    """``1 comment 评论``, ``3 comments 评论``.

    >>> comments_label(1), comments_label(2)
    ('1 comment 评论', '2 comments 评论')
    """
    return f"{n:,} comment{'' if n == 1 else 's'} 评论"


COUNTS = (("赞 likes", "likes"), ("藏 collects", "collects"), ("评 comments", "comments"), ("转 shares", "shares"),
           ("互动 engagement", "engagement"))


def post_card(post: Mapping, book: Codebook | None = None, lang: str = "en") -> tuple[str, list]:
    """One post as safe HTML (meta line, title, text, counts) and the keyword suggestions in it.

    Every value from the post is escaped (see :func:`render_marked`).  The
    result depends only on the post's fields, the codebook and the language,
    so it is kept for the latest posts shown (the card is drawn again on
    every click while a post is coded; segmenting the text and matching the
    codebook's keywords is the costly part).
    """
    fields = tuple((name, _hashable(post.get(name))) for name in _CARD_FIELDS)
    cached = _cached_card(fields, lang, id(book), _book=book)
    if cached[0] is book:
        return cached[1], cached[2]
    return _card(post, book, lang)  # (a different codebook object with a recycled id: not cached)


_CARD_FIELDS = ("pk", "created_at", "platform", "post_id", "location", "author_name", "status", "title", "text",
                "counts_raw", "counts_approximate", *(field for _, field in COUNTS))


def _hashable(value: object) -> object:
    return tuple(sorted((str(k), str(v)) for k, v in value.items())) if isinstance(value, Mapping) else value


@st.cache_resource(show_spinner=False, max_entries=256)
def _cached_card(fields: tuple, lang: str, book_id: int, _book: Codebook | None) -> tuple:
    # (keyed on the codebook's identity: the parsed codebook is itself cached per version)
    post = {name: (dict(value) if name == "counts_raw" and value is not None else value) for name, value in fields}
    return (_book, *_card(post, _book, lang))


def _card(post: Mapping, book: Codebook | None, lang: str) -> tuple[str, list]:
    when = f"{post['created_at']:%Y-%m-%d %H:%M} UTC" if post.get("created_at") else "time unknown"
    meta = [post.get("platform") or "", str(post.get("post_id") or ""), when]
    if post.get("location"):
        meta.append(f"IP属地 {post['location']}")
    if post.get("author_name"):
        meta.append(f"作者 {post['author_name']}")
    if post.get("status") and post["status"] != "ok":
        meta.append(f"status {post['status']}")
    title_marks, title_suggestions = post_marks(post.get("title"), book, lang)
    text_marks, text_suggestions = post_marks(post.get("text"), book, lang)
    counts = " · ".join(f"{label} {count_text(post, field)}" for label, field in COUNTS)
    parts = [
        f'<div class="dz-post" data-post="{int(post["pk"])}" style="line-height:1.65">',
        f'<div class="dz-meta" style="color:#6e7781;font-size:0.85rem">{html.escape(" · ".join(meta))}</div>',
    ]
    if post.get("title"):
        parts.append(
            '<div class="dz-title" style="font-weight:600;font-size:1.15rem;margin:0.3rem 0;white-space:pre-wrap">'
            f"{render_marked(post['title'], title_marks)}</div>"
        )
    parts.append(
        f'<div class="dz-text" style="white-space:pre-wrap;font-size:1.02rem">{render_marked(post.get("text"), text_marks)}</div>'
    )
    parts.append(f'<div class="dz-counts" style="color:#57606a;font-size:0.85rem;margin-top:0.5rem">{html.escape(counts)}</div>')
    parts.append("</div>")
    return "".join(parts), title_suggestions + text_suggestions


def show_post(db: Database, project: Project, post: Mapping, book: Codebook | None, lang: str,
              comments: list[dict] | None = None) -> list:
    """Show a post (card, link, folded comments); returns its keyword suggestions.

    ``comments`` as :func:`corpus.store.post_comments` returns them (read here when not given).
    """
    from corpus.store import post_comments

    card, suggestions = post_card(post, book, lang)
    with st.container(border=True):
        st.html(card)
        url = post.get("url") or ""
        if url.startswith(("https://", "http://")):
            st.link_button("Open the original ↗", url)
        if comments is None:
            comments = post_comments(db, project, dict(post))
        if comments:
            with st.expander(comments_label(len(comments))):
                shown = comments[:200]
                lines = []
                for c in shown:
                    indent = "    ↳ " if c.get("parent_comment_id") else ""
                    lines.append(f"{indent}{c.get('author_name') or '?'}: {c.get('text') or ''}")
                if len(comments) > len(shown):
                    lines.append(f"… and {len(comments) - len(shown)} more")
                st.text("\n".join(lines))
    return suggestions


