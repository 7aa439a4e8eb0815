"""The preset record, the row error converters raise, and the registry of presets.

Every source module of this package (``mediacrawler.py``, ``zeeschuimer.py``
...) calls :func:`register` for each layout it reads; :mod:`corpus.presets`
imports them all, so a new source is one new module.  Detection ranks the
registered presets by how well a file's columns fit them
(:func:`rank_presets`); a preset whose columns cannot tell its variants apart
(a Zeeschuimer envelope is the same whatever platform it holds) names a
``choose`` function that picks the registered preset from the first record.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field

from dazi.errors import InputError, ValidationError

__all__ = [
    "PRESETS",
    "Preset",
    "PresetMatch",
    "RowError",
    "check_columns",
    "choose_preset",
    "describe_presets",
    "detect_preset",
    "get_preset",
    "rank_presets",
    "register",
]


class RowError(Exception):
    """A record that cannot be converted (raised by converters, caught by the loader).

    Parameters
    ----------
    column : str or None
        The column (or dotted field path, ``data.note_card.time``) at fault.
    reason : str
        What is wrong with the value.
    hint : str, optional
        What the user can do.
    """

    def __init__(self, column: str | None, reason: str, hint: str | None = None):
        super().__init__(reason)
        self.column = column
        self.reason = reason
        self.hint = hint


@dataclass(frozen=True)
class Preset:
    """One tool's output layout and how to read it.

    Attributes
    ----------
    name : str
        What ``--preset`` takes.
    platform : str
        One of :data:`corpus.fields.PLATFORMS`.
    kind : {"posts", "comments"}
        What :attr:`convert` returns.
    columns : tuple of str
        Columns that must all be present for the preset to apply.
    convert : callable
        ``raw record -> canonical dict``; raises :class:`RowError`.
    markers : tuple of str
        Columns typical of the layout; each present one makes detection surer.
    any_of : tuple of tuple of str
        Groups of columns of which at least one per group must be present.
    time_unit : str
        Kept for compatibility: every preset now reads epoch numbers by
        magnitude (:func:`corpus.parsing.post_time`).
    expand : callable or None
        For container records (an X API page holds many tweets):
        ``record -> iterable of records`` to convert one by one.
    variant : callable or None
        ``columns -> description`` of the schema generation, for the report.
    description : str
        One line for ``--help``, ``dazi import --presets`` and the import page.
    source : str
        The tool and version the layout comes from, and the file of the
        tool's code it follows (for ``dazi import --presets``).
    choose : callable or None
        ``first record -> Preset``: for layouts whose columns are the same
        whatever they hold (envelopes); raises :class:`InputError`.
    detect : bool
        Whether detection considers the preset (presets reached only
        through another's ``choose`` say False).
    """

    name: str
    platform: str
    kind: str
    columns: tuple[str, ...]
    convert: Callable[[dict], dict]
    markers: tuple[str, ...] = ()
    any_of: tuple[tuple[str, ...], ...] = ()
    time_unit: str = "auto"
    expand: Callable[[dict], Iterable[dict]] | None = None
    variant: Callable[[frozenset[str]], str | None] | None = None
    description: str = ""
    source: str = ""
    choose: Callable[[dict], Preset] | None = None
    detect: bool = True

    def matches(self, columns: Iterable[str]) -> bool:
        """Whether a file with these columns has everything this preset needs."""
        cols = set(columns)
        return all(c in cols for c in self.columns) and all(
            any(c in cols for c in group) for group in self.any_of
        )

    def describe_variant(self, columns: Iterable[str]) -> str | None:
        """The schema generation found, e.g. ``"2026-07+: creator_hash, masked nicknames"``."""
        return self.variant(frozenset(columns)) if self.variant else None

    def recognised(self) -> tuple[str, ...]:
        """Every column the preset knows: required, alternatives, markers."""
        names = [*self.columns, *(c for g in self.any_of for c in g), *self.markers]
        return tuple(dict.fromkeys(names))


@dataclass(frozen=True)
class PresetMatch:
    """How well a preset fits a file's columns (for detection and error messages)."""

    preset: Preset
    score: float
    missing: tuple[str, ...] = field(default=())

    @property
    def complete(self) -> bool:
        """All required columns are present."""
        return not self.missing


# ---------------------------------------------------------------------------
# the registry
# ---------------------------------------------------------------------------

#: All registered presets by name, in registration (detection tie-break) order.
PRESETS: dict[str, Preset] = {}


def register(preset: Preset) -> Preset:
    """Add *preset* to :data:`PRESETS` (source modules call this at import).

    Raises
    ------
    ValueError
        If another preset already has the name.
    """
    if preset.name in PRESETS:
        raise ValueError(f"two presets are called {preset.name!r}")
    PRESETS[preset.name] = preset
    return preset


def get_preset(name: str) -> Preset:
    """The preset called *name*.

    Raises
    ------
    ValidationError
        For an unknown name; the message lists the known ones.
    """
    try:
        return PRESETS[name]
    except KeyError:
        raise ValidationError(
            f"unknown preset {name!r}",
            "Known presets: " + ", ".join(PRESETS) + " (see `dazi import --presets`, "
            "or use --map field=column).",
        ) from None


def rank_presets(columns: Iterable[str]) -> list[PresetMatch]:
    """All detectable presets ranked by fit to *columns*, best first.

    A preset with all its required columns scores 10 plus its required and
    marker columns found; an incomplete one scores the share of required
    columns present.  Ties keep registration order.
    """
    cols = set(columns)
    matches = []
    for preset in PRESETS.values():
        if not preset.detect:
            continue
        missing = [c for c in preset.columns if c not in cols]
        for group in preset.any_of:
            if not any(c in cols for c in group):
                missing.append(" or ".join(group))
        if not missing:
            score = 10.0 + len(preset.columns) + sum(m in cols for m in preset.markers)
        else:
            found = len(preset.columns) + len(preset.any_of) - len(missing)
            score = found / (len(preset.columns) + len(preset.any_of))
        matches.append(PresetMatch(preset, score, tuple(missing)))
    matches.sort(key=lambda m: -m.score)
    return matches


def detect_preset(columns: Iterable[str], *, file: str | None = None) -> Preset:
    """The preset whose columns the file has (the best fit when several do).

    Raises
    ------
    InputError
        When no preset has all its columns; the message names the file, the
        columns found and the presets that came closest with what they miss.

    Examples
    --------
    >>> detect_preset(["note_id", "desc", "liked_count", "collected_count", "time"]).name
    'mediacrawler-xhs-notes'
    >>> detect_preset(["post_id", "text", "likes"]).name
    'dazi-posts'
    """
    cols = list(columns)
    ranked = rank_presets(cols)
    if ranked and ranked[0].complete:
        return ranked[0].preset
    closest = [m for m in ranked if m.score > 0][:3]
    near = "; ".join(f"{m.preset.name} (missing {', '.join(m.missing)})" for m in closest)
    shown = ", ".join(map(repr, cols[:40])) + (" ..." if len(cols) > 40 else "")
    raise InputError(
        "no preset recognises these columns: "
        + (shown or "(none)")
        + (f". Closest: {near}" if near else ""),
        "Name the id and text columns with --map post_id=COLUMN --map text=COLUMN "
        "(and likes=, created_at=, ... as needed), or force a preset with --preset NAME "
        "(`dazi import --presets` lists them).",
        file=file,
    )


def choose_preset(preset: Preset, first: Mapping | None, *, file: str | None = None) -> Preset:
    """*preset*, or the one its ``choose`` picks from the file's first record.

    Raises
    ------
    InputError
        From ``choose``: e.g. a Zeeschuimer envelope of a platform dazi does
        not read, naming it.
    """
    if preset.choose is None or first is None:
        return preset
    try:
        return preset.choose(dict(first))
    except RowError as exc:
        raise InputError(exc.reason, exc.hint, file=file, column=exc.column) from None


def check_columns(preset: Preset, columns: Iterable[str], *, file: str | None = None) -> None:
    """Raise :class:`InputError` if a forced preset's columns are missing from a file."""
    cols = list(columns)
    if preset.matches(cols) or preset.expand is not None and "data" in cols:
        return
    missing = [c for c in preset.columns if c not in cols]
    missing += [" or ".join(g) for g in preset.any_of if not any(c in cols for c in g)]
    raise InputError(
        f"preset {preset.name!r} needs column(s) {', '.join(map(repr, missing))}, "
        "which the file lacks. Columns found: " + ", ".join(map(repr, cols)),
        "Choose another preset, or let dazi detect it (omit --preset), or use --map.",
        file=file,
        column=missing[0] if missing else None,
    )


def describe_presets(width: int = 100) -> list[str]:
    """Every preset as lines of text: name, platform and kind, what it reads, the columns it
    recognises (required ones first, ``a|b`` for alternatives, markers in brackets) and the tool
    and version it comes from (what ``dazi import --presets`` prints).
    """
    import textwrap

    lines: list[str] = []
    for preset in PRESETS.values():
        lines.append(f"{preset.name}  ({preset.platform} {preset.kind})")
        if preset.description:
            lines.append(f"    {preset.description}")
        needs = [*preset.columns, *("|".join(g) for g in preset.any_of)]
        cols = "needs " + ", ".join(needs)
        if preset.markers:
            cols += "; also reads " + ", ".join(preset.markers)
        if preset.choose is not None:
            cols += "; the platform is read from the first record"
        elif not preset.detect:
            cols += "; chosen through another preset (or with --preset)"
        lines += textwrap.wrap(cols, width, initial_indent="    ", subsequent_indent="      ")
        if preset.source:
            lines += textwrap.wrap("from " + preset.source, width, initial_indent="    ",
                                   subsequent_indent="      ")
    lines.append("generic  (--map field=column)")
    lines.append("    any file no preset knows, read through a column mapping")
    return lines
