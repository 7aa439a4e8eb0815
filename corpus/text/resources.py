"""The shipped user dictionary and stop words, and :data:`PIPELINE_VERSION`, which names them."""

from __future__ import annotations

import hashlib
import importlib.resources
from typing import TYPE_CHECKING

import jieba
import spacy

from corpus.text.folding import fold

if TYPE_CHECKING:
    pass


#: Bump when a rule of this package (:mod:`corpus.text`) changes the tokens it produces.
_RULES_VERSION = "2"  # 2: tokens cached as compact codes (Pipeline.encode)


def _resource_text(name: str) -> str:
    return importlib.resources.files("corpus.resources").joinpath(name).read_text("utf-8")


def _entries(text: str) -> list[str]:
    return [
        line.strip()
        for line in text.splitlines()
        if line.strip() and not line.lstrip().startswith("#")
    ]


def load_userdict() -> list[tuple[str, int | None]]:
    """The shipped user dictionary as ``(word, frequency or None)`` pairs.

    ``None`` lets jieba choose the smallest frequency that keeps the word
    whole (``jieba.Tokenizer.suggest_freq``).
    """
    out: list[tuple[str, int | None]] = []
    for entry in _entries(_resource_text("userdict.txt")):
        word, _, freq = entry.partition("\t")
        out.append((word.strip(), int(freq) if freq.strip() else None))
    return out


def load_stopwords(lang: str) -> frozenset[str]:
    """The shipped stop words for ``lang`` (``"zh"`` or ``"en"``), folded."""
    if lang not in ("zh", "en"):
        raise ValueError(f"no stop-word list for language {lang!r}; use 'zh' or 'en'")
    return frozenset(fold(w) for w in _entries(_resource_text(f"stopwords_{lang}.txt")))


def _resources_digest() -> str:
    digest = hashlib.sha256()
    for name in ("userdict.txt", "stopwords_zh.txt", "stopwords_en.txt"):
        digest.update(name.encode())
        digest.update(_resource_text(name).encode("utf-8"))
    digest.update(f"rules={_RULES_VERSION} jieba={jieba.__version__}".encode())
    digest.update(f"spacy={spacy.__version__}".encode())
    return digest.hexdigest()[:12]


#: Version of the default pipeline: changes when the shipped dictionary or
#: stop words, the rules of this package, or the jieba / spaCy versions change.
PIPELINE_VERSION: str = f"text-{_RULES_VERSION}-{_resources_digest()}"
