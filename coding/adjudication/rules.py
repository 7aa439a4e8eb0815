"""The rules that turn one post's codings into final values (:func:`_resolve`).

Stored values are first put in today's terms (:func:`_canonical`: merged
codes followed, multi-choice values in codebook order, text stripped) and
compared under :func:`_key`; the rules themselves are listed in
:mod:`coding.adjudication`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from functools import partial

from coding.adjudication.post_codings import _Post
from coding.adjudication.records import Adjudication
from coding.codebook import Codebook, Value, Variable, is_applicable

__all__: list[str] = []

_OPEN, _ADJUDICATED, _NOT_APPLICABLE, _AGREED = "open", "adjudicated", "not_applicable", "agreed"


def _canonical(variable: Variable, value: object) -> Value:
    """A stored value in today's terms: merged codes followed, multi in codebook order.

    For a multi-choice variable no value is "none of the codes" (``[]``):
    saving stores an empty choice as ``None``.  Whether the variable applies
    at all is decided afterwards (:func:`_resolve`).
    """
    if variable.type == "multi" and value is None:
        return []
    if value is None:
        return None
    if variable.type in ("single", "ordinal") and isinstance(value, str):
        return variable.resolve(value) if variable.has_code(value) else value
    if variable.type == "multi" and isinstance(value, (list, tuple)):
        codes = {variable.resolve(c) if isinstance(c, str) and variable.has_code(c) else c for c in value}
        known = sorted((c for c in codes if isinstance(c, str) and variable.has_code(c)), key=variable.order)
        return known + sorted((c for c in codes if c not in known), key=str)
    if variable.type == "text" and isinstance(value, str):
        return value.strip()
    return value  # type: ignore[return-value]  # stored JSON of another shape: handed back as it is


def _key(value: Value) -> object:
    """A hashable form under which equal values compare equal."""
    if isinstance(value, list):
        return ("multi", frozenset(map(str, value)))
    if isinstance(value, bool):
        return ("bool", value)
    if isinstance(value, (int, float)):
        return ("number", float(value))
    return ("value", value)


def _canonicalizers(codebook: Codebook) -> dict[str, Callable[[object], Value]]:
    """Per variable, :func:`_canonical` with the code look-ups done once (it runs for every stored value)."""
    out: dict[str, Callable[[object], Value]] = {}
    for variable in codebook.variables:
        if variable.type in ("single", "ordinal"):
            target = {c.id: variable.resolve(c.id) for c in variable.all_codes()}

            def single(value: object, target=target) -> Value:
                if isinstance(value, str):
                    return target.get(value, value)
                return value  # type: ignore[return-value]  # stored JSON of another shape

            out[variable.id] = single
        elif variable.type == "multi":
            target = {c.id: variable.resolve(c.id) for c in variable.all_codes()}
            order = {c.id: variable.order(c.id) for c in variable.all_codes()}

            def multi(value: object, target=target, order=order, variable=variable) -> Value:
                if value is None:
                    return []
                if not isinstance(value, (list, tuple)):
                    return _canonical(variable, value)
                codes = {target.get(c, c) if isinstance(c, str) else c for c in value}
                known = sorted((c for c in codes if isinstance(c, str) and c in order), key=order.__getitem__)
                return known + sorted((c for c in codes if c not in known), key=str)

            out[variable.id] = multi
        else:
            out[variable.id] = partial(_canonical, variable)
    return out


def _resolve(codebook: Codebook, post: _Post, latest: Mapping[tuple[int, str], Adjudication],
             canon: Mapping[str, Callable[[object], Value]] | None = None
             ) -> tuple[dict[str, Value], dict[str, str]]:
    """Final value and status (``agreed``, ``adjudicated``, ``open``, ``not_applicable``) per variable.

    ``canon``: :func:`_canonicalizers` of the codebook, when resolving many posts.
    """
    if canon is None:
        canon = _canonicalizers(codebook)
    final: dict[str, Value] = {}
    status: dict[str, str] = {}
    held_values = [values for values, _, _ in post.coders.values()]
    for variable in codebook.variables:
        adjudicated = latest.get((post.post_pk, variable.id)) if latest else None
        if adjudicated is not None:
            final[variable.id] = _canonical(variable, adjudicated.value)
            status[variable.id] = _ADJUDICATED
            continue
        canonical = canon[variable.id]
        held = [canonical(values.get(variable.id)) for values in held_values]
        if len(held) == 1 or len({_key(v) for v in held}) == 1:
            final[variable.id] = held[0]
            status[variable.id] = _AGREED
        else:
            final[variable.id] = None
            status[variable.id] = _OPEN
    # structural missingness, in codebook order (conditions refer to earlier variables)
    undetermined: set[str] = set()
    for variable in codebook.variables:
        refs = variable.conditions()
        if any(ref in undetermined for ref in refs):
            # whether it applies at all waits for an open disagreement upstream
            undetermined.add(variable.id)
            continue
        if refs and not is_applicable(variable, final, codebook):
            final[variable.id] = None
            if status[variable.id] == _OPEN:
                status[variable.id] = _NOT_APPLICABLE
            continue
        if status[variable.id] == _OPEN:
            undetermined.add(variable.id)
    return final, status

