"""Changing a codebook while coding inductively: each function returns a new
version with a changelog entry (:func:`add_code`, :func:`rename_code`,
:func:`update_code`, :func:`merge_codes`, :func:`retire_code`,
:func:`add_variable`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from coding.codebook.model import Code, Codebook, Variable
from coding.codebook.spec import Text
from coding.codebook.text import _q, _suggest, _text_short
from dazi.errors import NotFound, ValidationError

__all__ = ["add_code", "add_variable", "merge_codes", "rename_code", "retire_code", "update_code"]


# --------------------------------------------------------------------------
# Changes while coding
# --------------------------------------------------------------------------

def _find_var(data: dict, variable_id: str, codebook: Codebook) -> dict:
    codebook.variable(variable_id)  # NotFound with a did-you-mean
    return next(var for var in data["variables"] if var["id"] == variable_id)


def _find_code(var: dict, code_id: str) -> tuple[list, int]:
    """The sibling list holding ``code_id`` and its index there."""
    stack = [var.get("codes") or []]
    while stack:
        siblings = stack.pop()
        for index, code in enumerate(siblings):
            if code["id"] == code_id:
                return siblings, index
            if code.get("codes"):
                stack.append(code["codes"])
    raise KeyError(code_id)


def _revise(data: dict, summary: str, by: str | None, note: str | None) -> Codebook:
    data["version"] = data.get("version", 1) + 1
    entry = {"version": data["version"], "summary": summary}
    if by is not None:
        entry["by"] = by
    if note is not None:
        entry["note"] = note
    data.setdefault("changelog", []).append(entry)
    return Codebook.from_dict(data)


def _active_code(codebook: Codebook, variable_id: str, code_id: str) -> Code:
    variable = codebook.variable(variable_id)
    code = variable.code(code_id)
    if code.retired:
        raise ValidationError(f"{variable_id}: code {_q(code_id)} is already retired")
    return code


def add_code(codebook: Codebook, variable_id: str, code: Code | Mapping[str, Any],
             parent: str | None = None, *, after: str | None = None,
             by: str | None = None, note: str | None = None) -> Codebook:
    """A new version with a code added (at the end, or after a sibling).

    Parameters
    ----------
    code : Code or mapping
        The new code (``{"id": ..., "label": ...}`` at least).
    parent : str, optional
        Id of the (active) parent code; top level when ``None``.
    after : str, optional
        Id of a sibling to insert after (order matters for ordinal scales).
    by, note : str, optional
        Who and why, kept in the changelog.

    Raises
    ------
    NotFound
        Unknown variable, parent or sibling.
    ValidationError
        The id is taken (retired ids stay taken), the variable has no codes,
        or the result breaks a codebook rule.
    """
    variable = codebook.variable(variable_id)
    new = code.to_dict() if isinstance(code, Code) else dict(code)
    if not variable.is_choice:
        raise ValidationError(f"{variable_id}: a {variable.type} variable has no codes")
    new_id = new.get("id")
    if isinstance(new_id, str) and variable.has_code(new_id):
        status = " (a retired code; retired ids are never reused)" if variable.code(
            new_id).retired else ""
        raise ValidationError(f"{variable_id}: code id {_q(new_id)} is already used{status}",
                              hint="Choose another id.")
    if new.get("retired"):
        raise ValidationError(f"{variable_id}: a new code cannot be retired")
    data = codebook.to_dict()
    var = _find_var(data, variable_id, codebook)
    if parent is not None:
        _active_code(codebook, variable_id, parent)
        siblings, index = _find_code(var, parent)
        container = siblings[index].setdefault("codes", [])
    else:
        container = var.setdefault("codes", [])
    position = len(container)
    if after is not None:
        ids = [sibling["id"] for sibling in container]
        if after not in ids:
            raise NotFound(f"{variable_id}: no code {_q(after)} "
                           f"{'under ' + _q(parent) if parent else 'at the top level'}"
                           f"{_suggest(after, ids)}", hint="Siblings: " + ", ".join(ids))
        position = ids.index(after) + 1
    container.insert(position, new)
    where = f" under {_q(parent)}" if parent else ""
    label = _text_short(new.get("label")) if isinstance(new.get("label"), (str, Mapping)) else ""
    return _revise(data, f"{variable_id}: added code {_q(new_id)} ({label}){where}", by, note)


def rename_code(codebook: Codebook, variable_id: str, code_id: str, label: Text, *,
                by: str | None = None, note: str | None = None) -> Codebook:
    """A new version with a code's label changed; its id (and codings) stay.

    A dict label updates the languages it names and keeps the others when
    the old label is a dict too (``{"en": "Outdoor"}`` keeps the Chinese); a
    plain string replaces the whole label.
    """
    old = codebook.variable(variable_id).code(code_id).label
    if isinstance(label, Mapping) and isinstance(old, Mapping):
        new_label: Text = {**old, **label}
    else:
        new_label = dict(label) if isinstance(label, Mapping) else label
    data = codebook.to_dict()
    siblings, index = _find_code(_find_var(data, variable_id, codebook), code_id)
    siblings[index]["label"] = new_label
    return _revise(data, f"{variable_id}: renamed code {_q(code_id)}: "
                   f"{_q(_text_short(old))} -> {_q(_text_short(new_label))}", by, note)


_UPDATABLE = ("definition", "include", "exclude", "examples", "keywords", "color",
              "codable", "missing")


def update_code(codebook: Codebook, variable_id: str, code_id: str, *,
                by: str | None = None, note: str | None = None, **changes: Any) -> Codebook:
    """A new version with a code's definition, criteria, examples... changed.

    Keyword arguments are fields of :class:`Code` among ``definition``,
    ``include``, ``exclude``, ``examples``, ``keywords``, ``color``,
    ``codable`` and ``missing``; ``None`` removes a field.  Labels change with
    :func:`rename_code`, retirement with :func:`retire_code`.
    """
    codebook.variable(variable_id).code(code_id)
    wrong = [key for key in changes if key not in _UPDATABLE]
    if wrong or not changes:
        raise ValidationError(
            f"update_code: cannot change {', '.join(wrong)}" if wrong else
            "update_code: nothing to change",
            hint="Changeable: " + ", ".join(_UPDATABLE) + "; use rename_code for labels.")
    data = codebook.to_dict()
    siblings, index = _find_code(_find_var(data, variable_id, codebook), code_id)
    target = siblings[index]
    for key, value in changes.items():
        if value is None:
            target.pop(key, None)
        else:
            target[key] = list(value) if isinstance(value, tuple) else value
    return _revise(data, f"{variable_id}: changed {', '.join(changes)} of code {_q(code_id)}",
                   by, note)


def _conditions_using(codebook: Codebook, variable_id: str, code_ids: set[str]) -> list[str]:
    return [variable.id for variable in codebook.variables
            if set(variable.conditions().get(variable_id, ())) & code_ids]


def merge_codes(codebook: Codebook, variable_id: str, source_ids: Sequence[str], into_id: str,
                *, by: str | None = None, note: str | None = None
                ) -> tuple[Codebook, dict[str, str]]:
    """A new version where ``source_ids`` are retired and point at ``into_id``.

    Conditions (``when``) of other variables that named a source now name
    ``into_id``.  Apply the returned mapping to stored codings (for a multi
    value, replace and de-duplicate; :func:`validate_value` sorts it again).

    Returns
    -------
    (Codebook, dict)
        The new version and ``{source_id: into_id}``.

    Raises
    ------
    ValidationError
        A source is retired, has active child codes, or is ``into_id``; the
        target is retired or only groups codes.
    """
    if isinstance(source_ids, str):
        source_ids = [source_ids]
    sources = list(dict.fromkeys(source_ids))
    if not sources:
        raise ValidationError(f"{variable_id}: no codes to merge")
    target = _active_code(codebook, variable_id, into_id)
    if not target.codable:
        raise ValidationError(f"{variable_id}: cannot merge into {_q(into_id)}, which only "
                              "groups codes", hint="Merge into a codable code.")
    for source in sources:
        code = _active_code(codebook, variable_id, source)
        if source == into_id:
            raise ValidationError(f"{variable_id}: cannot merge {_q(source)} into itself")
        active_children = [c.id for c in code.walk() if c.id != source and not c.retired]
        if active_children:
            raise ValidationError(
                f"{variable_id}: code {_q(source)} has active child codes "
                f"({', '.join(active_children)})",
                hint="Merge or retire its child codes first.")
    data = codebook.to_dict()
    var = _find_var(data, variable_id, codebook)
    for source in sources:
        siblings, index = _find_code(var, source)
        siblings[index]["retired"] = True
        siblings[index]["merged_into"] = into_id
    for other in data["variables"]:
        when = other.get("when") or {}
        codes = when.get(variable_id)
        if codes is None:
            continue
        code_list = [codes] if isinstance(codes, str) else list(codes)
        if set(code_list) & set(sources):
            replaced = list(dict.fromkeys(into_id if c in sources else c for c in code_list))
            when[variable_id] = replaced[0] if isinstance(codes, str) else replaced
    summary = (f"{variable_id}: merged {', '.join(_q(s) for s in sources)} into {_q(into_id)}")
    return _revise(data, summary, by, note), {source: into_id for source in sources}


def retire_code(codebook: Codebook, variable_id: str, code_id: str, *,
                by: str | None = None, note: str | None = None) -> Codebook:
    """A new version where the code is retired: kept for history, hidden from coders.

    Stored codings keep the id (and stay readable); new codings refuse it.

    Raises
    ------
    ValidationError
        Already retired, has active child codes, is used in another
        variable's condition, or is the last active code of the variable.
    """
    code = _active_code(codebook, variable_id, code_id)
    active_children = [c.id for c in code.walk() if c.id != code_id and not c.retired]
    if active_children:
        raise ValidationError(f"{variable_id}: code {_q(code_id)} has active child codes "
                              f"({', '.join(active_children)})",
                              hint="Retire or merge its child codes first.")
    users = _conditions_using(codebook, variable_id, {code_id})
    if users:
        raise ValidationError(f"{variable_id}: code {_q(code_id)} is used in the condition "
                              f"(when) of {', '.join(_q(u) for u in users)}",
                              hint="Change those conditions first, or merge the code instead.")
    data = codebook.to_dict()
    siblings, index = _find_code(_find_var(data, variable_id, codebook), code_id)
    siblings[index]["retired"] = True
    return _revise(data, f"{variable_id}: retired code {_q(code_id)}", by, note)


def add_variable(codebook: Codebook, variable: Variable | Mapping[str, Any], *,
                 after: str | None = None, by: str | None = None,
                 note: str | None = None) -> Codebook:
    """A new version with a variable added (at the end, or after ``after``).

    Raises
    ------
    ValidationError
        The id is taken, or the result breaks a rule (a condition may only
        use variables before it).
    """
    new = variable.to_dict() if isinstance(variable, Variable) else dict(variable)
    new_id = new.get("id")
    if new_id in codebook.variable_ids():
        raise ValidationError(f"variable id {_q(new_id)} is already used",
                              hint="Choose another id.")
    data = codebook.to_dict()
    position = len(data["variables"])
    if after is not None:
        codebook.variable(after)
        position = codebook.variable_ids().index(after) + 1
    data["variables"].insert(position, new)
    label = _text_short(new.get("label")) if isinstance(new.get("label"), (str, Mapping)) else ""
    return _revise(data, f"added variable {_q(new_id)} ({label})", by, note)
