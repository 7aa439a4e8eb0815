"""Untrusted text shown literally: escaping for Markdown places, and HTML with marked spans.

Post text, comments and codebook text come from outside.  :func:`render_marked`
escapes every character of the text before adding its own ``<mark>`` tags;
:func:`md_escape` neutralises Markdown in widget labels (never in select-box or
radio *options*, which Streamlit shows as plain text).
"""

from __future__ import annotations

import functools
import html
import itertools
import re
from collections.abc import Iterable
from dataclasses import dataclass

__all__ = ["Mark", "kwic_line", "md_escape", "md_lines", "render_marked"]

_MD_SPECIAL = re.compile(r"([!-/:-@\[-`{-~])")


def md_escape(text: object) -> str:
    r"""Text for a place Streamlit reads as Markdown (widget labels), shown literally.

    Every ASCII punctuation character gets a backslash (CommonMark allows
    escaping all of them), which also stops Streamlit's ``:red[...]``
    directives, ``$`` maths and ``:emoji:`` codes; newlines become spaces.

    >>> md_escape("**bold** [x](http://y) <b>")
    '\\*\\*bold\\*\\* \\[x\\]\\(http\\:\\/\\/y\\) \\<b\\>'
    """
    return _MD_SPECIAL.sub(r"\\\1", " ".join(str(text).split()))


@functools.lru_cache(maxsize=512)
def md_lines(text: str) -> str:
    """Several lines of plain text for a Markdown place (a tooltip): each line escaped, breaks kept."""
    lines = []
    for line in text.splitlines():
        indent = "\u00a0" * (2 * (len(line) - len(line.lstrip(" "))))
        lines.append(indent + md_escape(line) if line.strip() else "\u200b")
    return "  \n".join(lines)


@dataclass(frozen=True)
class Mark:
    """A span of a text to highlight: ``kind`` is hashtag, mention or keyword."""

    start: int
    end: int
    kind: str
    note: str = ""


_MARK_STYLE = {
    "hashtag": "color:#1f6feb;font-weight:600",
    "mention": "color:#8250df;font-weight:600",
    "keyword": "background:#fff3b0;border-bottom:2px solid #e3b000",
}


def render_marked(text: str | None, marks: Iterable[Mark] = ()) -> str:
    """HTML that shows ``text`` literally, with ``marks`` highlighted.

    Every character of ``text`` (and of each mark's note) is HTML-escaped;
    the only tags in the result are the ``<mark>`` elements written here, so
    a post holding ``<script>``, ``<img onerror=...>`` or Markdown shows as
    those characters.  Marks may overlap (a keyword inside a hashtag): the
    text is cut at every mark boundary and each piece carries every kind that
    covers it.  Marks outside the text are clipped.

    >>> render_marked("<b>#饭搭子", [Mark(3, 7, "hashtag")])
    '&lt;b&gt;<mark class="dz-hashtag" style="background:none;color:#1f6feb;font-weight:600">#饭搭子</mark>'
    """
    text = text or ""
    spans = [m for m in marks if 0 <= m.start < m.end and m.start < len(text)]
    cuts = sorted({0, len(text), *(m.start for m in spans), *(min(m.end, len(text)) for m in spans)})
    out = []
    for a, b in itertools.pairwise(cuts):
        piece = html.escape(text[a:b], quote=True)
        covering = [m for m in spans if m.start <= a and b <= m.end]
        if not covering:
            out.append(piece)
            continue
        kinds = sorted({m.kind for m in covering if m.kind in _MARK_STYLE})
        notes = "; ".join(dict.fromkeys(m.note for m in covering if m.note))
        style = ";".join(["background:none"] + [_MARK_STYLE[k] for k in kinds])
        title = f' title="{html.escape(notes, quote=True)}"' if notes else ""
        classes = " ".join(f"dz-{k}" for k in kinds)
        out.append(f'<mark class="{classes}" style="{style}"{title}>{piece}</mark>')
    return "".join(out)


def kwic_line(hit) -> str:
    r"""A keyword-in-context line (:class:`corpus.query.Hit`) as safe HTML, the match marked.

    Line breaks in the context read as spaces (one line per match).

    >>> from corpus.query import Hit
    >>> kwic_line(Hit(3, 5, "找<b>", "搭子", "\n一起", "搭子"))
    '…找&lt;b&gt;<mark class="dz-keyword" style="background:none;background:#fff3b0;border-bottom:2px solid #e3b000">搭子</mark> 一起…'
    """
    left, right = _SPACES.sub(" ", hit.left), _SPACES.sub(" ", hit.right)
    return "…" + render_marked(left + hit.match + right, [Mark(len(left), len(left) + len(hit.match), "keyword")]) + "…"


_SPACES = re.compile(r"\s+")

