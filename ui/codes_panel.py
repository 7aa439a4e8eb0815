"""The codes panel of the Code page: a small custom component (``st.components.v2``, local
files, no network) that shows every variable of the codebook for one post and keeps its own
state in the browser.

Why a component: Streamlit's widgets rerun the script on every click, and its button groups
give focus back to the last button pressed when they are drawn again; reused from post to
post, that button may be off-screen, the browser scrolls to it and the click is lost.  The
panel changes nothing but itself when a code is chosen (no rerun, no focus moved), and
*Save & next* sends the whole coding at once (a ``save`` trigger with the post's key, its
values, memo and "uncertain").  Conditions (``when``) are evaluated in the browser from the
accepted codes given here (:func:`coding.codebook.is_applicable`'s rule: a parent code
accepts its descendants, and a condition on a variable that does not apply fails); the
server checks the values again when it saves (:func:`coding.codings.save_coding`).

The browser side is ``codes_panel.js`` and ``codes_panel.css``; every text it shows is set
as text, never as HTML.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path

import streamlit as st

from coding.codebook import Codebook, Variable, code_label, is_applicable
from ui.widgets import choice_codes, variable_help

__all__ = ["KEY", "coded_values", "codes_panel", "hint_lines", "panel_variables", "submitted"]

_HERE = Path(__file__).parent
#: The panel's widget key (one panel on the page; the post it shows travels in its data).
KEY = "dz_codes"
_panel = st.components.v2.component(
    "dazi_codes_panel",
    js=(_HERE / "codes_panel.js").read_text(encoding="utf-8"),
    css=(_HERE / "codes_panel.css").read_text(encoding="utf-8"),
    isolate_styles=False,
)
_KINDS = {"single": "single", "ordinal": "single", "multi": "multi", "numeric": "number", "text": "text"}


def _accepted(book: Codebook, variable: Variable) -> dict[str, list[str]] | None:
    """``when`` with every accepted code (a parent code accepts its descendants)."""
    conditions = variable.conditions()
    if not conditions:
        return None
    out: dict[str, list[str]] = {}
    known = {v.id for v in book.variables}
    for ref, codes in conditions.items():
        accepted = list(codes)
        if ref in known:
            target = book.variable(ref)
            for code_id in codes:
                if target.has_code(code_id):
                    accepted += [c for c in target.descendants(code_id) if c not in accepted]
        out[ref] = accepted
    return out


_PANELS: dict[tuple[int, str], tuple[Codebook, list[dict]]] = {}


def panel_variables(book: Codebook, lang: str) -> list[dict]:
    """The codebook as the panel shows it (kept per codebook object and language: it does not
    change from post to post)."""
    held = _PANELS.get((id(book), lang))
    if held is not None and held[0] is book:
        return held[1]
    out = []
    for v in book.variables:
        label = ("↳ " if v.when else "") + v.display(lang) + (f" ({v.unit})" if v.unit else "") \
            + ("" if v.required else " (optional)")
        out.append({
            "id": v.id, "label": label, "kind": _KINDS.get(v.type, "text"), "required": bool(v.required),
            "cond": _accepted(book, v), "help": variable_help(v, lang),
            "codes": [[c.id, c.display(lang)] for c in choice_codes(v, None)] if v.is_choice else [],
            "min": v.min, "max": v.max,
        })
    if len(_PANELS) > 32:
        _PANELS.clear()
    _PANELS[(id(book), lang)] = (book, out)
    return out


def _with_retired(book: Codebook, variables: list[dict], values: Mapping, lang: str) -> list[dict]:
    """Add a retired code that the saved value still holds (so it shows, and can be unchosen)."""
    out = variables
    for i, v in enumerate(variables):
        value = values.get(v["id"])
        if not v["codes"] or value in (None, [], ""):
            continue
        held = value if isinstance(value, list) else [value]
        known = {c[0] for c in v["codes"]}
        extra = [str(c) for c in held if str(c) not in known]
        if extra:
            variable = book.variable(v["id"])
            if out is variables:
                out = list(variables)
            out[i] = {**v, "codes": v["codes"] + [[c, code_label(variable, c, lang)] for c in extra]}
    return out


def hint_lines(book: Codebook, suggestions: list, lang: str) -> dict[str, str]:
    """``{variable: "2 · Label (keyword, ...); ..."}``: the codes each variable's keywords suggest."""
    found: dict[str, dict[str, dict[str, None]]] = {}
    for s in suggestions:
        found.setdefault(s.variable, {}).setdefault(s.code, {})[s.keyword] = None
    lines = {}
    for variable_id, codes in found.items():
        variable = book.variable(variable_id)
        order = {c.id: n for n, c in enumerate(choice_codes(variable, None), start=1)}
        lines[variable_id] = "; ".join(
            f"{order.get(code, '?')} · {code_label(variable, code, lang)} ({', '.join(words)})"
            for code, words in codes.items())
    return lines


def codes_panel(book: Codebook, lang: str, *, post_pk: int, values: Mapping, memo: str | None, uncertain: bool,
                draft: str, rev: str, hints: Mapping[str, str] | None = None, error: str | None = None,
                saved: str | None = None, on_save: Callable[[], None]) -> dict | None:
    """Mount the panel for one post; returns the coding sent with Save & next in this run (or None).

    ``values`` is the coder's saved coding (``{variable: value}``); ``draft`` names the
    post's unsaved choices in the browser (project, coder and post); ``rev`` changes on
    every run that shows the panel again (a failed save's ``error`` re-enables it); ``saved``
    says what the last Save & next saved (shown beside the button, as text);
    ``on_save`` runs when Save & next is pressed (read the coding with :func:`submitted`).
    A session's first run gets what the browser sent without calling ``on_save`` (Streamlit
    knows a callback only once the script has registered it: a tab reconnected to a restarted
    server); the page handles the returned coding then.
    """
    variables = _with_retired(book, panel_variables(book, lang), values, lang)
    if hints:
        variables = [{**v, "hint": hints[v["id"]]} if v["id"] in hints else v for v in variables]
    data = {"post": post_pk, "rev": rev, "draft": draft, "vars": variables, "error": error, "saved": saved,
            "values": {v["id"]: values.get(v["id"]) for v in variables}, "memo": memo or "", "uncertain": uncertain}
    result = _panel(key=KEY, data=data, on_save_change=on_save)
    sent = getattr(result, "save", None)
    return sent if isinstance(sent, dict) else None


def submitted() -> dict | None:
    """What the panel sent with Save & next in this run (``post``, ``values``, ``memo``, ``uncertain``)."""
    state = st.session_state.get(KEY)
    payload = state.get("save") if state is not None else None
    return payload if isinstance(payload, dict) else None


def coded_values(book: Codebook, sent: dict) -> dict:
    """The values the panel sent, one per variable; a variable whose condition fails is None (cleared).

    >>> from coding.codebook import Code, Codebook, Variable
    >>> book = Codebook("b", [Variable("a", "A", "single", codes=(Code("x", "X"), Code("y", "Y"))),
    ...                       Variable("b", "B", "numeric", when={"a": "x"})])
    >>> coded_values(book, {"a": "y", "b": 3, "zzz": 1})
    {'a': 'y', 'b': None}
    """
    values: dict = {}
    for variable in book.variables:
        value = sent.get(variable.id)
        if value in ("", []):
            value = None
        values[variable.id] = value if is_applicable(variable, values, book) else None
    return values
