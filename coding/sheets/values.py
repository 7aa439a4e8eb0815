"""Cell text and code values: what a person typed to its stored form
(:func:`parse_value`: labels in any language, ids, several codes), and a stored
value as the coder sees it in the sheet.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping
from datetime import date, datetime, time

from coding.codebook import Code, Value, Variable, validate_value
from coding.sheets.layout import _NO, _SEPARATORS, _YES
from dazi.errors import ValidationError

__all__ = ["parse_value"]


# --------------------------------------------------------------------------
# Reading what a person typed
# --------------------------------------------------------------------------

def _norm(text: str) -> str:
    """Match key: full-width folded (NFKC), case-folded, without any whitespace."""
    return "".join(unicodedata.normalize("NFKC", text).casefold().split())


def _label_texts(code: Code) -> list[str]:
    if isinstance(code.label, Mapping):
        return [t for t in code.label.values() if t]
    return [code.label] if code.label else []


def _shown_labels(variable: Variable, lang: str) -> list[tuple[str, str]]:
    """``(code id, label)`` for the drop-down; duplicate labels get their id: ``Other (other_a)``."""
    codes = variable.codable_codes()
    labels = [c.display(lang) for c in codes]
    return [(c.id, label if labels.count(label) == 1 else f"{label} ({c.id})") for c, label in zip(codes, labels)]


class _Codes:
    """Turns typed text into a code id of one variable: ids first, then labels."""

    _AMBIGUOUS = object()

    def __init__(self, variable: Variable, lang: str):
        self.variable = variable
        self.lang = lang
        self.tiers: list[dict[str, object]] = [{}, {}, {}]
        for code in variable.all_codes():
            self._add(0, code.id, code.id)
        for code in variable.all_codes():
            tier = 1 if code.codable and not code.retired else 2
            for text in _label_texts(code):
                self._add(tier, text, code.id)
                self._add(tier, f"{text} ({code.id})", code.id)

    def _add(self, tier: int, text: str, code_id: str) -> None:
        key = _norm(text)
        seen = self.tiers[tier].get(key)
        self.tiers[tier][key] = code_id if seen in (None, code_id) else self._AMBIGUOUS

    def options(self) -> str:
        labels = [label for _, label in _shown_labels(self.variable, self.lang)]
        listed = ", ".join(labels[:15])
        return listed + (f", ... ({len(labels)} codes)" if len(labels) > 15 else "")

    def find(self, text: str) -> str | None:
        key = _norm(text)
        for tier in self.tiers:
            if key in tier:
                found = tier[key]
                if isinstance(found, str):  # a code id; the other value is _AMBIGUOUS
                    return found
                ids = [c.id for c in self.variable.all_codes()
                       if key in {_norm(t) for t in _label_texts(c)}]
                raise ValidationError(f"{text.strip()!r} is the label of several codes ({', '.join(ids)}); "
                                      "type the code id instead")
        return None

    def match(self, text: str) -> str:
        found = self.find(text)
        if found is None:
            raise ValidationError(f"{text.strip()!r} is not a code; choose one of: {self.options()}")
        return found

    def match_many(self, text: str) -> list[str]:
        out: list[str] = []
        for part in (p.strip() for p in _SEPARATORS.split(text)):
            if not part:
                continue
            found = self.find(part)
            if found is None and "," in part:
                # an ASCII comma separates codes only when every piece is a code
                pieces = [p.strip() for p in part.split(",") if p.strip()]
                if pieces and all(self.find(p) is not None for p in pieces):
                    out += [self.match(p) for p in pieces]
                    continue
            out.append(self.match(part))
        return out


def _as_text(raw: object) -> str:
    if isinstance(raw, float) and raw.is_integer():
        return str(int(raw))
    return str(raw)


def _parse(variable: Variable, raw: object, codes: _Codes) -> Value:
    """One typed value to its stored form; ValidationError messages without the variable prefix."""
    try:
        if isinstance(raw, bool):
            raise ValidationError(f"{'TRUE' if raw else 'FALSE'} is not a value of this variable")
        if isinstance(raw, (datetime, date, time)):
            raise ValidationError(f"{raw} is a date or time (Excel may have turned what you typed into one); "
                                  "format the cell as text and type it again")
        if raw is None or (isinstance(raw, str) and not raw.strip()):
            return validate_value(variable, None)
        if variable.type in ("single", "ordinal"):
            return validate_value(variable, codes.match(_as_text(raw)))
        if variable.type == "multi":
            return validate_value(variable, codes.match_many(_as_text(raw)))
        if variable.type == "numeric" and isinstance(raw, str):
            return validate_value(variable, unicodedata.normalize("NFKC", raw).strip())
        if variable.type == "text":
            return validate_value(variable, _as_text(raw))
        return validate_value(variable, raw)
    except ValidationError as exc:
        prefix = f"{variable.id}: "
        message = exc.message.removeprefix(prefix)
        raise ValidationError(message, exc.hint) from None


def parse_value(variable: Variable, raw: object, *, lang: str = "zh") -> Value:
    """A value as a person types it (in a sheet or on the command line), in its stored form.

    Codes may be given by label (any language of the codebook) or id, in any
    case and spacing (``" study "``, ``"STUDY"``, ``"学习"``); several codes
    of a multi-choice variable are separated by ``;``, ``；``, ``，``, ``、``
    or a line break (an ASCII comma too, when every piece is a code).
    Numbers may be typed as text, full-width digits included.

    Raises
    ------
    ValidationError
        Naming the value and, for codes, the codes to choose from.

    Examples
    --------
    >>> from coding.codebook import Codebook
    >>> v = Codebook.from_dict({"name": "d", "variables": [{"id": "kind", "label": "Kind", "type": "multi",
    ...     "codes": [{"id": "study", "label": {"en": "Study", "zh": "学习"}},
    ...               {"id": "gym", "label": {"en": "Fitness", "zh": "健身"}}]}]}).variable("kind")
    >>> parse_value(v, "健身；STUDY")
    ['study', 'gym']
    """
    return _parse(variable, raw, _Codes(variable, lang))


def _truthy(raw: object) -> bool | None:
    """``True``/``False`` from yes/no (是/否, x, 1/0, TRUE/FALSE); ``None`` if unrecognised."""
    if isinstance(raw, bool):
        return raw
    if isinstance(raw, (int, float)) and raw in (0, 1):
        return bool(raw)
    key = _norm(_as_text(raw))
    return True if key in _YES else False if key in _NO else None


def _display(variable: Variable, value: Value, lang: str) -> str | int | float | None:
    """A stored value as the coder sees it in the sheet."""
    if value is None:
        return None
    if variable.type in ("single", "ordinal"):
        code_id = str(value)  # a single code's value is its id (text)
        shown = dict(_shown_labels(variable, lang))
        return shown.get(code_id) or (variable.code(code_id).display(lang)
                                      if variable.has_code(code_id) else code_id)
    if variable.type == "multi" and isinstance(value, list):
        shown = dict(_shown_labels(variable, lang))
        return "; ".join(shown.get(c) or c for c in value)
    if isinstance(value, list):  # a list under a variable of one value: never stored by dazi
        return "; ".join(map(str, value))
    return value
