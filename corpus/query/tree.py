"""The tree of a parsed search query: :class:`Term`, :class:`Phrase`, :class:`Regex`,
:class:`Not`, :class:`And`, :class:`Or` (printed back as query text)."""

from __future__ import annotations

from dataclasses import dataclass

#: The operators of the language (a term spelled like one is quoted when printed).
_OPERATORS = {"AND", "OR", "NOT"}


@dataclass(frozen=True)
class Term:
    """A word or string to find (no spaces)."""

    text: str

    def __str__(self) -> str:
        if _needs_quotes(self.text):
            return '"' + self.text.replace("\\", "\\\\").replace('"', '\\"') + '"'
        return self.text


@dataclass(frozen=True)
class Phrase:
    """Words that must follow each other (only whitespace between them)."""

    words: tuple[str, ...]

    def __str__(self) -> str:
        return '"' + " ".join(w.replace("\\", "\\\\").replace('"', '\\"') for w in self.words) + '"'


@dataclass(frozen=True)
class Regex:
    """A Python regular expression, matched case-insensitively."""

    pattern: str

    def __str__(self) -> str:
        return "/" + self.pattern.replace("/", "\\/") + "/"


@dataclass(frozen=True)
class Not:
    """Posts that do not match ``child``."""

    child: Node

    def __str__(self) -> str:
        return f"NOT {_wrap(self.child)}"


@dataclass(frozen=True)
class And:
    """Posts that match every child (two or more)."""

    children: tuple[Node, ...]

    def __str__(self) -> str:
        return " AND ".join(_wrap(c) for c in self.children)


@dataclass(frozen=True)
class Or:
    """Posts that match at least one child (two or more)."""

    children: tuple[Node, ...]

    def __str__(self) -> str:
        return " OR ".join(_wrap(c) for c in self.children)


Node = Term | Phrase | Regex | Not | And | Or
Leaf = Term | Phrase | Regex


def _wrap(node: Node) -> str:
    return f"({node})" if isinstance(node, (And, Or)) else str(node)


def _needs_quotes(text: str) -> bool:
    return (
        text in _OPERATORS
        or any(c.isspace() or c in '()（）"“”' for c in text)
        or text.startswith(("/", "re:"))
    )
