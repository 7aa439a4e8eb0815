"""What a machine coder reads of a post: dazi's own tokens plus character n-grams.

A post's features are

- its *terms* from dazi's text pipeline (:mod:`corpus.text`): jieba words
  (folded, stop words left out), hashtags (``#`` + folded name, so the
  Xiaohongshu, Weibo and bare forms are one term), stickers (``[笑哭R]``),
  mentions and emoji;
- the character 1-, 2- and 3-grams of the folded text (whitespace runs as
  one space), which catch what segmentation splits wrongly in short, slangy
  posts.

Tokens come from the token cache (:func:`corpus.search.token_codes`, keyed by
the text's hash and the pipeline version), so a corpus that was searched or
indexed is not segmented again.  :class:`Vocabulary` turns feature lists into
a TF-IDF matrix with scikit-learn's formulas (smooth idf, sublinear tf, l2
norm), and is stored as two plain arrays (the terms and their idf), so a
stored model is read without unpickling anything.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
from scipy import sparse

from corpus.text import KINDS, fold, hashtag_name

__all__ = ["CHAR_NGRAMS", "Vocabulary", "document", "fit_vocabulary", "post_features"]

#: Character n-gram lengths.
CHAR_NGRAMS: tuple[int, ...] = (1, 2, 3)

_WORD, _HASHTAG, _MENTION, _STICKER, _EMOJI = (KINDS.index(k) for k in ("word", "hashtag", "mention", "sticker", "emoji"))
_SPACES = re.compile(r"\s+")
# feature prefixes: a term and a character n-gram never share a column
_TERM, _CHARS = "\x01", "\x02"


def document(title: str | None, text: str | None) -> str:
    """What a model reads of a post: as the search index and token cache key it
    (:func:`corpus.search._document`), so cached tokens are found."""
    from corpus.search import _document

    return _document(title, text)


def post_features(doc: str, codes: Sequence[int], stopwords: frozenset[str]) -> list[str]:
    """The features of one document from its compact token codes (:meth:`corpus.text.Pipeline.encode`).

    Examples
    --------
    >>> from corpus.text import tokenizer
    >>> pipe = tokenizer()
    >>> feats = post_features("找饭搭子 #美食[话题]#", pipe.encode("找饭搭子 #美食[话题]#"), pipe.stopwords)
    >>> [f[1:] for f in feats if f[0] == "\\x01"]
    ['找', '饭搭子', '#美食']
    """
    out: list[str] = []
    start = 0
    for code in codes:
        end = code >> 6
        kind = code >> 2 & 15
        if kind <= _EMOJI:
            piece = doc[start:end]
            if kind == _HASHTAG:
                name = fold(hashtag_name(piece)).strip()
                if name:
                    out.append(_TERM + "#" + name)
            elif kind == _WORD:
                term = fold(piece)
                if term.strip() and term not in stopwords:
                    out.append(_TERM + term)
            else:
                out.append(_TERM + fold(piece))
        start = end
    chars = _SPACES.sub(" ", fold(doc)).strip()
    for n in CHAR_NGRAMS:
        out.extend(_CHARS + chars[i:i + n] for i in range(len(chars) - n + 1))
    return out


@dataclass(frozen=True)
class Vocabulary:
    """Features and their inverse document frequencies: a fitted TF-IDF transform.

    Attributes
    ----------
    terms : list of str
        One per column.
    idf : numpy.ndarray
        ``ln((1 + n) / (1 + df)) + 1`` per column (scikit-learn's smooth idf).
    """

    terms: list[str]
    idf: np.ndarray

    @property
    def index(self) -> dict[str, int]:
        cached = getattr(self, "_index", None)
        if cached is None:
            cached = {t: i for i, t in enumerate(self.terms)}
            object.__setattr__(self, "_index", cached)
        return cached

    def transform(self, docs: Iterable[Sequence[str]]) -> sparse.csr_matrix:
        """Rows of l2-normalised ``(1 + ln tf) * idf``; unknown features are dropped."""
        index = self.index
        indptr = [0]
        indices: list[int] = []
        data: list[float] = []
        for feats in docs:
            counts = Counter(index[f] for f in feats if f in index)
            indices.extend(counts.keys())
            data.extend(counts.values())
            indptr.append(len(indices))
        matrix = sparse.csr_matrix(
            (np.asarray(data, dtype=np.float64), np.asarray(indices, dtype=np.int32), np.asarray(indptr, dtype=np.int64)),
            shape=(len(indptr) - 1, len(self.terms)),
        )
        matrix.data = (1.0 + np.log(matrix.data)) * self.idf[matrix.indices]
        norms = np.sqrt(np.asarray(matrix.multiply(matrix).sum(axis=1)).ravel())
        norms[norms == 0] = 1.0
        matrix.data /= np.repeat(norms, np.diff(matrix.indptr))
        return matrix


def fit_vocabulary(docs: Sequence[Sequence[str]], *, min_df: int = 2, max_features: int = 50_000) -> Vocabulary:
    """Keep the features found in at least ``min_df`` documents, the ``max_features`` most frequent.

    Ties in document frequency are broken by the feature itself, so the same
    posts always give the same vocabulary.
    """
    df: Counter[str] = Counter()
    for feats in docs:
        df.update(set(feats))
    kept = [(count, term) for term, count in df.items() if count >= min_df]
    kept.sort(key=lambda item: (-item[0], item[1]))
    kept = kept[:max_features]
    kept.sort(key=lambda item: item[1])
    terms = [term for _, term in kept]
    counts = np.array([count for count, _ in kept], dtype=np.float64)
    n = len(docs)
    idf = np.log((1.0 + n) / (1.0 + counts)) + 1.0
    return Vocabulary(terms, idf)
