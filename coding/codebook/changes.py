"""What changed between two codebook versions: :func:`diff` and
:func:`format_diff`.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from coding.codebook.model import Codebook, Variable, _Entry
from coding.codebook.text import _q, _text_short
from coding.codebook.values import _when_text

__all__ = ["Change", "diff", "format_diff"]


# --------------------------------------------------------------------------
# Differences between versions
# --------------------------------------------------------------------------

@dataclass(frozen=True)
class Change:
    """One difference between two codebook versions (see :func:`diff`).

    Attributes
    ----------
    kind : str
        ``codebook_changed``, ``variable_added``, ``variable_removed``,
        ``variable_changed``, ``variables_reordered``, ``code_added``,
        ``code_removed``, ``code_renamed``, ``code_retired``, ``code_merged``,
        ``code_restored``, ``code_moved``, ``code_changed`` or
        ``codes_reordered``.
    text : str
        One readable line; ``str(change)``.
    variable, code, field : str, optional
        What changed.
    old, new : object
        The values before and after (for changed fields).
    """

    kind: str
    text: str
    variable: str | None = None
    code: str | None = None
    field: str | None = None
    old: Any = None
    new: Any = None

    def __str__(self) -> str:
        return self.text


_CODE_FIELDS = ("definition", "include", "exclude", "examples", "keywords", "color",
                "codable", "missing")
_VARIABLE_FIELDS = ("label", "instruction", "type", "level", "required", "when",
                    "min", "max", "unit")


def _short(value: object, limit: int = 60) -> str:
    if isinstance(value, (str, Mapping)):
        text = _text_short(value)
    elif isinstance(value, tuple):
        text = ", ".join(str(v) for v in value)
    else:
        text = "" if value is None else str(value)
    text = " ".join(text.split())
    text = text if len(text) <= limit else text[: limit - 1] + "…"
    return json.dumps(text, ensure_ascii=False)


def diff(old: Codebook, new: Codebook) -> list[Change]:
    """What changed from ``old`` to ``new``, as readable :class:`Change` records.

    Variables and codes are matched by id, so a label change is a rename and
    an id change shows as one code removed and one added.  The version
    number and changelog are not compared.
    """
    changes: list[Change] = []
    for key in ("name", "description", "authors", "reliability_missing_codes"):
        before, after = getattr(old, key), getattr(new, key)
        if before != after:
            changes.append(Change("codebook_changed",
                                  f"codebook {key} changed: {_short(before)} -> {_short(after)}",
                                  field=key, old=before, new=after))
    old_ids, new_ids = old.variable_ids(), new.variable_ids()
    for variable in new.variables:
        if variable.id not in old_ids:
            changes.append(Change("variable_added", f"variable {_q(variable.id)} "
                                  f"({_text_short(variable.label)}) added",
                                  variable=variable.id, new=variable))
    for variable in old.variables:
        if variable.id not in new_ids:
            changes.append(Change("variable_removed", f"variable {_q(variable.id)} removed",
                                  variable=variable.id, old=variable))
    common_old = [i for i in old_ids if i in new_ids]
    common_new = [i for i in new_ids if i in old_ids]
    if common_old != common_new:
        changes.append(Change("variables_reordered", "variables reordered: "
                              + ", ".join(common_new), old=common_old, new=common_new))
    for var_id in common_new:
        changes.extend(_diff_variable(old.variable(var_id), new.variable(var_id)))
    return changes


def _diff_variable(old: Variable, new: Variable) -> list[Change]:
    changes = []
    vid = old.id
    for key in _VARIABLE_FIELDS:
        before, after = getattr(old, key), getattr(new, key)
        if before != after:
            if key == "when":
                text = (f"variable {_q(vid)}: condition changed: "
                        f"{_q(_when_text(old) or 'always')} -> {_q(_when_text(new) or 'always')}")
            elif key in ("label", "instruction"):
                text = f"variable {_q(vid)}: {key} changed: {_short(before)} -> {_short(after)}"
            else:
                text = f"variable {_q(vid)}: {key} changed from {before} to {after}"
            changes.append(Change("variable_changed", text, variable=vid, field=key,
                                  old=before, new=after))
    before_index, after_index = old._index, new._index
    for code_id, entry in after_index.items():
        if code_id not in before_index:
            where = f" under {_q(entry.parent)}" if entry.parent else ""
            changes.append(Change("code_added", f"{vid}: code {_q(code_id)} "
                                  f"({_text_short(entry.code.label)}) added{where}",
                                  variable=vid, code=code_id, new=entry.code))
    for code_id, entry in before_index.items():
        if code_id not in after_index:
            changes.append(Change("code_removed", f"{vid}: code {_q(code_id)} removed "
                                  "(retire codes instead, so stored codings stay readable)",
                                  variable=vid, code=code_id, old=entry.code))
    common = [code_id for code_id in before_index if code_id in after_index]
    for code_id in common:
        changes.extend(_diff_code(vid, before_index[code_id], after_index[code_id]))
    order_before = [c for c in before_index if c in after_index]
    order_after = [c for c in after_index if c in before_index]
    if order_before != order_after:
        changes.append(Change("codes_reordered", f"{vid}: codes reordered: "
                              + ", ".join(order_after), variable=vid,
                              old=order_before, new=order_after))
    return changes


def _diff_code(vid: str, before: _Entry, after: _Entry) -> list[Change]:
    changes = []
    old, new = before.code, after.code
    cid = old.id
    if old.label != new.label:
        changes.append(Change("code_renamed", f"{vid}: code {_q(cid)} renamed: "
                              f"{_short(old.label)} -> {_short(new.label)}",
                              variable=vid, code=cid, field="label",
                              old=old.label, new=new.label))
    if new.retired and (not old.retired or old.merged_into != new.merged_into):
        if new.merged_into:
            changes.append(Change("code_merged", f"{vid}: code {_q(cid)} merged into "
                                  f"{_q(new.merged_into)}", variable=vid, code=cid,
                                  field="merged_into", old=old.merged_into,
                                  new=new.merged_into))
        else:
            changes.append(Change("code_retired", f"{vid}: code {_q(cid)} retired",
                                  variable=vid, code=cid, field="retired",
                                  old=False, new=True))
    elif old.retired and not new.retired:
        changes.append(Change("code_restored", f"{vid}: code {_q(cid)} restored (no longer "
                              "retired)", variable=vid, code=cid, field="retired",
                              old=True, new=False))
    if before.parent != after.parent:
        def where(parent: str | None) -> str:
            return f"under {_q(parent)}" if parent else "the top level"
        changes.append(Change("code_moved", f"{vid}: code {_q(cid)} moved from "
                              f"{where(before.parent)} to {where(after.parent)}",
                              variable=vid, code=cid, field="parent",
                              old=before.parent, new=after.parent))
    for key in _CODE_FIELDS:
        was, now = getattr(old, key), getattr(new, key)
        if was != now:
            changes.append(Change("code_changed", f"{vid}: code {_q(cid)} {key} changed: "
                                  f"{_short(was)} -> {_short(now)}", variable=vid, code=cid,
                                  field=key, old=was, new=now))
    return changes


def format_diff(changes: Sequence[Change], *, verbose: bool = False) -> str:
    """The changes as text, one per line (``dazi codebook diff``).

    With ``verbose``, changed texts are printed in full below their line.
    """
    if not changes:
        return "no changes"
    lines = []
    for change in changes:
        lines.append(change.text)
        if verbose and change.kind in ("code_changed", "variable_changed", "code_renamed",
                                       "codebook_changed"):
            for tag, value in (("before", change.old), ("after", change.new)):
                shown = ("(none)" if value is None or value == ()
                         else _text_short(value) if isinstance(value, (str, Mapping))
                         else ", ".join(map(str, value)) if isinstance(value, tuple)
                         else str(value))
                lines.append(f"    {tag}: " + shown.replace("\n", "\n        "))
    return "\n".join(lines)
