"""Codebook variables as Streamlit widgets (the Adjudicate page), and coded values as text.

The Code page draws its variables with its own panel (:mod:`ui.codes_panel`); both
read a code's label through the one rule, :func:`coding.codebook.code_label`.
"""

from __future__ import annotations

from collections.abc import Mapping

import streamlit as st

from coding.codebook import Variable, code_label
from ui.text import md_escape, md_lines

__all__ = ["choice_codes", "format_value", "value_widget", "variable_help", "widget_state",
           "widget_value"]

def format_value(variable: Variable, value: object, lang: str) -> str:
    """A coded value as readable text (labels for codes; "–" for no value)."""
    if value is None or value == [] or value == "":
        return "–"
    if variable.is_choice:
        items = value if isinstance(value, list) else [value]
        return "; ".join(code_label(variable, str(v), lang) for v in items)
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return f"{value} {variable.unit}" if variable.unit else str(value)


def variable_help(variable: Variable, lang: str) -> str:
    """The codebook entry of a variable as plain text: instruction, then each code's
    definition, inclusion and exclusion criteria, examples and keywords."""
    from coding.codebook import localize

    lines = [variable.display(lang)]
    if variable.instruction:
        lines += ["", localize(variable.instruction, lang)]
    if variable.type == "numeric":
        bounds = [f"from {variable.min:g}" if variable.min is not None else "",
                  f"to {variable.max:g}" if variable.max is not None else "", variable.unit or ""]
        lines += ["", "A number " + " ".join(b for b in bounds if b)]
    for n, code in enumerate(choice_codes(variable, None), start=1):
        lines += ["", f"{n} · {code.display(lang)}  [{code.id}]"]
        for name, text in (("Definition", code.definition), ("Include", code.include), ("Exclude", code.exclude)):
            if text:
                lines.append(f"    {name}: {localize(text, lang)}")
        for example in code.examples:
            lines.append(f"    Example: {example}")
        if code.keywords:
            lines.append(f"    Keywords: {', '.join(code.keywords)}")
    return "\n".join(lines)


def choice_codes(variable: Variable, current: object) -> list:
    """The codes a coder can choose, plus a retired code the current value still holds."""
    codes = list(variable.codable_codes()) if variable.is_choice else []
    held = current if isinstance(current, list) else ([current] if current else [])
    for code_id in held:
        if variable.has_code(str(code_id)) and all(c.id != code_id for c in codes):
            codes.append(variable.code(str(code_id)))
    return codes


def _number(x: object) -> float | None:
    return None if x is None else float(x)  # type: ignore[arg-type]


def widget_state(variable: Variable, value: object) -> object:
    """A coded value as the widget of :func:`value_widget` holds it in ``session_state``."""
    if variable.type == "multi":
        return list(value) if isinstance(value, list) else ([value] if value else [])
    if variable.type == "numeric":
        return _number(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None
    if variable.type == "text":
        return str(value or "")
    return value if isinstance(value, str) else None


def value_widget(variable: Variable, key: str, lang: str, *, label: str | None = None, help: str | None = None,
                 show_label: bool = True) -> object:
    """The widget that fits the variable's type; returns its value.

    The widget shows what ``session_state[key]`` holds: put the coded value
    there first with :func:`widget_state` (widgets take no default here, so
    one key can show post after post and the browser updates it in place).
    single/ordinal: a radio; multi: toggle pills (a multi-select); numeric: a
    number input (empty allowed); text: a text input.  Options are numbered
    1, 2, ... so the number keys can choose them (see ``pages/code.py``).
    ``label`` (default: the variable's) and ``help`` (a tooltip, e.g.
    :func:`variable_help`) are plain text; with ``show_label=False`` the label
    is only read by screen readers.
    """
    shown = md_escape((label if label is not None else variable.display(lang))
                      + (f" ({variable.unit})" if variable.unit else ""))
    tip = md_lines(help) if help else None
    visibility = "visible" if show_label else "collapsed"
    held = st.session_state.get(key)
    if variable.is_choice:
        codes = choice_codes(variable, held)
        ids = [c.id for c in codes]
        names = {c.id: f"{n} · {md_escape(c.display(lang))}" for n, c in enumerate(codes, start=1)}
        if variable.type == "multi":
            return st.pills(shown, ids, selection_mode="multi", key=key, format_func=names.__getitem__, help=tip,
                            label_visibility=visibility)
        return st.radio(shown, ids, key=key, format_func=names.__getitem__, horizontal=True, help=tip,
                        label_visibility=visibility)
    if variable.type == "numeric":
        return st.number_input(shown, min_value=_number(variable.min), max_value=_number(variable.max), step=1.0,
                               format="%g", key=key, help=tip, label_visibility=visibility)
    return st.text_input(shown, key=key, help=tip, label_visibility=visibility)


def widget_value(variable: Variable, key: str, state: Mapping) -> object:
    """Read back what :func:`value_widget` shows under ``key`` (None for no value)."""
    value = state.get(key)
    return None if value in ("", []) else value
