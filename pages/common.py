"""What every page of the app shares: the database, who is signed in, and safe text.

Nothing here decides anything about the data: the core (:mod:`coding`,
:mod:`corpus`, :mod:`reports`) does.  This module only

* opens the database once per process (``st.cache_resource`` keyed on the URL)
  and caches what is read-only (the parsed codebook, per project and version);
* keeps the signed-in coder's *name* in the session and reads the coder again
  from the database on every run, so a removed coder or a changed role takes
  effect at once;
* turns untrusted text (posts, comments, codebook text) into something the
  browser shows literally: :func:`render_marked` escapes every character of
  the text before adding its own ``<mark>`` tags, and :func:`md_escape`
  neutralises Markdown in widget labels.
"""

from __future__ import annotations

import argparse
import functools
import gc
import html
import itertools
import os
import re
import sys
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import streamlit as st

from coding.codebook import Codebook, Variable
from coding.coders import Coder, can_see_all, get_coder
from dazi.db import ENV_VAR, Database, connect, resolve_url
from dazi.errors import DaziError, NotFound
from dazi.projects import Project, get_project, list_projects

__all__ = [
    "COUNTS",
    "DEMO_DB",
    "LANGS",
    "RELY",
    "TENTATIVE",
    "AppConfig",
    "Mark",
    "Session",
    "alpha_colour",
    "choice_codes",
    "code_label",
    "codebook",
    "config",
    "corpus_overview",
    "count_text",
    "database",
    "errors",
    "format_value",
    "kwic_line",
    "md_escape",
    "md_lines",
    "post_card",
    "post_marks",
    "progress_bar",
    "project_names",
    "reliability_table",
    "refresh_statistics",
    "render_marked",
    "require",
    "session",
    "settle",
    "show_post",
    "sign_in",
    "sign_out",
    "value_widget",
    "variable_help",
    "verdict",
    "widget_state",
    "widget_value",
]

ROOT = Path(__file__).resolve().parent.parent
#: Where the app builds the demo project when no database is configured (as ``make app`` does).
DEMO_DB = ROOT / "dazi-demo" / "demo.db"
PROJECT_ENV = "DAZI_PROJECT"
LANGS = {"en": "English", "zh": "中文"}


# --------------------------------------------------------------------------
# Where the data is
# --------------------------------------------------------------------------

@dataclass(frozen=True)
class AppConfig:
    """The database URL and the project name the app was started with."""

    url: str
    project: str | None
    demo: bool


def _parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="streamlit run app.py --", add_help=False)
    parser.add_argument("--db")
    parser.add_argument("--project")
    args, _ = parser.parse_known_args(argv)
    return args


def config() -> AppConfig:
    """``streamlit run app.py -- --db PATH --project NAME``, else the environment.

    The database is ``--db``, else ``$DAZI_DATABASE_URL``, else ``./dazi.db``
    when it exists (the CLI's default), else the demo project in
    ``dazi-demo/demo.db`` (built on first use).  The project is ``--project``,
    else ``$DAZI_PROJECT``, else chosen at sign-in.
    """
    args = _parse_args(sys.argv[1:])
    project = args.project or os.environ.get(PROJECT_ENV) or None
    if args.db or os.environ.get(ENV_VAR):
        return AppConfig(resolve_url(args.db or os.environ[ENV_VAR]), project, demo=False)
    if Path("dazi.db").exists():
        return AppConfig(resolve_url("dazi.db"), project, demo=False)
    return AppConfig(resolve_url(DEMO_DB), project, demo=True)


@st.cache_resource(show_spinner=False)
def _database(url: str) -> Database:
    db = connect(url)  # (a SQLite Database keeps one idle connection, so closes do not checkpoint the log)
    refresh_statistics(db)
    return db


def refresh_statistics(db: Database) -> None:
    """Let SQLite's query planner know how a coder's rows are spread (``ANALYZE`` of the per-coder tables).

    Without statistics SQLite guesses that ``project_id = ?`` is as selective
    as ``coder_id = ?`` and reads a coder's assignment through all the
    project's rows: with 10 coders the workspace's reads (progress, position,
    the next post of a filter) took 4-7 times longer than through the
    coder's index.  Run when the app opens the database and after an
    assignment; it reads the two tables' indexes once (about 40 ms for
    120,000 assignments).  PostgreSQL keeps its own statistics.  A database
    that cannot be written (read-only, full) is left as it is: statistics only
    make reads faster, and the next save says what is wrong.
    """
    db.analyze(["assignments", "coding_units"])  # (skipped on a database that cannot be written now)


@st.cache_resource(show_spinner="Building the demo project (once, about half a minute)…")
def _demo_ready(url: str) -> bool:
    from dazi.demo import build_demo

    DEMO_DB.parent.mkdir(parents=True, exist_ok=True)
    build_demo(_database(url), if_missing=True)
    return True


def database() -> Database:
    """The app's database, opened once per process and URL."""
    cfg = config()
    if cfg.demo:
        _demo_ready(cfg.url)
    return _database(cfg.url)


# --------------------------------------------------------------------------
# Who is signed in
# --------------------------------------------------------------------------

@dataclass(frozen=True)
class Session:
    """The signed-in coder, read fresh from the database on every run."""

    db: Database
    project: Project
    coder: Coder
    lang: str

    @property
    def sees_all(self) -> bool:
        """Whether this coder may read other coders' values (see :func:`coding.coders.can_see_all`)."""
        return can_see_all(self.coder, self.project)


def project_names(db: Database) -> list[str]:
    """Names of the projects in the database, the configured one first."""
    names = [p.name for p in list_projects(db)]
    wanted = config().project
    if wanted in names:
        names.remove(wanted)
        names.insert(0, wanted)
    return names


def sign_in(project: Project, coder: Coder) -> None:
    """Remember who signed in (only names: everything else is read again each run)."""
    st.session_state["dz_project"] = project.name
    st.session_state["dz_coder"] = coder.name


def sign_out() -> None:
    """Forget the coder and everything the session held for them."""
    for key in list(st.session_state.keys()):
        if key != "dz_lang":
            del st.session_state[key]


def session() -> Session | None:
    """The signed-in coder, or None (also when the coder was removed meanwhile)."""
    name = st.session_state.get("dz_coder")
    if not name:
        return None
    db = database()
    try:
        project = get_project(db, st.session_state["dz_project"])
        coder = get_coder(db, project, name)
    except NotFound:
        sign_out()
        return None
    return Session(db, project, coder, st.session_state.get("dz_lang", "en"))


def require(*roles: str) -> Session:
    """The signed-in coder if their role is one of ``roles`` (any role when none given); else stop the page."""
    ctx = session()
    if ctx is None:  # signed out meanwhile (another tab, a removed coder): back to the sign-in page
        st.switch_page("pages/signin.py")
    if roles and ctx.coder.role not in roles:
        st.error(f"This page is for the {' or '.join(roles)} role; you are signed in as a {ctx.coder.role}.")
        st.stop()
    return ctx  # type: ignore[return-value]


@contextmanager
def errors() -> Iterator[None]:
    """Show a :class:`DaziError` as an error box (message and hint) instead of a traceback."""
    try:
        yield
    except DaziError as exc:
        st.error(exc.describe())


# --------------------------------------------------------------------------
# The codebook, cached per project and version
# --------------------------------------------------------------------------

@st.cache_resource(show_spinner=False, max_entries=16)
def _codebook(url: str, project_id: int, version: int) -> Codebook:
    from coding.codebook_store import codebook_version

    project = next(p for p in list_projects(_database(url)) if p.id == project_id)
    return codebook_version(_database(url), project, version).codebook


@st.cache_data(show_spinner=False, max_entries=16)
def _overview(url: str, project_id: int, stamp: tuple, top: int):
    from corpus.overview import overview

    project = next(p for p in list_projects(_database(url)) if p.id == project_id)
    return overview(_database(url), project, top=top)


def corpus_overview(db: Database, project: Project, *, top: int = 20):
    """:func:`corpus.overview.overview`, computed once per import (keyed on
    :func:`corpus.store.corpus_stamp`): it reads every post, seconds at a million."""
    from corpus.store import corpus_stamp

    with db.read() as conn:
        stamp = corpus_stamp(conn, project)
    with st.spinner("Summarising the corpus (once after each import) 正在统计…"):
        return _overview(db.url, project.id, stamp, top)


def codebook(db: Database, project: Project) -> Codebook | None:
    """The project's current codebook (parsed once per version), or None if none is loaded."""
    from coding.codings import current_codebook_version

    version = current_codebook_version(db, project)
    return None if version is None else _codebook(db.url, project.id, version)


# --------------------------------------------------------------------------
# Reliability as a table (the Reliability and Exports pages)
# --------------------------------------------------------------------------

#: Krippendorff's customary minimums: rely on a variable / tentative conclusions only.
RELY, TENTATIVE = 0.800, 0.667
_COEFFICIENTS = {
    "percent_agreement": "% agreement", "cohen_kappa": "Cohen's kappa", "fleiss_kappa": "Fleiss' kappa",
    "scott_pi": "Scott's pi", "gwet_ac1": "Gwet's AC1", "brennan_prediger": "Brennan-Prediger",
}


def verdict(alpha: float | None) -> str:
    """``rely`` (>= .800), ``tentative`` (>= .667), ``do not rely``, or ``undefined``."""
    if alpha is None or pd.isna(alpha):
        return "undefined"
    return "rely" if alpha >= RELY else ("tentative" if alpha >= TENTATIVE else "do not rely")


def alpha_colour(alpha: object) -> str:
    """CSS background for an alpha cell: green, yellow, red by :func:`verdict`; grey if undefined."""
    return {"rely": "background-color: #c7f0d2", "tentative": "background-color: #fff1b8",
            "do not rely": "background-color: #ffd0d0"}.get(verdict(alpha), "background-color: #eaeef2")  # type: ignore[arg-type]


def reliability_table(results: list, book: Codebook, lang: str) -> pd.DataFrame:
    """One row per variable with the figures of each result's ``to_dict()``, unrounded."""
    rows = []
    for result in results:
        d = result.to_dict()
        low, high = d["alpha_ci"] or (None, None)
        rows.append({
            "variable": d["variable"], "label": book.variable(d["variable"]).display(lang), "level": d["level"],
            "units": d["n_units"], "coders": d["n_coders"], "alpha": d["krippendorff_alpha"],
            "CI low": low, "CI high": high, "q(alpha<.800)": (d["q"] or {}).get("0.8"),
            "verdict": verdict(d["krippendorff_alpha"]),
            **{label: d[key] for key, label in _COEFFICIENTS.items()},
        })
    return pd.DataFrame(rows)


# --------------------------------------------------------------------------
# Untrusted text
# --------------------------------------------------------------------------

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


@contextmanager
def progress_bar(text: str) -> Iterator[Callable[[int, int], None]]:
    """A ``progress(done, total)`` callback that shows a bar from its first call with work to do,
    removed at the end (a search whose index is up to date shows nothing)."""
    shown: list = []

    def progress(done: int, total: int) -> None:
        if total and not shown:
            shown.append(st.progress(0.0, text=text))
        if shown:
            shown[0].progress(min(done / max(total, 1), 1.0), text=f"{text} {done:,} / {total:,}")

    yield progress
    if shown:
        shown[0].empty()


_SETTLED: set[str] = set()


def settle(stage: str) -> None:
    """Once per process and ``stage``: collect garbage, then freeze what is left (:func:`gc.freeze`).

    Streamlit runs a full garbage collection after every script run
    (``runner.postScriptGC``).  A full collection walks every object the
    process holds, and the app holds many that never go away: the imported
    libraries and the Chinese segmenter's dictionary (about 170,000
    objects).  Walking them cost 80-200 ms after *every* click, more than
    everything else a Save & next does.  Frozen objects are never walked
    again, so the collection after a run looks only at what the runs made.
    Call it when a long-lived thing has been loaded (the app's first run,
    the segmenter).
    """
    if stage not in _SETTLED:
        _SETTLED.add(stage)
        gc.collect()
        gc.freeze()


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
            with st.expander(f"{len(comments)} comments 评论"):
                shown = comments[:200]
                lines = []
                for c in shown:
                    indent = "    ↳ " if c.get("parent_comment_id") else ""
                    lines.append(f"{indent}{c.get('author_name') or '?'}: {c.get('text') or ''}")
                if len(comments) > len(shown):
                    lines.append(f"… and {len(comments) - len(shown)} more")
                st.text("\n".join(lines))
    return suggestions


# --------------------------------------------------------------------------
# Codebook variables as widgets
# --------------------------------------------------------------------------

def code_label(variable: Variable, code_id: str, lang: str) -> str:
    """A code's label in ``lang`` (the id itself when the codebook no longer has it)."""
    return variable.code(code_id).display(lang) if variable.has_code(code_id) else str(code_id)


def format_value(variable: Variable, value: object, lang: str) -> str:
    """A coded value as readable text (labels for codes; "–" for no value)."""
    if value is None or value == [] or value == "":
        return "–"
    if variable.is_choice:
        items = value if isinstance(value, list) else [value]
        return "; ".join(code_label(variable, str(v), lang) for v in items)
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return f"{value} {variable.unit}" if variable.unit else str(value)


def variable_help(variable: Variable, lang: str) -> str:
    """The codebook entry of a variable as plain text: instruction, then each code's
    definition, inclusion and exclusion criteria, examples and keywords."""
    from coding.codebook import localize

    lines = [variable.display(lang)]
    if variable.instruction:
        lines += ["", localize(variable.instruction, lang)]
    if variable.type == "numeric":
        bounds = [f"from {variable.min:g}" if variable.min is not None else "",
                  f"to {variable.max:g}" if variable.max is not None else "", variable.unit or ""]
        lines += ["", "A number " + " ".join(b for b in bounds if b)]
    for n, code in enumerate(choice_codes(variable, None), start=1):
        lines += ["", f"{n} · {code.display(lang)}  [{code.id}]"]
        for name, text in (("Definition", code.definition), ("Include", code.include), ("Exclude", code.exclude)):
            if text:
                lines.append(f"    {name}: {localize(text, lang)}")
        for example in code.examples:
            lines.append(f"    Example: {example}")
        if code.keywords:
            lines.append(f"    Keywords: {', '.join(code.keywords)}")
    return "\n".join(lines)


def choice_codes(variable: Variable, current: object) -> list:
    """The codes a coder can choose, plus a retired code the current value still holds."""
    codes = list(variable.codable_codes()) if variable.is_choice else []
    held = current if isinstance(current, list) else ([current] if current else [])
    for code_id in held:
        if variable.has_code(str(code_id)) and all(c.id != code_id for c in codes):
            codes.append(variable.code(str(code_id)))
    return codes


def _number(x: object) -> float | None:
    return None if x is None else float(x)  # type: ignore[arg-type]


def widget_state(variable: Variable, value: object) -> object:
    """A coded value as the widget of :func:`value_widget` holds it in ``session_state``."""
    if variable.type == "multi":
        return list(value) if isinstance(value, list) else ([value] if value else [])
    if variable.type == "numeric":
        return _number(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None
    if variable.type == "text":
        return str(value or "")
    return value if isinstance(value, str) else None


def value_widget(variable: Variable, key: str, lang: str, *, label: str | None = None, help: str | None = None,
                 show_label: bool = True) -> object:
    """The widget that fits the variable's type; returns its value.

    The widget shows what ``session_state[key]`` holds: put the coded value
    there first with :func:`widget_state` (widgets take no default here, so
    one key can show post after post and the browser updates it in place).
    single/ordinal: a radio; multi: toggle pills (a multi-select); numeric: a
    number input (empty allowed); text: a text input.  Options are numbered
    1, 2, ... so the number keys can choose them (see ``pages/code.py``).
    ``label`` (default: the variable's) and ``help`` (a tooltip, e.g.
    :func:`variable_help`) are plain text; with ``show_label=False`` the label
    is only read by screen readers.
    """
    shown = md_escape((label if label is not None else variable.display(lang))
                      + (f" ({variable.unit})" if variable.unit else ""))
    tip = md_lines(help) if help else None
    visibility = "visible" if show_label else "collapsed"
    held = st.session_state.get(key)
    if variable.is_choice:
        codes = choice_codes(variable, held)
        ids = [c.id for c in codes]
        names = {c.id: f"{n} · {md_escape(c.display(lang))}" for n, c in enumerate(codes, start=1)}
        if variable.type == "multi":
            return st.pills(shown, ids, selection_mode="multi", key=key, format_func=names.__getitem__, help=tip,
                            label_visibility=visibility)
        return st.radio(shown, ids, key=key, format_func=names.__getitem__, horizontal=True, help=tip,
                        label_visibility=visibility)
    if variable.type == "numeric":
        return st.number_input(shown, min_value=_number(variable.min), max_value=_number(variable.max), step=1.0,
                               format="%g", key=key, help=tip, label_visibility=visibility)
    return st.text_input(shown, key=key, help=tip, label_visibility=visibility)


def widget_value(variable: Variable, key: str, state: Mapping) -> object:
    """Read back what :func:`value_widget` shows under ``key`` (None for no value)."""
    value = state.get(key)
    return None if value in ("", []) else value
