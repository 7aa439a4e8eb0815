"""Loading crawler exports into canonical posts, and reading their text.

The public API, imported on first use (:mod:`dazi.lazy`) (so ``import corpus`` does not load spaCy):

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

from typing import TYPE_CHECKING

from dazi.lazy import export_lazily

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

__all__ = export_lazily(__name__, _EXPORTS)

if TYPE_CHECKING:  # what the names are, for type checkers and editors
    from corpus.code_terms import code_terms, keyword_evaluation
    from corpus.fields import POST_FIELDS
    from corpus.importer import import_files
    from corpus.loaders import load, preview
    from corpus.overview import overview
    from corpus.query import parse_query
    from corpus.sampling import draw_sample, get_sample
    from corpus.search import index_posts, search
    from corpus.suggest import suggest_codes
    from corpus.text import tokenize, words
