"""Loading crawler exports into canonical posts, and reading their text.

The public API, imported lazily (so ``import corpus`` does not load spaCy):

=====================  ======================================================
``load``, ``preview``  read export files as batches of canonical posts
``import_files``       import files into a project, all or nothing
``draw_sample``        a named, reproducible sample of posts
``overview``           a corpus at a glance
``search``             boolean / phrase / regex search with keyword in context
``tokenize``, ``words``  the spaCy + jieba text pipeline
``code_terms``         the words that characterise each code
=====================  ======================================================
"""

from __future__ import annotations

import importlib

_EXPORTS = {
    "load": "corpus.loaders",
    "preview": "corpus.loaders",
    "import_files": "corpus.importer",
    "draw_sample": "corpus.sampling",
    "get_sample": "corpus.sampling",
    "overview": "corpus.overview",
    "search": "corpus.search",
    "index_posts": "corpus.search",
    "tokenize": "corpus.text",
    "words": "corpus.text",
    "parse_query": "corpus.query",
    "suggest_codes": "corpus.suggest",
    "code_terms": "corpus.code_terms",
    "keyword_evaluation": "corpus.code_terms",
    "POST_FIELDS": "corpus.fields",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str):
    if name in _EXPORTS:
        return getattr(importlib.import_module(_EXPORTS[name]), name)
    raise AttributeError(f"module 'corpus' has no attribute {name!r}")
