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
indexed is not segmented again.  :func:`extract` holds a batch's features as
a :class:`FeatureBatch` (terms as strings, character n-grams as integer keys,
counted with array operations: a post has ten times more n-grams than terms),
and :class:`Vocabulary` turns it into a TF-IDF matrix with scikit-learn's
formulas (smooth idf, sublinear tf, l2 norm).  A vocabulary is stored as two
plain arrays (the terms and their idf), so a stored model is read without
unpickling anything.  :func:`post_features` lists the same features as
strings, one post at a time (for reading and for tests).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache, cached_property

import numpy as np
from scipy import sparse

from corpus.text import KINDS, fold, hashtag_name

__all__ = ["CHAR_NGRAMS", "FeatureBatch", "Vocabulary", "document", "extract", "fit_vocabulary", "post_features",
           "stopwords"]

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


@cache
def stopwords() -> frozenset[str]:
    """The stop words left out of the terms: the default pipeline's (:attr:`corpus.text.Pipeline.stopwords`),
    read without building the pipeline (a second of spaCy set-up, needless when the tokens are cached)."""
    from corpus.text.resources import load_stopwords

    return load_stopwords("zh") | load_stopwords("en")


def post_features(doc: str, codes: Sequence[int], stopwords: frozenset[str]) -> list[str]:
    """The features of one document from its compact token codes (:meth:`corpus.text.Pipeline.encode`),
    as strings (:func:`extract` gives a batch's, faster).

    Examples
    --------
    >>> from corpus.text import tokenizer
    >>> pipe = tokenizer()
    >>> feats = post_features("找饭搭子 #美食[话题]#", pipe.encode("找饭搭子 #美食[话题]#"), pipe.stopwords)
    >>> [f[1:] for f in feats if f[0] == "\\x01"]
    ['找', '饭搭子', '#美食']
    """
    folded = fold(doc)
    out = _terms(doc, folded, codes, stopwords)
    chars = _char_text(folded)
    for n in CHAR_NGRAMS:
        out.extend(_CHARS + chars[i:i + n] for i in range(len(chars) - n + 1))
    return out


@dataclass(frozen=True)
class FeatureBatch:
    """The features of a batch of documents, before a vocabulary picks their columns.

    The same features as :func:`post_features`, held so that a batch is
    counted with array operations instead of a dictionary lookup per
    character n-gram (a post has some 30 terms but 300 n-grams):

    Attributes
    ----------
    n : int
        Documents in the batch.
    terms : list of list of str
        Each document's terms (``"\\x01"`` + term), in order.
    char_rows, char_keys : numpy.ndarray
        One entry per character n-gram occurrence: the document's row and
        the n-gram as an integer (:func:`_char_key`), so n-grams are
        compared, counted and looked up as numbers.
    """

    n: int
    terms: list[list[str]]
    char_rows: np.ndarray
    char_keys: np.ndarray


_BITS = 21  # a code point plus one fits 21 bits, so three of them fit a 63-bit key
_MASK = (1 << _BITS) - 1
assert max(CHAR_NGRAMS) * _BITS < 64


def _char_text(folded: str) -> str:
    return _SPACES.sub(" ", folded).strip()


def _key_text(key: int) -> str:
    """The n-gram a key stands for (the inverse of the keys :func:`_char_keys` makes)."""
    chars = []
    while key:
        chars.append(chr((key & _MASK) - 1))
        key >>= _BITS
    return "".join(reversed(chars))


def _char_keys(texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
    """(row, key) of every character n-gram of each text, as arrays.

    An n-gram's key is its code points plus one, ``_BITS`` bits each, so keys
    of different n-grams (of any length up to 3) never collide and the
    n-gram can be read back from its key.
    """
    lengths = np.fromiter((len(t) for t in texts), dtype=np.int64, count=len(texts))
    points = np.frombuffer("".join(texts).encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
    total = len(points)
    codes = np.zeros(total + max(CHAR_NGRAMS), dtype=np.uint64)
    codes[:total] = points
    codes[:total] += 1
    doc_rows = np.repeat(np.arange(len(texts), dtype=np.int64), lengths)
    doc_ends = np.repeat(np.cumsum(lengths), lengths)
    position = np.arange(total, dtype=np.int64)
    rows, keys = [], []
    for n in CHAR_NGRAMS:
        starts = position[position + n <= doc_ends]
        key = codes[starts].copy()
        for offset in range(1, n):
            key <<= np.uint64(_BITS)
            key |= codes[starts + offset]
        rows.append(doc_rows[starts])
        keys.append(key)
    return np.concatenate(rows), np.concatenate(keys)


def _terms(doc: str, folded: str, codes: Sequence[int], stopwords: frozenset[str]) -> list[str]:
    """The terms of :func:`post_features`, sliced from the folded document.

    :func:`corpus.text.fold` maps one character to one, so a token's folded
    form is the folded document's slice; the one exception is Greek capital
    sigma, lower-cased by its context, so such documents fold token by token.
    """
    by_token = "\u03a3" in doc
    out: list[str] = []
    start = 0
    for code in codes:
        end = code >> 6
        kind = code >> 2 & 15
        if kind <= _EMOJI:
            if kind == _HASHTAG:
                name = fold(hashtag_name(doc[start:end])).strip()
                if name:
                    out.append(_TERM + "#" + name)
            else:
                term = fold(doc[start:end]) if by_token else folded[start:end]
                if kind != _WORD:
                    out.append(_TERM + term)
                elif term.strip() and term not in stopwords:
                    out.append(_TERM + term)
        start = end
    return out


def extract(docs: Sequence[str], codes: Sequence[Sequence[int]], stopwords: frozenset[str]) -> FeatureBatch:
    """The features of documents from their compact token codes, as one :class:`FeatureBatch`."""
    folded = [fold(doc) for doc in docs]
    terms = [_terms(doc, f, c, stopwords) for doc, f, c in zip(docs, folded, codes, strict=True)]
    rows, keys = _char_keys([_char_text(f) for f in folded])
    return FeatureBatch(len(docs), terms, rows, keys)


@dataclass(frozen=True)
class Vocabulary:
    """Features and their inverse document frequencies: a fitted TF-IDF transform.

    Attributes
    ----------
    terms : list of str
        One per column, sorted.
    idf : numpy.ndarray
        ``ln((1 + n) / (1 + df)) + 1`` per column (scikit-learn's smooth idf).
    """

    terms: list[str]
    idf: np.ndarray

    @cached_property
    def lookup(self) -> tuple[dict[str, int], np.ndarray, np.ndarray]:
        """Columns of the terms by name, and of the character n-grams by sorted key."""
        terms = {t: i for i, t in enumerate(self.terms) if t.startswith(_TERM)}
        grams = [(_text_key(t[1:]), i) for i, t in enumerate(self.terms) if t.startswith(_CHARS)]
        grams.sort()
        keys = np.fromiter((k for k, _ in grams), dtype=np.uint64, count=len(grams))
        columns = np.fromiter((i for _, i in grams), dtype=np.int64, count=len(grams))
        return terms, keys, columns

    def transform(self, batch: FeatureBatch) -> sparse.csr_matrix:
        """Rows of l2-normalised ``(1 + ln tf) * idf``; unknown features are dropped."""
        terms, keys, columns = self.lookup
        term_rows, term_cols = [], []
        for row, feats in enumerate(batch.terms):
            for feat in feats:
                column = terms.get(feat)
                if column is not None:
                    term_rows.append(row)
                    term_cols.append(column)
        if len(keys):
            at = np.minimum(np.searchsorted(keys, batch.char_keys), len(keys) - 1)
            known = keys[at] == batch.char_keys
            char_rows, char_cols = batch.char_rows[known], columns[at[known]]
        else:
            char_rows = char_cols = np.zeros(0, dtype=np.int64)
        width = max(len(self.terms), 1)
        cells = np.concatenate([np.asarray(term_rows, dtype=np.int64) * width + np.asarray(term_cols, dtype=np.int64),
                                char_rows * width + char_cols])
        cells, counts = np.unique(cells, return_counts=True)
        rows, cols = np.divmod(cells, width)
        indptr = np.zeros(batch.n + 1, dtype=np.int64)
        np.cumsum(np.bincount(rows, minlength=batch.n), out=indptr[1:])
        matrix = sparse.csr_matrix((counts.astype(np.float64), cols.astype(np.int32), indptr),
                                   shape=(batch.n, len(self.terms)))
        matrix.data = (1.0 + np.log(matrix.data)) * self.idf[matrix.indices]
        norms = np.sqrt(np.asarray(matrix.multiply(matrix).sum(axis=1)).ravel())
        norms[norms == 0] = 1.0
        matrix.data /= np.repeat(norms, np.diff(matrix.indptr))
        return matrix


def _text_key(text: str) -> int:
    key = 0
    for ch in text:
        key = key << _BITS | (ord(ch) + 1)
    return key


def fit_vocabulary(batch: FeatureBatch, *, min_df: int = 2, max_features: int = 50_000) -> Vocabulary:
    """Keep the features found in at least ``min_df`` documents, the ``max_features`` most frequent.

    Ties in document frequency are broken by the feature itself, so the same
    posts always give the same vocabulary.
    """
    df: Counter[str] = Counter()
    for feats in batch.terms:
        df.update(set(feats))
    kept = [(count, term) for term, count in df.items() if count >= min_df]
    # document frequency of each n-gram: its distinct (key, row) pairs
    order = np.lexsort((batch.char_rows, batch.char_keys))
    keys, rows = batch.char_keys[order], batch.char_rows[order]
    first = np.ones(len(keys), dtype=bool)
    first[1:] = (keys[1:] != keys[:-1]) | (rows[1:] != rows[:-1])
    grams, gram_df = np.unique(keys[first], return_counts=True)
    often = gram_df >= min_df
    kept.extend((int(count), _CHARS + _key_text(int(key))) for key, count in zip(grams[often], gram_df[often]))
    kept.sort(key=lambda item: (-item[0], item[1]))
    kept = kept[:max_features]
    kept.sort(key=lambda item: item[1])
    terms = [term for _, term in kept]
    counts = np.array([count for count, _ in kept], dtype=np.float64)
    idf = np.log((1.0 + batch.n) / (1.0 + counts)) + 1.0
    return Vocabulary(terms, idf)
