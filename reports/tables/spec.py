"""The table spec language: :class:`TableSpec`, its one-line form and spec files.

A spec says which table to make (kind, variables, metrics, period) without the data;
:mod:`reports.tables.compute` makes it.  See :mod:`reports.tables` for the language.
"""

from __future__ import annotations

import json
import shlex
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from dazi.errors import InputError, ValidationError

#: What a :class:`TableSpec` can ask for.
TABLE_KINDS: tuple[str, ...] = ("frequencies", "summary", "crosstab", "cooccurrence", "over_time", "terms")
_KIND_ALIASES = {
    "freq": "frequencies", "frequency": "frequencies", "frequencies": "frequencies", "counts": "frequencies",
    "summary": "summary", "group": "summary", "grouped": "summary", "by": "summary",
    "crosstab": "crosstab", "xtab": "crosstab", "cross": "crosstab",
    "cooccur": "cooccurrence", "cooccurrence": "cooccurrence", "co-occurrence": "cooccurrence",
    "time": "over_time", "over_time": "over_time", "trend": "over_time",
    "terms": "terms", "words": "terms",
}
#: Numeric post fields a summary can average.  Engagement is the sum of the four counts.
POST_NUMBERS: tuple[str, ...] = ("engagement", "likes", "collects", "comments", "shares")
#: Statistics of a number per group: ``mean(x)``, ``median(x)`` ...
METRIC_FUNCTIONS: tuple[str, ...] = ("mean", "median", "sd", "sum", "min", "max")
#: Periods of :func:`over_time`.
PERIODS: tuple[str, ...] = ("week", "month", "year")
_DEFAULT_METRICS = ("n", "share", "mean(engagement)", "median(engagement)")
_SPEC_KEYS = ("kind", "variables", "by", "metrics", "period", "top", "title", "name")
_TRUE = ("1", "yes", "true", "on", "y")
_FALSE = ("0", "no", "false", "off", "n", "")
_SPEC_HINT = ("Write a table as words, e.g. 'freq companion_type', 'summary by=interest_category "
              "metrics=n,mean(engagement),rate(match_outcome=success)', 'crosstab companion_type "
              "communication_channel', 'cooccur communication_channel', 'time match_outcome period=month'.")


@dataclass(frozen=True)
class TableSpec:
    """A declarative description of one table.

    Attributes
    ----------
    kind : str
        ``frequencies``, ``summary``, ``crosstab``, ``cooccurrence`` or
        ``over_time`` (short forms: ``freq``, ``xtab``, ``cooccur``, ``time``);
        ``terms``: top and distinctive terms per code of each variable
        (needs the posts' texts: a sheet of the Excel export only, see
        :mod:`reports.terms`).
    variables : tuple of str
        frequencies: one or more variables (one table each); crosstab: row
        and column variable; cooccurrence: one multi-select variable, or
        two variables; over_time: one variable.
    by : str, optional
        summary: the variable whose codes make the groups.
    metrics : tuple of str
        summary: ``n`` (posts), ``share`` (of all posts with a value for
        ``by``), ``mean(x)``, ``median(x)``, ``sd(x)``, ``sum(x)``,
        ``min(x)``, ``max(x)`` of a count (engagement, likes, collects,
        comments, shares) or a numeric variable, and ``rate(v=code)`` (share
        of the group's posts with a value for ``v`` coded ``code``; several
        codes as ``code1|code2``).  Default: n, share, mean and median engagement.
    period : str
        over_time: ``week`` (ISO weeks), ``month`` or ``year`` of posting (UTC).
    top : bool
        Count child codes under their top-level code.
    title, name : str, optional
        Override the generated title and the short name (sheet name).
    """

    kind: str
    variables: tuple[str, ...] = ()
    by: str | None = None
    metrics: tuple[str, ...] = ()
    period: str = "month"
    top: bool = False
    title: str | None = None
    name: str | None = None

    def __post_init__(self) -> None:
        kind = _KIND_ALIASES.get(str(self.kind).strip().lower())
        if kind is None:
            raise ValidationError(f"Unknown table kind {self.kind!r}.",
                                  f"Use one of: {', '.join(TABLE_KINDS)}. {_SPEC_HINT}")
        object.__setattr__(self, "kind", kind)
        object.__setattr__(self, "variables", tuple(_as_list(self.variables, "variables")))
        object.__setattr__(self, "metrics", tuple(_as_list(self.metrics, "metrics")))
        if self.period not in PERIODS:
            raise ValidationError(f"Unknown period {self.period!r} in a {kind} table.",
                                  f"Use one of: {', '.join(PERIODS)}.")
        if kind == "summary" and not self.by:
            if len(self.variables) == 1:
                object.__setattr__(self, "by", self.variables[0])
                object.__setattr__(self, "variables", ())
            else:
                raise ValidationError("A summary table needs the variable to group by.",
                                      "Add by=VARIABLE, e.g. 'summary by=interest_category metrics=n,mean(engagement)'.")
        if kind == "summary" and not self.metrics:
            object.__setattr__(self, "metrics", _DEFAULT_METRICS)
        if kind != "summary" and (self.by or self.metrics):
            raise ValidationError(f"by= and metrics= belong to summary tables, not to {kind}.",
                                  "Write 'summary by=VARIABLE metrics=...'.")
        wanted = {"frequencies": (1, None), "summary": (0, 0), "crosstab": (2, 2), "cooccurrence": (1, 2),
                  "over_time": (1, 1), "terms": (1, None)}[kind]
        low, high = wanted
        count = len(self.variables)
        if count < low or (high is not None and count > high):
            need = (f"exactly {low}" if low == high else f"{low} or {high}" if high else f"at least {low}")
            raise ValidationError(f"A {kind} table needs {need} variable(s); got {count}: "
                                  f"{', '.join(self.variables) or 'none'}.", _SPEC_HINT)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> TableSpec:
        """A spec from a dict (YAML/JSON), e.g. ``{"kind": "summary", "by": "interest_category"}``.

        ``variable`` (one) is accepted for ``variables``; ``top`` takes yes/no.
        """
        if not isinstance(data, Mapping):
            raise ValidationError(f"A table spec must be a mapping, not {type(data).__name__}.", _SPEC_HINT)
        data = dict(data)
        if "variable" in data and "variables" not in data:
            data["variables"] = [data.pop("variable")]
        unknown = [k for k in data if k not in _SPEC_KEYS]
        if unknown:
            raise ValidationError(f"Unknown key(s) in a table spec: {', '.join(map(str, unknown))}.",
                                  f"Keys: {', '.join(_SPEC_KEYS)}.")
        if "kind" not in data:
            raise ValidationError("A table spec needs a kind.", f"Use one of: {', '.join(TABLE_KINDS)}.")
        if "top" in data:
            data["top"] = _as_bool(data["top"], "top")
        return cls(**data)

    def to_dict(self) -> dict[str, Any]:
        """The spec as a plain dict (what :meth:`from_dict` reads)."""
        out: dict[str, Any] = {"kind": self.kind}
        if self.variables:
            out["variables"] = list(self.variables)
        if self.by:
            out["by"] = self.by
        if self.metrics:
            out["metrics"] = list(self.metrics)
        if self.kind == "over_time":
            out["period"] = self.period
        if self.top:
            out["top"] = True
        for key in ("title", "name"):
            if getattr(self, key):
                out[key] = getattr(self, key)
        return out


def _as_list(value: Any, what: str) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return [v.strip() for v in _split_commas(value) if v.strip()]
    if isinstance(value, Iterable):
        return [str(v).strip() for v in value if str(v).strip()]
    raise ValidationError(f"{what} must be a list of names, not {value!r}.")


def _split_commas(text: str) -> list[str]:
    """Split on commas outside parentheses: ``n,rate(a=b|c)`` -> ``["n", "rate(a=b|c)"]``."""
    parts: list[str] = []
    current: list[str] = []
    depth = 0
    for ch in text:
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        if ch == "," and depth == 0:
            parts.append("".join(current))
            current = []
        else:
            current.append(ch)
    parts.append("".join(current))
    return parts


def _as_bool(value: Any, what: str) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise ValidationError(f"{what}={value!r} is not yes or no.")


def parse_table_spec(text: str) -> TableSpec:
    """A spec from one line of words: ``KIND VARIABLE... [key=value ...]``.

    Keys: ``by``, ``metrics`` (comma-separated), ``period``, ``top``,
    ``title``, ``name``; quote values with spaces (``title="Table 4"``).

    >>> parse_table_spec("summary by=interest_category metrics=n,rate(match_outcome=success)").metrics
    ('n', 'rate(match_outcome=success)')
    >>> parse_table_spec("xtab companion_type communication_channel").kind
    'crosstab'

    Raises
    ------
    ValidationError
        An unknown kind or key, or the wrong number of variables.
    """
    try:
        words = shlex.split(text)
    except ValueError as exc:
        raise ValidationError(f"Cannot read the table spec {text!r}: {exc}.", _SPEC_HINT) from exc
    if not words:
        raise ValidationError("Empty table spec.", _SPEC_HINT)
    data: dict[str, Any] = {"kind": words[0], "variables": []}
    for word in words[1:]:
        key, eq, value = word.partition("=")
        if eq and "(" not in key:
            key = key.strip().lower()
            if key not in _SPEC_KEYS or key in ("kind", "variables"):
                raise ValidationError(f"Unknown option {key!r} in the table spec {text!r}.",
                                      "Options: by=, metrics=, period=, top=, title=, name=.")
            data[key] = value
        else:
            data["variables"].extend(v for v in word.split(",") if v)
    if "top" in data:
        data["top"] = _as_bool(data["top"], "top")
    return TableSpec(**data)


def load_table_specs(path: str | Path) -> list[TableSpec]:
    """Specs from a YAML or JSON file: a list of dicts, or ``{"tables": [...]}``.

    Items may also be strings in the one-line form of :func:`parse_table_spec`.
    """
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
        data = json.loads(text) if path.suffix.lower() == ".json" else yaml.safe_load(text)
    except (OSError, UnicodeDecodeError, ValueError, yaml.YAMLError) as exc:
        raise InputError(f"cannot read table specs: {exc}", "Give a YAML or JSON list of tables.",
                         file=str(path)) from exc
    if isinstance(data, Mapping) and "tables" in data:
        data = data["tables"]
    if not isinstance(data, list):
        raise InputError("expected a list of tables", "Write one item per table (see dazi tables --help).",
                         file=str(path))
    specs = []
    for i, item in enumerate(data, start=1):
        try:
            specs.append(parse_table_spec(item) if isinstance(item, str) else TableSpec.from_dict(item))
        except ValidationError as exc:
            raise InputError(f"table {i}: {exc.message}", exc.hint, file=str(path)) from exc
    return specs


