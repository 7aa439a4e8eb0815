"""The pipeline (:class:`Pipeline`): spaCy's blank Chinese and English tokenizers with jieba,
its worker processes, and the module-level shortcuts over a cached default pipeline."""

from __future__ import annotations

import array
import gc
import hashlib
import logging
import multiprocessing
import re
import threading
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from functools import lru_cache
from itertools import islice
from typing import TYPE_CHECKING, cast

import jieba
import spacy
from spacy.tokens import Token as SpacyToken

from corpus.text.codes import _KIND_CODE, _LANG_CODE, _NO_LANG_KINDS, _SPACE, decode
from corpus.text.folding import _ascii_forms, fold
from corpus.text.jieba_cut import _jieba_cut
from corpus.text.patterns import (
    _BASE_ALTERNATIVES,
    _CHUNK_RE,
    _CJK_RE,
    _HAN_RE,
    _HAS_ALNUM_RE,
    _LETTER_RE,
    _NUMBER_TOKEN_RE,
)
from corpus.text.resources import PIPELINE_VERSION, load_stopwords, load_userdict
from corpus.text.tokens import DEFAULT_WORD_KINDS, KINDS, Token, hashtag_name

if TYPE_CHECKING:
    from spacy.lang.zh import ChineseTokenizer


_JIEBA_LOCK = threading.Lock()


def _quiet_jieba() -> tuple[logging.Logger, int]:
    logger = logging.getLogger("jieba")
    level = logger.level
    logger.setLevel(logging.WARNING)
    return logger, level


def _blank_zh() -> spacy.language.Language:
    """``spacy.blank("zh")`` with the jieba segmenter, jieba's log kept quiet."""
    logger, level = _quiet_jieba()
    try:
        with _JIEBA_LOCK:
            return spacy.blank("zh", config={"nlp": {"tokenizer": {"segmenter": "jieba"}}})
    finally:
        logger.setLevel(level)


def _private_jieba() -> jieba.Tokenizer:
    """A jieba tokenizer with its own copy of the default dictionary.

    spaCy's Chinese tokenizer segments with the module-level ``jieba``
    (``jieba.dt``), so ``jieba.load_userdict`` would change every pipeline in
    the process (and every other user of jieba).  Each :class:`Pipeline`
    instead gets a private ``jieba.Tokenizer`` and sets it as
    ``nlp.tokenizer.jieba_seg``.  The copy reuses the default dictionary
    that spaCy already loaded (copying the frequency table takes
    milliseconds; loading it again takes about a second).
    """
    logger, level = _quiet_jieba()
    try:
        with _JIEBA_LOCK:
            jieba.dt.check_initialized()
            private = jieba.Tokenizer()
            private.FREQ = dict(jieba.dt.FREQ)
            private.total = jieba.dt.total
            private.initialized = True
    finally:
        logger.setLevel(level)
    return private


def _clean_words(words: Iterable[str], what: str) -> list[str]:
    out = []
    for word in words:
        if not isinstance(word, str):
            raise TypeError(f"{what} must be strings, got {word!r}")
        word = " ".join(word.split())
        if word:
            out.append(word)
    return out


class Pipeline:
    """The tokenisation pipeline: user dictionary, stop words, spaCy + jieba.

    A class because it holds state: the loaded jieba dictionary (about a
    second to build) and the two blank spaCy pipelines.  Build one per
    project vocabulary and reuse it; :func:`tokenizer` caches the default.

    Parameters
    ----------
    extra_words : iterable of str
        Project words to keep whole, added to the shipped user dictionary.
        Entries with spaces (``"city walk"``) or other non-word characters
        are matched case-insensitively as one token before segmentation.
    extra_stopwords : iterable of str
        Project stop words, added to the shipped lists for :meth:`words`.
    userdict : bool
        ``False`` leaves out the shipped user dictionary (used to measure
        what it changes; ``extra_words`` still apply).

    Attributes
    ----------
    version : str
        :data:`PIPELINE_VERSION` for the default set-up; with extra words or
        stop words (or without the user dictionary) a version that also
        hashes those, so caches of different vocabularies never mix.
    """

    def __init__(
        self,
        extra_words: Iterable[str] = (),
        extra_stopwords: Iterable[str] = (),
        *,
        userdict: bool = True,
    ):
        self.extra_words: tuple[str, ...] = tuple(_clean_words(extra_words, "extra_words"))
        self.extra_stopwords: tuple[str, ...] = tuple(
            _clean_words(extra_stopwords, "extra_stopwords")
        )
        self.userdict = userdict
        entries: list[tuple[str, int | None]] = load_userdict() if userdict else []
        entries += [(w, None) for w in self.extra_words]

        # spaCy interns every new word in the shared vocabulary: one thread at a time.
        self._lock = threading.Lock()
        self._zh = _blank_zh()
        self._jieba = _private_jieba()
        # spacy.blank("zh") made a ChineseTokenizer; Language types its tokenizer as any callable
        cast("ChineseTokenizer", self._zh.tokenizer).jieba_seg = self._jieba
        self._en = spacy.blank("en")

        phrases: list[str] = []
        for word, freq in entries:
            if re.fullmatch(r"[^\W_]+", word):
                for variant in dict.fromkeys((word, word.lower(), word.upper())):
                    self._jieba.add_word(variant, freq)
            else:
                phrases.append(word)
        self._logp: dict[str, float] = {}  # jieba's word log-probabilities, see _jieba_cut
        self.user_words: tuple[str, ...] = tuple(w for w, _ in entries)
        self._protect_re = _protect_regex(phrases)
        self.stopwords: frozenset[str] = (
            load_stopwords("zh")
            | load_stopwords("en")
            | frozenset(fold(w) for w in self.extra_stopwords)
        )
        if userdict and not self.extra_words and not self.extra_stopwords:
            self.version = PIPELINE_VERSION
        else:
            digest = hashlib.sha256(
                repr((userdict, sorted(self.extra_words), sorted(self.extra_stopwords))).encode()
            ).hexdigest()[:8]
            self.version = f"{PIPELINE_VERSION}+{digest}"

    def __repr__(self) -> str:
        return (
            f"Pipeline(version={self.version!r}, extra_words={len(self.extra_words)}, "
            f"extra_stopwords={len(self.extra_stopwords)}, userdict={self.userdict})"
        )

    # -- tokenising ---------------------------------------------------------

    def tokenize(self, text: str) -> list[Token]:
        """Tokens of ``text``, covering it exactly (see the module docs).

        Examples
        --------
        >>> [(t.text, t.kind) for t in tokenizer().tokenize("找饭搭子😋 #美食[话题]#")]
        [('找', 'word'), ('饭搭子', 'word'), ('😋', 'emoji'), (' ', 'space'), ('#美食[话题]#', 'hashtag')]
        """
        return decode(text, self.encode(text))

    def doc(self, text: str) -> spacy.tokens.Doc:
        """``text`` as a spaCy ``Doc`` of this pipeline's tokens, built on request.

        Tokenising never builds Docs (a Doc per post would cost about a fifth
        of the time jieba takes); this gives one to code that wants spaCy's
        API.  The Doc uses the Chinese pipeline's vocabulary (the English one
        for text without CJK characters), follows spaCy's whitespace
        convention (one space after a token is its ``whitespace_``; other
        whitespace is a token), so ``doc.text == text``, and each token
        carries its kind and language as ``token._.kind`` and ``token._.lang``.

        Examples
        --------
        >>> doc = tokenizer().doc("找饭搭子 #美食[话题]#")
        >>> [(t.text, t._.kind) for t in doc]
        [('找', 'word'), ('饭搭子', 'word'), ('#美食[话题]#', 'hashtag')]
        """
        tokens = self.tokenize(text)
        words: list[str] = []
        spaces: list[bool] = []
        kinds: list[tuple[str, str]] = []
        for token in tokens:
            if token.text == " " and words:
                spaces[-1] = True
                continue
            words.append(token.text)
            spaces.append(False)
            kinds.append((token.kind, token.lang))
        nlp = self._zh if _CJK_RE.search(text) else self._en
        _register_token_extensions()
        with self._lock:
            doc = spacy.tokens.Doc(nlp.vocab, words=words, spaces=spaces)
        for spacy_token, (kind, lang) in zip(doc, kinds, strict=True):
            spacy_token._.kind = kind
            spacy_token._.lang = lang
        return doc

    def encode(self, text: str) -> array.array:
        """Tokens of ``text`` in compact form: one integer per token.

        Each integer is ``end << 6 | kind << 2 | lang``: the token's end
        offset, its index in :data:`KINDS` and its language's index in
        ``("", "zh", "en")``.  Tokens cover the text, so each starts where
        the one before ends.  :func:`decode` turns the codes back into
        tokens; the token cache stores them and worker processes send them
        (an array of 4-byte integers pickles as one bytes object).
        """
        if not isinstance(text, str):
            raise TypeError(f"tokenize() takes a str, got {type(text).__name__}")
        codes: list[int] = []
        if text:
            # Segment a copy with full-width ASCII mapped to ASCII (ＹＹＤＳ
            # would reach jieba as four unknown characters); the mapping is one
            # code point to one, so offsets hold and token texts come from the
            # original.
            norm = _ascii_forms(text)
            default = "zh" if _CJK_RE.search(norm) else "en"
            pos = 0
            with self._lock:
                for match in self._protect_re.finditer(norm):
                    if match.start() > pos:
                        self._segment_run(norm, pos, match.start(), default, codes)
                    kind = match.lastgroup or "word"
                    lang = 0 if kind in _NO_LANG_KINDS else _LANG_CODE[_script_of(match.group())]
                    codes.append(match.end() << 6 | _KIND_CODE[kind] << 2 | lang)
                    pos = match.end()
                if pos < len(text):
                    self._segment_run(norm, pos, len(text), default, codes)
        return array.array("I" if len(text) < 1 << 26 else "Q", codes)

    def _segment_run(self, norm: str, start: int, end: int, default: str, codes: list[int]) -> None:
        for seg_start, seg_end, lang in _script_segments(norm, start, end, default):
            segment = norm[seg_start:seg_end]
            if lang == "zh":
                # What spaCy's Chinese tokenizer does with the jieba segmenter
                # (nlp.tokenizer.jieba_seg.cut), without building a Doc, and
                # with jieba's accurate mode sped up (same pieces).
                words: Iterable[str] = _jieba_cut(self._jieba, self._logp, segment)
            else:
                words = _doc_pieces(self._en.make_doc(segment))
            lang_code = _LANG_CODE[lang]
            stop = seg_start
            for word in words:
                if not word:
                    continue
                stop += len(word)
                kind = _kind_code(word)
                if kind == _SPACE and codes and (codes[-1] >> 2) & 15 == _SPACE:
                    codes[-1] = stop << 6 | (codes[-1] & 63)  # merge space runs
                else:
                    codes.append(stop << 6 | kind << 2 | lang_code)
            if stop != seg_end:  # pragma: no cover - both segmenters cover their input
                raise RuntimeError(f"segmenter lost text in {segment!r}")

    def encode_many(
        self,
        texts: Iterable[str],
        n_process: int = 1,
        *,
        chunk_size: int = 2000,
        start_method: str | None = None,
    ) -> Iterator[array.array]:
        """:meth:`encode` each text, on one or several processes, in input order.

        A generator: codes come back chunk by chunk while the workers go on,
        so a million posts never need their tokens in memory at once.

        Parameters
        ----------
        texts : iterable of str
        n_process : int
            ``1`` encodes in this process; ``2`` (the machine's cores) hands
            chunks of texts to a process pool.  Texts that fit in one chunk
            are always encoded here.
        chunk_size : int
            Texts per chunk sent to a worker.
        start_method : str, optional
            Multiprocessing start method.  Default: ``"fork"`` when this
            process runs a single thread (workers then inherit the loaded
            pipeline, user dictionary included, and load nothing), else
            ``"spawn"`` (workers rebuild it from the same extra words and
            stop words).
        """
        if n_process < 1:
            raise ValueError(f"n_process must be at least 1, got {n_process}")
        if chunk_size < 1:
            raise ValueError(f"chunk_size must be at least 1, got {chunk_size}")
        iterator = iter(texts)
        first = list(islice(iterator, chunk_size))
        if n_process == 1 or len(first) < chunk_size:
            chunk = first
            while chunk:
                with _gc_paused():
                    encoded = [self.encode(text) for text in chunk]
                yield from encoded
                chunk = list(islice(iterator, chunk_size))
            return
        if start_method is None:
            forkable = "fork" in multiprocessing.get_all_start_methods()
            start_method = "fork" if forkable and threading.active_count() == 1 else "spawn"
        ctx = multiprocessing.get_context(start_method)
        config = (self.extra_words, self.extra_stopwords, self.userdict, self.version)

        def chunks() -> Iterator[list[str]]:
            chunk = first
            while chunk:
                yield chunk
                chunk = list(islice(iterator, chunk_size))

        global _WORKER_PIPELINE
        _WORKER_PIPELINE = self  # inherited by forked workers
        try:
            with ctx.Pool(n_process, initializer=_init_worker, initargs=(config,)) as pool:
                for encoded in pool.imap(_encode_chunk, chunks()):
                    yield from encoded
        finally:
            _WORKER_PIPELINE = None

    def tokenize_many(
        self,
        texts: Iterable[str],
        n_process: int = 1,
        *,
        chunk_size: int = 2000,
        start_method: str | None = None,
    ) -> list[list[Token]]:
        """Tokenise many texts, on one or several processes, in input order.

        :meth:`encode_many` with the codes turned into tokens here (about
        1 s per 50,000 posts).  Code that only needs the compact form (the
        token cache, the search index) should call :meth:`encode_many`.

        Parameters
        ----------
        texts : iterable of str
        n_process, chunk_size, start_method
            As for :meth:`encode_many`.

        Returns
        -------
        list of list of Token
            ``result[i] == self.tokenize(texts[i])`` for every ``i``.
        """
        texts = list(texts)
        encoded = self.encode_many(
            texts, n_process, chunk_size=chunk_size, start_method=start_method
        )
        with _gc_paused():
            return [decode(text, codes) for text, codes in zip(texts, encoded, strict=True)]

    # -- words --------------------------------------------------------------

    def is_stopword(self, word: str) -> bool:
        """Whether ``word`` (any case) is a stop word of this pipeline."""
        return fold(word) in self.stopwords

    def words(
        self,
        text_or_tokens: str | Sequence[Token],
        *,
        kinds: Iterable[str] = DEFAULT_WORD_KINDS,
        keep_stopwords: bool = False,
    ) -> list[str]:
        """The countable terms of a post, folded, in order.

        Words exclude stop words, punctuation, spaces, numbers, emoji, URLs,
        mentions (they name people) and sticker codes (kept in the text, not
        counted as words).  Hashtags count, as ``#`` + their folded name, so
        ``#饭搭子[话题]#``, ``#饭搭子#`` and ``#饭搭子`` are one term.

        Parameters
        ----------
        text_or_tokens : str or sequence of Token
            A post, or its tokens (from a token cache).
        kinds : iterable of str
            Token kinds to keep; default ``("word", "hashtag")``.  Add
            ``"emoji"`` to count emoji as terms.
        keep_stopwords : bool
            Keep stop words (for phrase statistics).

        Examples
        --------
        >>> tokenizer().words("周末想找饭搭子，一起吃火锅吧[笑哭R] #饭搭子[话题]#")
        ['周末', '想', '找', '饭搭子', '一起', '吃火锅', '#饭搭子']
        """
        tokens = (
            self.tokenize(text_or_tokens) if isinstance(text_or_tokens, str) else text_or_tokens
        )
        wanted = set(kinds)
        unknown = wanted - set(KINDS)
        if unknown:
            raise ValueError(f"unknown token kinds {sorted(unknown)}; choose from {KINDS}")
        out = []
        for token in tokens:
            if token.kind not in wanted:
                continue
            if token.kind == "hashtag":
                name = fold(hashtag_name(token.text)).strip()
                if name:
                    out.append("#" + name)
                continue
            term = fold(token.text)
            if token.kind == "word" and " " in token.text.strip():
                term = " ".join(term.split())  # "City  Walk" -> "city walk"
            if keep_stopwords or term not in self.stopwords:
                out.append(term)
        return out


# ---------------------------------------------------------------------------
# Helpers of the pipeline
# ---------------------------------------------------------------------------


def _protect_regex(phrases: Sequence[str]) -> re.Pattern[str]:
    alternatives = [f"(?P<{kind}>{pattern})" for kind, pattern in _BASE_ALTERNATIVES]
    if phrases:
        parts = []
        for phrase in sorted(set(phrases), key=len, reverse=True):
            body = r"\s+".join(re.escape(w) for w in phrase.split())
            # A Latin edge must not continue a Latin word ("city walker");
            # a Han edge may touch anything (Han text has no spaces).
            parts.append(rf"(?<![A-Za-z0-9\u00c0-\u024f]){body}(?![A-Za-z0-9\u00c0-\u024f])")
        alternatives.append(f"(?P<word>(?i:{'|'.join(parts)}))")
    return re.compile("|".join(alternatives))


def _script_of(span: str) -> str:
    if _HAN_RE.search(span):
        return "zh"
    if _LETTER_RE.search(span):
        return "en"
    return ""


def _script_segments(
    text: str, start: int, end: int, default: str
) -> Iterator[tuple[int, int, str]]:
    """Cut ``text[start:end]`` into ``(start, end, lang)`` script segments.

    CJK runs are ``zh``; a run of letters/digits of another script is ``en``
    unless it touches a CJK character (``i人``, ``iPhone15很好用``: jieba keeps
    those together); digits-only runs, spaces and punctuation are neutral and
    join the segment before them (the one after, at the start of the run).
    """
    pieces: list[tuple[int, int, str | None]] = []
    for m in _CHUNK_RE.finditer(text, start, end):
        if m.lastgroup == "cjk":
            lang: str | None = "zh"
        elif not _LETTER_RE.search(m.group()):
            continue  # digits only: neutral
        else:
            before = text[m.start() - 1] if m.start() > start else ""
            after = text[m.end()] if m.end() < end else ""
            glued = bool(_CJK_RE.match(before) or _CJK_RE.match(after))
            lang = "zh" if glued else "en"
        pieces.append((m.start(), m.end(), lang))
    if not pieces:
        yield start, end, default
        return
    seg_start, seg_lang = start, pieces[0][2]
    for p_start, _p_end, lang in pieces[1:]:
        if lang != seg_lang:
            yield seg_start, p_start, seg_lang  # type: ignore[misc]
            seg_start, seg_lang = p_start, lang
    yield seg_start, end, seg_lang  # type: ignore[misc]


def _doc_pieces(doc: spacy.tokens.Doc) -> Iterator[str]:
    """A spaCy Doc's token texts with the whitespace after each, covering its text."""
    for tok in doc:
        yield tok.text
        if tok.whitespace_:
            yield tok.whitespace_


@lru_cache(maxsize=65536)
def _kind_code(piece: str) -> int:
    """Index in :data:`KINDS` of a segmenter piece (cached: pieces recur)."""
    if piece.isspace():
        return _SPACE
    if _NUMBER_TOKEN_RE.fullmatch(piece):
        return _KIND_CODE["number"]
    if not _HAS_ALNUM_RE.search(piece):
        return _KIND_CODE["punct"]
    return _KIND_CODE["word"]


# Worker side of Pipeline.encode_many.
_WORKER_PIPELINE: Pipeline | None = None


def _init_worker(config: tuple) -> None:
    global _WORKER_PIPELINE
    extra_words, extra_stopwords, userdict, version = config
    if _WORKER_PIPELINE is None or _WORKER_PIPELINE.version != version:
        _WORKER_PIPELINE = Pipeline(extra_words, extra_stopwords, userdict=userdict)


@contextmanager
def _gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector while millions of tokens are made.

    Tokens and the segmenters' pieces hold no reference cycles
    (``test_tokenizing_makes_no_cycles``), but every few hundred new objects
    the collector walks the growing heap: with it paused, decoding tokens
    runs about three times faster and tokenising about 10 % faster.
    Reference counting still frees everything; the collector is restored
    afterwards.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _encode_chunk(texts: list[str]) -> list[array.array]:
    if _WORKER_PIPELINE is None:  # pragma: no cover - _init_worker always sets it
        raise RuntimeError("encode_many worker started without a pipeline")
    with _gc_paused():
        return [_WORKER_PIPELINE.encode(text) for text in texts]


def _register_token_extensions() -> None:
    for name in ("kind", "lang"):
        if not SpacyToken.has_extension(name):
            SpacyToken.set_extension(name, default=None)


# ---------------------------------------------------------------------------
# Module-level shortcuts over a cached default pipeline
# ---------------------------------------------------------------------------


@lru_cache(maxsize=8)
def _cached_pipeline(extra_words: tuple[str, ...], extra_stopwords: tuple[str, ...]) -> Pipeline:
    return Pipeline(extra_words, extra_stopwords)


def tokenizer(extra_words: Iterable[str] = (), extra_stopwords: Iterable[str] = ()) -> Pipeline:
    """The pipeline for a project vocabulary, built once and cached.

    ``tokenizer()`` is the default pipeline (shipped dictionary and stop
    words); its ``version`` is :data:`PIPELINE_VERSION`.
    """
    return _cached_pipeline(
        tuple(sorted(set(_clean_words(extra_words, "extra_words")))),
        tuple(sorted(set(_clean_words(extra_stopwords, "extra_stopwords")))),
    )


def tokenize(text: str) -> list[Token]:
    """Tokens of ``text`` with the default pipeline (see :meth:`Pipeline.tokenize`)."""
    return tokenizer().tokenize(text)


def words(
    text_or_tokens: str | Sequence[Token],
    *,
    kinds: Iterable[str] = DEFAULT_WORD_KINDS,
    keep_stopwords: bool = False,
) -> list[str]:
    """Countable terms of a post with the default pipeline (see :meth:`Pipeline.words`)."""
    return tokenizer().words(text_or_tokens, kinds=kinds, keep_stopwords=keep_stopwords)


def tokenize_many(
    texts: Iterable[str], n_process: int = 1, *, chunk_size: int = 2000
) -> list[list[Token]]:
    """Tokenise many texts with the default pipeline (see :meth:`Pipeline.tokenize_many`)."""
    return tokenizer().tokenize_many(texts, n_process, chunk_size=chunk_size)
