"""Character classes and the expression of protected spans (URLs, emoji, hashtags, mentions,
stickers, numbers) that the pipeline never splits."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    pass


#: Han ideographs (with 々〆〇), kana, bopomofo and CJK radicals: letters
#: of the scripts that go to the Chinese segmenter.  CJK punctuation is not
#: in this class: like ASCII punctuation it joins the segment before it.
_CJK = (
    "\u2e80-\u2fdf\u3005-\u3007\u3040-\u30ff\u3100-\u312f\u31a0-\u31bf"
    "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f"
)
_HAN = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f"
_CJK_RE = re.compile(f"[{_CJK}]")
_HAN_RE = re.compile(f"[{_HAN}]")

# Emoji.  Python's re has no \p{Extended_Pictographic}; these ranges follow
# Unicode's emoji-data.txt.  Code points that default to *text* presentation
# (arrows, ©, ™, geometric shapes ...) count as emoji only when followed by
# VS16 (U+FE0F); the pictograph planes and the Miscellaneous Symbols and
# Dingbats blocks (☀ ★ ♡ ✨ ❤ ...) always do.
_EMOJI_ALWAYS = (
    "\U0001f000-\U0001f0ff\U0001f10d-\U0001f1e5\U0001f200-\U0001faff"
    "\u2600-\u27bf\u231a\u231b\u23e9-\u23ec\u23f0\u23f3\u25fd\u25fe"
    "\u2b1b\u2b1c\u2b50\u2b55"
)
_EMOJI_WITH_VS16 = (
    "\u00a9\u00ae\u203c\u2049\u2122\u2139\u2194-\u21ff\u2300-\u23ff\u24c2"
    "\u25a0-\u25ff\u2900-\u297f\u2b00-\u2bff\u3030\u303d\u3297\u3299"
)
_EMOJI_ELEMENT = (
    "(?:"
    "[\U0001f1e6-\U0001f1ff]{2}"  # flag: two regional indicators
    "|[0-9#*]\ufe0f?\u20e3"  # keycap
    f"|(?:[{_EMOJI_ALWAYS}]|[{_EMOJI_WITH_VS16}](?=\ufe0f))"
    "\ufe0f?[\U0001f3fb-\U0001f3ff]?"  # presentation selector, skin tone
    "(?:[\U000e0020-\U000e007e]+\U000e007f)?"  # tag sequence (subdivision flags)
    ")"
)
_EMOJI = f"{_EMOJI_ELEMENT}(?:\u200d{_EMOJI_ELEMENT})*\ufe0f?"

# Characters that end a URL, a mention or a bare hashtag.
_CJK_PUNCT = "\u3000-\u303f\uff01-\uff0f\uff1a-\uff20\uff3b-\uff40\uff5b-\uff65"
_URL = (
    r"(?:https?://|www\.|xhslink\.com/)"
    rf"[^\s<>\"'{_CJK_PUNCT}{_HAN}]*"
    rf"[^\s<>\"'.,;:!?)\]}}{_CJK_PUNCT}{_HAN}]"
)
# A '#' glued to an ASCII letter/digit is not a hashtag (C#, &#123;, URL#frag).
_HASH = r"(?<![A-Za-z0-9&/])#"
_HASHTAG_XHS = _HASH + r"[^#\n\[\]]{1,50}\[话题\]#"
_HASHTAG_PAIR = _HASH + r"[^#\s\[\]]{1,50}#"
_HASHTAG_BARE = _HASH + r"\w+"
_MENTION = (
    r"(?<![A-Za-z0-9._%+\-])@"
    rf"[^\s@#,.!?:;()\[\]<>\"'“”‘’{_CJK_PUNCT}]{{1,30}}"
)
_STICKER = rf"\[(?=[^\]]*[A-Za-z{_HAN}])[A-Za-z0-9_{_HAN}]{{1,10}}\]"
_NUMBER = r"(?<![A-Za-z0-9.])[0-9]+(?:(?:[.,:/][0-9]+)+%?|%)(?![A-Za-z0-9])"

_BASE_ALTERNATIVES: tuple[tuple[str, str], ...] = (
    ("url", _URL),
    ("emoji", _EMOJI),
    ("hashtag", f"{_HASHTAG_XHS}|{_HASHTAG_PAIR}|{_HASHTAG_BARE}"),
    ("mention", _MENTION),
    ("sticker", _STICKER),
    ("number", _NUMBER),
)

# Ordinary runs: a Han/CJK run, or a run of letters and digits of other
# scripts (a Latin "word"), or anything else one character at a time.
_CHUNK_RE = re.compile(rf"(?P<cjk>[{_CJK}]+)|(?P<alnum>(?:(?![{_CJK}])[^\W_])+)", re.UNICODE)
_LETTER_RE = re.compile(r"[^\W\d_]")
_HAS_ALNUM_RE = re.compile(r"[^\W_]")
_NUMBER_TOKEN_RE = re.compile(r"[+\-]?\d+(?:[.,:/]\d+)*%?")
