"""Tokenise Chinese / English social-media text into typed tokens.

One pipeline reads every post: ``spacy.blank("zh")`` configured with the
jieba segmenter for Chinese and ``spacy.blank("en")`` for English (no trained
spaCy model is needed or downloaded).  Before segmenting, one regular
expression cuts the text into *protected spans* and *ordinary runs*:

=========  ==============================================================
kind       what is protected (one token each, never split)
=========  ==============================================================
url        ``https://...``, ``www....``, ``xhslink.com/...``
emoji      one emoji, including ZWJ sequences, skin tones, flags, keycaps
hashtag    ``#饭搭子[话题]#`` (Xiaohongshu), ``#话题#`` (Weibo), ``#tag``
mention    ``@昵称``
sticker    ``[笑哭R]``, ``[doge]``: bracketed sticker codes
number     numbers with separators or a percent sign: ``3.5``, ``18:30``, ``50%``
word       multi-word dictionary entries such as ``city walk``
=========  ==============================================================

Only the ordinary runs are segmented.  Each run is cut into script
segments: Han text (with any Latin word glued to it, so ``i人`` stays whole)
goes to the jieba-backed Chinese tokenizer, free-standing Latin text goes to
spaCy's English tokenizer, and digits, spaces and punctuation join the
segment before them.  The tokens that come back are typed ``word``,
``number``, ``punct`` or ``space``.

Tokenising builds no spaCy ``Doc``: Chinese segments go straight to the
jieba tokenizer that spaCy's Chinese tokenizer holds
(``nlp.tokenizer.jieba_seg``), through :func:`_jieba_cut`, which gives
jieba's accurate-mode pieces in about two thirds of jieba's time; English
segments use spaCy's tokenizer.  :meth:`Pipeline.doc` builds a ``Doc`` of the
tokens on request.  :meth:`Pipeline.encode` gives the tokens as compact
integer codes (what the token cache stores and worker processes send), and
:meth:`Pipeline.encode_many` streams them from a process pool in input order.

The token list always covers the text exactly: concatenating the token texts
gives the input back, and offsets are code-point offsets into it (Python
string indices), so ``text[t.start:t.end] == t.text``.

A shipped user dictionary (``corpus/resources/userdict.txt``) teaches jieba
the companion-culture words it splits wrongly (饭搭子, 同城, i人, ...), and two
editable stop-word lists feed :func:`words`.  :data:`PIPELINE_VERSION`
changes whenever the dictionary, the stop words, the rules in this module or
the jieba / spaCy versions change, so a token cache keyed by
``(text hash, PIPELINE_VERSION)`` never serves stale tokens.

The package, one idea per module (every public name is importable from ``corpus.text``):

- :mod:`corpus.text.tokens`: :class:`Token`, :data:`KINDS`, hashtag and mention names;
- :mod:`corpus.text.folding`: :func:`fold`, for matching;
- :mod:`corpus.text.patterns`: character classes and the protected-span expression;
- :mod:`corpus.text.resources`: the user dictionary, stop words, :data:`PIPELINE_VERSION`;
- :mod:`corpus.text.jieba_cut`: jieba's accurate mode, faster;
- :mod:`corpus.text.codes`: tokens as compact integer codes (:func:`decode`);
- :mod:`corpus.text.pipeline`: :class:`Pipeline`, its workers, and the shortcuts over the
  cached default pipeline (:func:`tokenizer`, :func:`tokenize`, :func:`words`, :func:`tokenize_many`).
"""

from corpus.text.codes import decode
from corpus.text.folding import fold
from corpus.text.pipeline import Pipeline, tokenize, tokenize_many, tokenizer, words
from corpus.text.resources import PIPELINE_VERSION, load_stopwords, load_userdict
from corpus.text.tokens import DEFAULT_WORD_KINDS, KINDS, Token, hashtag_name, name_span

__all__ = [
    "DEFAULT_WORD_KINDS",
    "KINDS",
    "PIPELINE_VERSION",
    "Pipeline",
    "Token",
    "decode",
    "fold",
    "hashtag_name",
    "load_stopwords",
    "load_userdict",
    "name_span",
    "tokenize",
    "tokenize_many",
    "tokenizer",
    "words",
]
