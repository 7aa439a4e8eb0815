"""The token cache: each text's tokens as compact codes, kept by the text's hash and the
pipeline version (table ``token_cache``), so that nothing re-tokenises the corpus."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Sequence

from sqlalchemy import Connection, select

from corpus.text import PIPELINE_VERSION, decode, tokenizer
from dazi.db import Database, bulk_insert
from dazi.schema import token_cache

__all__ = ["post_tokens", "token_codes"]


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
    if not docs:  # every text cached: no pipeline to build (a second or two of spaCy and jieba set-up)
        return
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
    codes = token_codes(db, texts, n_process=n_process)
    return [decode(t, c) for t, c in zip(texts, codes, strict=True)]
