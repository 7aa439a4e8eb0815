"""Searching a project's posts: keywords, phrases, boolean queries, regular
expressions, with filters and keyword-in-context.

The query language is :mod:`corpus.query`'s (``找搭子 AND 上海``, ``"旅行 搭子"``,
``搭子 NOT 游戏``, ``/上海|北京/``).  Two modes:

substring (default)
    a term matches anywhere in the title or text (``搭子`` inside ``饭搭子``);
    run as ``LIKE`` in the database, rechecked in Python where LIKE can only
    approximate (regular expressions, phrases).
whole words (``whole_words=True``)
    a term matches whole tokens of the text pipeline (:mod:`corpus.text`):
    ``搭子`` no longer matches inside ``饭搭子``.  Answered from a full-text
    index over the segmented text: SQLite FTS5, or a PostgreSQL ``tsvector``
    with a GIN index, so it stays fast on a million posts.

Regular expressions are narrowed by the literal strings every match holds
(:func:`corpus.query.regex_literals`: ``/(饭|饭局)搭子.{0,5}上海/`` scans only
posts containing 搭子 and 上海) and checked exactly on those candidates.

The index is built by :func:`index_posts` (incrementally: only posts that
are new, changed, or indexed by an older pipeline; ``dazi index``), and a
whole-word search first calls :func:`ensure_index`, which costs two index
lookups when nothing changed.  Tokens are cached in ``token_cache`` as
compact codes (:meth:`corpus.text.Pipeline.encode`) keyed by the text's hash
and the pipeline version, so nothing re-tokenises the corpus on every
search: rechecks and keyword-in-context in whole-word mode read the cache.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import Connection, Integer, and_, bindparam, cast, column, exists, func, or_, select, text
from sqlalchemy.types import Text as TextType

from dazi.db import Database, bulk_insert
from dazi.errors import ValidationError
from dazi.projects import Project
from dazi.schema import coding_units, codings, imports, post_index, posts, projects, token_cache

from corpus.query import And, Hit, Node, Not, Or, Phrase, Regex, Term, compile_query, index_text, kwic, matches, parse_query

__all__ = [
    "SearchFilters",
    "SearchHit",
    "SearchResult",
    "ensure_index",
    "index_posts",
    "post_tokens",
    "search",
    "token_codes",
]


def _document(title: str | None, body: str | None) -> str:
    """What is searched: the title (when it is not just the start of the text) and the text."""
    return f"{title}\n{body or ''}" if title else (body or "")


def _hash(text_: str) -> str:
    return hashlib.sha256(text_.encode()).hexdigest()[:32]


def _cached_hashes(conn: Connection, hashes: Sequence[str], version: str) -> set[str]:
    """Which of ``hashes`` the token cache holds for ``version``."""
    have: set[str] = set()
    for start in range(0, len(hashes), _IN_CHUNK):
        chunk = hashes[start : start + _IN_CHUNK]
        have.update(
            conn.execute(
                select(token_cache.c.text_hash).where(
                    token_cache.c.pipeline_version == version, token_cache.c.text_hash.in_(chunk)
                )
            ).scalars()
        )
    return have


def _read_codes(conn: Connection, hashes: Sequence[str], version: str) -> dict[str, list[int]]:
    """Cached token codes (:meth:`corpus.text.Pipeline.encode`) by text hash."""
    out: dict[str, list[int]] = {}
    for start in range(0, len(hashes), _IN_CHUNK):
        chunk = list(set(hashes[start : start + _IN_CHUNK]))
        for h, codes in conn.execute(
            select(token_cache.c.text_hash, token_cache.c.tokens).where(
                token_cache.c.pipeline_version == version, token_cache.c.text_hash.in_(chunk)
            )
        ):
            out[h] = codes
    return out


#: Hashes per ``IN (...)`` list (SQLite allows 32,766 parameters).
_IN_CHUNK = 2000


def _fresh_codes(
    db: Database, docs: dict[str, str], *, n_process: int, batch_size: int = 5000
) -> Iterator[list[tuple[str, list[int]]]]:
    """Tokenise ``docs`` (text by hash), cache the codes, yield them in batches.

    One :meth:`~corpus.text.Pipeline.encode_many` stream serves all texts, so
    with ``n_process=2`` the workers go on tokenising while this process
    writes each finished batch to the cache (and the caller to the index).
    """
    from corpus.text import tokenizer

    pipeline = tokenizer()
    hashes = list(docs)
    # chunks small enough that every worker gets several, large enough that
    # a few hundred texts are not worth starting workers for
    chunk_size = min(2000, max(200, -(-len(docs) // (4 * n_process))))
    encoded = pipeline.encode_many(docs.values(), n_process, chunk_size=chunk_size)
    batch: list[tuple[str, list[int]]] = []
    for h, codes in zip(hashes, encoded, strict=True):
        batch.append((h, codes.tolist()))
        if len(batch) >= batch_size:
            _store_codes(db, batch, pipeline.version)
            yield batch
            batch = []
    if batch:
        _store_codes(db, batch, pipeline.version)
        yield batch


def _store_codes(db: Database, batch: list[tuple[str, list[int]]], version: str) -> None:
    def write(conn: Connection) -> None:
        have = _cached_hashes(conn, [h for h, _ in batch], version)  # a concurrent writer may have
        rows = [
            {"text_hash": h, "pipeline_version": version, "tokens": codes}
            for h, codes in batch
            if h not in have
        ]
        bulk_insert(conn, token_cache, rows)

    db.retrying(write)


def token_codes(db: Database, texts: Sequence[str], *, n_process: int = 1) -> list[list[int]]:
    """Compact tokens of each text (:meth:`corpus.text.Pipeline.encode`),
    from the cache or computed and cached once.

    Keyed by (hash of the text, :data:`corpus.text.PIPELINE_VERSION`), so a
    change of dictionary, stop words or rules is never served stale tokens.
    :func:`corpus.text.decode` turns codes into tokens.
    """
    from corpus.text import PIPELINE_VERSION

    hashes = [_hash(t) for t in texts]
    with db.read() as conn:
        cached = _read_codes(conn, hashes, PIPELINE_VERSION)
    missing = {h: t for h, t in zip(hashes, texts, strict=True) if h not in cached}
    for batch in _fresh_codes(db, missing, n_process=n_process):
        cached.update(batch)
    return [cached[h] for h in hashes]


def post_tokens(db: Database, texts: Sequence[str], *, n_process: int = 1) -> list[list]:
    """Tokens of each text, from the cache or computed (and cached) once.

    :func:`token_codes` turned into :class:`corpus.text.Token` lists.
    """
    from corpus.text import decode

    codes = token_codes(db, texts, n_process=n_process)
    return [decode(t, c) for t, c in zip(texts, codes, strict=True)]


_STAMP_KEY = "search_index"


def _stamp(conn: Connection, project: Project) -> list:
    """What the index was built from: pipeline version, highest post id and
    highest import id of the project (two index lookups; a count of the
    posts would scan them on PostgreSQL).

    New posts raise the highest id; an import that updates posts with a
    newer crawl adds an import.  Deleted posts need no indexing (their index
    rows go with them, or are never joined).
    """
    from corpus.text import PIPELINE_VERSION

    if conn.dialect.name == "sqlite":
        # walk the ids down from the top (the project index would be read whole)
        top = conn.exec_driver_sql(
            "SELECT id FROM posts NOT INDEXED WHERE project_id = ? ORDER BY id DESC LIMIT 1", (project.id,)
        ).scalar()
    else:
        top = conn.execute(select(posts.c.id).where(posts.c.project_id == project.id)
                           .order_by(posts.c.id.desc()).limit(1)).scalar()
    last_import = conn.execute(select(func.max(imports.c.id)).where(imports.c.project_id == project.id)).scalar()
    return [PIPELINE_VERSION, top, last_import]


def ensure_index(db: Database, project: Project) -> int:
    """Update the search index if posts came, went or changed since it was built.

    A whole-word search calls this first.  Checking costs two index
    lookups, not a pass over the posts: :func:`index_posts` records what it
    indexed (:func:`_stamp`) in the project's settings.  Texts changed
    outside ``dazi import`` are picked up by ``dazi index``
    (:func:`index_posts`), which compares every post's text hash.
    Returns how many posts were (re)indexed.
    """
    with db.read() as conn:
        stamp = _stamp(conn, project)
        settings = conn.execute(select(projects.c.settings).where(projects.c.id == project.id)).scalar()
    if (settings or {}).get(_STAMP_KEY) == stamp:
        return 0
    return index_posts(db, project)


def index_posts(
    db: Database,
    project: Project,
    *,
    n_process: int = 1,
    batch_size: int = 5000,
    progress: Callable[[int, int], None] | None = None,
) -> int:
    """Bring the project's search index up to date; returns how many posts were (re)indexed.

    Only posts that are new, whose title or text changed, or that an older
    pipeline indexed are tokenised (texts already in the token cache are
    not).  Texts nobody tokenised yet go through one
    :meth:`~corpus.text.Pipeline.encode_many` stream on ``n_process``
    processes while this process writes finished batches.
    """
    from corpus.text import PIPELINE_VERSION, decode

    with db.read() as conn:
        stamp = _stamp(conn, project)
        stale = conn.execute(
            select(posts.c.id, posts.c.title, posts.c.text, post_index.c.pipeline_version, post_index.c.text_hash)
            .outerjoin(post_index, post_index.c.post_pk == posts.c.id)
            .where(posts.c.project_id == project.id)
        ).all()
    by_hash: dict[str, list[tuple[int, bool]]] = {}
    docs: dict[str, str] = {}
    for row in stale:
        doc = _document(row.title, row.text)
        h = _hash(doc)
        if row.pipeline_version != PIPELINE_VERSION or row.text_hash != h:
            by_hash.setdefault(h, []).append((row.id, row.pipeline_version is not None))
            docs[h] = doc
    del stale
    total = sum(map(len, by_hash.values()))
    done = 0

    def write(batch: list[tuple[str, list[int]]]) -> None:
        nonlocal done
        entries = [(pk, had, h, words)
                   for h, codes in batch
                   for words in (index_text(decode(docs[h], codes)),)
                   for pk, had in by_hash[h]]
        db.retrying(lambda conn: _write_index(conn, project, PIPELINE_VERSION, entries))
        done += len(entries)
        if progress:
            progress(done, total)

    with db.read() as conn:
        known = _cached_hashes(conn, list(docs), PIPELINE_VERSION)
    known_list = list(known)
    for start in range(0, len(known_list), batch_size):
        chunk = known_list[start : start + batch_size]
        with db.read() as conn:
            codes = _read_codes(conn, chunk, PIPELINE_VERSION)
        write([(h, codes[h]) for h in chunk])
    fresh = {h: doc for h, doc in docs.items() if h not in known}
    for batch in _fresh_codes(db, fresh, n_process=n_process, batch_size=batch_size):
        write(batch)
    db.retrying(lambda conn: _save_stamp(conn, project, stamp))
    if done >= _ANALYZE_AFTER and db.dialect != "sqlite":
        # fresh statistics, or PostgreSQL's planner takes the index for
        # selective and scans every post against it (5x slower at 100,000)
        db.retrying(lambda conn: conn.exec_driver_sql("ANALYZE posts, post_index, post_fts"))
    return done


#: Posts indexed in one run after which PostgreSQL's statistics are refreshed.
_ANALYZE_AFTER = 10_000


def _save_stamp(conn: Connection, project: Project, stamp: list) -> None:
    settings = conn.execute(select(projects.c.settings).where(projects.c.id == project.id)).scalar() or {}
    if settings.get(_STAMP_KEY) != stamp:
        settings = {**settings, _STAMP_KEY: stamp}
        conn.execute(projects.update().where(projects.c.id == project.id).values(settings=settings))


def _write_index(conn: Connection, project: Project, version: str,
                 entries: list[tuple[int, bool, str, str]]) -> None:
    """Replace the index rows of ``(post pk, was indexed, text hash, words)`` entries."""
    old = [pk for pk, had, _, _ in entries if had]
    if old:
        conn.execute(post_index.delete().where(post_index.c.post_pk.in_(old)))
    # On SQLite a deleted post leaves its FTS row behind (FTS5 tables have no
    # foreign keys) and a new post may get its id: clear every id written.
    pks = [pk for pk, _, _, _ in entries] if conn.dialect.name == "sqlite" else old
    for start in range(0, len(pks), _IN_CHUNK):
        conn.execute(text("DELETE FROM post_fts WHERE rowid IN :pks").bindparams(bindparam("pks", expanding=True)),
                     {"pks": pks[start : start + _IN_CHUNK]})
    bulk_insert(conn, post_index, [
        {"post_pk": pk, "project_id": project.id, "pipeline_version": version, "text_hash": h}
        for pk, _, h, _ in entries
    ])
    params = [(pk, words) for pk, _, _, words in entries]
    if conn.dialect.name == "sqlite":
        conn.exec_driver_sql("INSERT INTO post_fts (rowid, words) VALUES (?, ?)", params)
    else:
        conn.exec_driver_sql("INSERT INTO post_fts (rowid, words) VALUES (%s, to_tsvector('simple', %s))", params)


# -- PostgreSQL tsquery from the query tree ---------------------------------------


def _ts_lexeme(word: str) -> str:
    return "'" + word.replace("'", "''").replace("\\", "\\\\") + "'"


def _ts_leaf(words: list[str]) -> str | None:
    words = [w for w in words if w]
    if not words:
        return None
    return "(" + " <-> ".join(_ts_lexeme(w) for w in words) + ")"


def _tsquery(node: Node, pipeline) -> tuple[str | None, bool]:
    """``(to_tsquery text or None, exact)``; None means no constraint."""
    from corpus.query import index_text as _it

    if isinstance(node, Term) or isinstance(node, Phrase):
        raw = node.text if isinstance(node, Term) else " ".join(node.words)
        words = _it(pipeline.tokenize(raw)).split()
        leaf = _ts_leaf(words)
        return leaf, leaf is not None
    if isinstance(node, Regex):
        return None, False
    if isinstance(node, Not):
        inner, exact = _tsquery(node.child, pipeline)
        return (None, False) if inner is None else (f"!{inner}", exact)
    parts = [_tsquery(child, pipeline) for child in node.children]
    if isinstance(node, And):
        kept = [p for p, _ in parts if p is not None]
        exact = all(e for p, e in parts if p is not None) and len(kept) == len(parts)
        return ("(" + " & ".join(kept) + ")" if kept else None), exact
    if isinstance(node, Or):
        if any(p is None for p, _ in parts):
            return None, False
        return "(" + " | ".join(p for p, _ in parts) + ")", all(e for _, e in parts)
    raise TypeError(node)


# -- the search itself -----------------------------------------------------------


@dataclass
class SearchFilters:
    """Filters that narrow a search (all optional, combined with AND)."""

    platform: str | None = None
    hashtag: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    min_engagement: int | None = None
    max_engagement: int | None = None
    coded: bool | None = None
    code: tuple[str, str] | None = None  # (variable, code): any coder's current value holds it


@dataclass
class SearchHit:
    """A matching post with its keyword-in-context lines."""

    post_pk: int
    post_id: str
    platform: str
    created_at: datetime | None
    engagement: int | None
    title: str | None
    contexts: list[Hit] = field(default_factory=list)


@dataclass
class SearchResult:
    """A page of matching posts and how many matched in all."""

    query: str
    whole_words: bool
    total: int
    hits: list[SearchHit]
    terms: tuple[str, ...]


def _filter_clauses(project: Project, f: SearchFilters) -> list:
    clauses = [posts.c.project_id == project.id]
    if f.platform:
        clauses.append(posts.c.platform == f.platform)
    if f.hashtag:
        clauses.append(cast(posts.c.hashtags, TextType).like(f'%"{f.hashtag.strip("#")}"%'))
    if f.since:
        clauses.append(posts.c.created_at >= f.since)
    if f.until:
        clauses.append(posts.c.created_at <= f.until)
    if f.min_engagement is not None:
        clauses.append(posts.c.engagement >= f.min_engagement)
    if f.max_engagement is not None:
        clauses.append(posts.c.engagement <= f.max_engagement)
    if f.coded is not None:
        done = exists().where(coding_units.c.post_pk == posts.c.id, coding_units.c.done.is_(True))
        clauses.append(done if f.coded else ~done)
    if f.code:
        variable, code = f.code
        clauses.append(
            exists().where(
                codings.c.post_pk == posts.c.id, codings.c.variable == variable,
                or_(cast(codings.c.value, TextType) == f'"{code}"', cast(codings.c.value, TextType).like(f'%"{code}"%')),
            )
        )
    return clauses


def search(
    db: Database,
    project: Project,
    query: str,
    *,
    whole_words: bool = False,
    filters: SearchFilters | None = None,
    limit: int = 20,
    offset: int = 0,
    context: int = 20,
) -> SearchResult:
    """Find posts matching ``query``; a page of them with keyword-in-context.

    Parameters
    ----------
    query : str
        In :mod:`corpus.query`'s language; an empty query lists every post
        that passes the filters.
    whole_words : bool
        Match whole tokens (from the search index) instead of substrings.
    filters : SearchFilters, optional
    limit, offset : int
        The page.
    context : int
        Characters of context on each side of a match.
    """
    from corpus.text import tokenizer

    f = filters or SearchFilters()
    node = parse_query(query) if query.strip() else None
    clauses = _filter_clauses(project, f)
    recheck = False
    scans = False  # the query scans every post's text (substring LIKE)
    terms: tuple[str, ...] = ()
    if node is not None:
        compiled = compile_query(node, column="_doc")
        terms = compiled.terms
        if whole_words:
            ensure_index(db, project)
            if db.dialect == "sqlite":
                if compiled.fts:
                    clauses.append(posts.c.id.in_(text("SELECT rowid FROM post_fts WHERE post_fts MATCH :fts")
                                                  .bindparams(fts=compiled.fts).columns(column("rowid", Integer))))
                recheck = compiled.fts_recheck or compiled.fts is None
                if compiled.fts is None and compiled.like_sql and not _negates(node):
                    # a whole word is also a substring: LIKE narrows (regex literals)
                    clauses.append(_like_condition(compiled.like_sql, compiled.like_params))
            else:
                ts, exact = _tsquery(node, tokenizer())
                if ts:
                    clauses.append(posts.c.id.in_(
                        text("SELECT rowid FROM post_fts WHERE words @@ to_tsquery('simple', :ts)")
                        .bindparams(ts=ts).columns(column("rowid", Integer))))
                recheck = not exact or ts is None
                if ts is None and compiled.like_sql and not _negates(node):
                    clauses.append(_like_condition(compiled.like_sql, compiled.like_params))
        else:
            if compiled.like_sql:
                clauses.append(_like_condition(compiled.like_sql, compiled.like_params))
                scans = True
            recheck = compiled.like_recheck or compiled.like_sql is None
    where = and_(*clauses)
    columns = [posts.c.id, posts.c.post_id, posts.c.platform, posts.c.created_at, posts.c.engagement,
               posts.c.title, posts.c.text]
    order = [posts.c.created_at.desc(), posts.c.id]
    with db.read() as conn:
        if not recheck and scans:
            # a substring scan: one pass for the matching ids (the total) and
            # then the page's rows, instead of a count and a page that scan twice
            ids = conn.execute(select(posts.c.id).where(where).order_by(*order)).scalars().all()
            total = len(ids)
            page = ids[offset : offset + limit]
            found = {r.id: r for r in conn.execute(select(*columns).where(posts.c.id.in_(page)))} if page else {}
            rows = [found[pk] for pk in page]
        elif not recheck:
            total = int(conn.execute(select(func.count()).select_from(posts).where(where)).scalar() or 0)
            rows = conn.execute(select(*columns).where(where).order_by(*order).offset(offset).limit(limit)).all()
        else:
            candidates = conn.execute(select(*columns).where(where).order_by(*order)).all()
    if recheck:
        # the database narrowed the candidates; the exact semantics are checked
        # here, in whole-word mode on the cached tokens (never re-tokenising)
        good = []
        for start in range(0, len(candidates), _RECHECK_BATCH):
            chunk = candidates[start : start + _RECHECK_BATCH]
            docs = [_document(r.title, r.text) for r in chunk]
            tokens = post_tokens(db, docs) if whole_words else [None] * len(docs)
            good += [r for r, doc, toks in zip(chunk, docs, tokens, strict=True)
                     if matches(node, doc, whole_words=whole_words, tokens=toks)]
        total = len(good)
        rows = good[offset : offset + limit]
    # keyword in context for the page shown only
    docs = [_document(r.title, r.text) for r in rows]
    page_tokens = post_tokens(db, docs) if whole_words and node is not None else [None] * len(docs)
    hits = []
    for r, doc, toks in zip(rows, docs, page_tokens, strict=True):
        contexts = kwic(doc, node, width=context, whole_words=whole_words, tokens=toks) if node is not None else []
        hits.append(SearchHit(r.id, r.post_id, r.platform, r.created_at, r.engagement, r.title, contexts))
    return SearchResult(query, whole_words, total, hits, terms)


_RECHECK_BATCH = 5000


def _negates(node: Node) -> bool:
    """Whether the query has a NOT (then substring LIKE is no superset of whole words)."""
    if isinstance(node, Not):
        return True
    return isinstance(node, (And, Or)) and any(_negates(child) for child in node.children)


def _like_condition(like_sql: str, params: Sequence[str]):
    """The compiled LIKE expression as a condition on ``posts`` rows.

    :func:`corpus.query.compile_query` writes ``lower(_doc) LIKE ?``; ``_doc``
    is the title and text joined.  A condition of the main query (not an
    ``id IN (subquery)`` over every post of the project), so the database
    applies the cheap filters (dates, engagement) before matching text.
    """
    pieces = like_sql.split("?")
    if len(pieces) != len(params) + 1:
        raise ValidationError("The search query could not be compiled for the database.")
    sql = "".join(piece + (f":like_{i}" if i < len(params) else "") for i, piece in enumerate(pieces))
    sql = sql.replace("lower(_doc)", "lower(coalesce(posts.title, '') || ' ' || posts.text)")
    return text(f"({sql})").bindparams(**{f"like_{i}": p for i, p in enumerate(params)})
