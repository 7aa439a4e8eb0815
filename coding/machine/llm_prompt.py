"""The prompt a language-model coder is sent, built from the codebook, and the reading of its answer.

:func:`system_prompt` writes the coding instructions a human coder reads:
every variable asked (its label, instruction, type and when it applies) and
every code (id, label, definition, inclusion and exclusion rules, examples),
and asks for one JSON object with one key per variable.  :func:`user_prompt`
is the post itself.  :func:`parse_answer` reads the reply strictly: not
JSON, not an object, a variable left out, or a code that is not in the
codebook is a :class:`ReplyError` naming the post, the variable and what was
answered; a model's slip is never guessed into a code.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from typing import Any

from coding.codebook import Codebook, Variable, is_applicable
from coding.codebook.text import localize
from coding.codebook.values import validate_value
from dazi.errors import DaziError, ValidationError

__all__ = ["PROMPT_VERSION", "ReplyError", "parse_answer", "system_prompt", "user_prompt"]

#: Raised when the wording of the prompt changes (stored with every validation).
PROMPT_VERSION = 1
_FENCE = re.compile(r"^\s*```(?:json)?\s*(.*?)\s*```\s*$", re.DOTALL)
_EXAMPLES = 3


class ReplyError(DaziError):
    """A language model answered something that is not a valid coding of the post."""


def _both(text: Any) -> str:
    """A codebook text in English and Chinese when it has both (the model reads either)."""
    en, zh = localize(text, "en"), localize(text, "zh")
    return en if en == zh or not zh else f"{en} / {zh}"


def _when(variable: Variable) -> str:
    return "; ".join(f"{parent} is {' or '.join(codes)}" for parent, codes in variable.conditions().items())


def _variable_lines(variable: Variable) -> list[str]:
    kind = {"single": "exactly one code id (a JSON string)",
            "ordinal": "exactly one code id (a JSON string); the codes are ordered from low to high",
            "multi": "a JSON list of every code id that applies ([] when none does)"}[variable.type]
    lines = [f'## Variable "{variable.id}": {_both(variable.label)}', f"Answer: {kind}."]
    if variable.instruction:
        lines.append(f"Instruction: {_both(variable.instruction)}")
    if variable.when:
        lines.append(f"Asked only when {_when(variable)}; answer null when that does not hold.")
    elif not variable.required:
        lines.append("May be left empty: answer null when nothing fits.")
    lines.append("Codes:")
    for code in variable.active_codes():
        if not code.codable:
            lines.append(f'- group "{_both(code.label)}" (not a code; its codes follow)')
            continue
        parts = [f'- "{code.id}": {_both(code.label)}']
        if code.missing:
            parts.append("(use when the post does not say; never together with other codes)")
        lines.append(" ".join(parts))
        for name, text in (("definition", code.definition), ("include", code.include), ("exclude", code.exclude)):
            if text:
                lines.append(f"    {name}: {_both(text)}")
        for example in code.examples[:_EXAMPLES]:
            lines.append(f"    example: {example}")
    return lines


def system_prompt(codebook: Codebook, variables: Sequence[Variable]) -> str:
    """The coding instructions: the codebook's variables and codes, and the answer's form."""
    keys = ", ".join(f'"{v.id}"' for v in variables)
    lines = [
        "You are a careful coder in a content analysis of social media posts (mostly Chinese).",
        f"Code the post the user sends with the codebook {codebook.name!r} (version {codebook.version}) below.",
        "Read each code's definition and its include and exclude rules; use only the code ids listed.",
        f"Answer with one JSON object and nothing else, with exactly these keys: {keys}.",
        "",
    ]
    for variable in variables:
        lines.extend(_variable_lines(variable))
        lines.append("")
    example: dict[str, Any] = {v.id: ([] if v.type == "multi" else (None if v.when else "CODE_ID")) for v in variables}
    lines.append("Answer like this (with the right code ids): " + json.dumps(example, ensure_ascii=False))
    return "\n".join(lines)


def user_prompt(post_text: str) -> str:
    """The user message: the post (title and text, as the machine coder reads it)."""
    return "Post:\n" + post_text


def _decode(content: str) -> Any:
    text = content.strip()
    fenced = _FENCE.match(text)
    if fenced:
        text = fenced.group(1)
    return json.loads(text)


def _short(content: str, limit: int = 200) -> str:
    content = " ".join(content.split())
    return content if len(content) <= limit else content[:limit] + "..."


def parse_answer(codebook: Codebook, variables: Sequence[Variable], content: str, *, post_id: str
                 ) -> dict[str, Any]:
    """The values a reply gives, normalised as stored codings are; conditional variables only where they apply.

    Conditions are judged on the answer's own codes, in codebook order (as
    the trained models do).  A variable that does not apply is left out even
    if the model answered it.

    Raises
    ------
    ReplyError
        Not JSON, not an object, a variable missing, a code not in the
        codebook (or a retired one), two codes for a single-choice variable,
        or null for a variable that must have a value.
    """
    where = f"post {post_id}"
    hint = ("The model does not follow the codebook's answer format. Check the model name, try a stronger "
            "model, or turn JSON mode on or off (dazi model llm NAME ... --no-json-mode).")
    try:
        answer = _decode(content)
    except ValueError:
        raise ReplyError(f"{where}: the language model's answer is not JSON: {_short(content)!r}", hint) from None
    if not isinstance(answer, dict):
        raise ReplyError(f"{where}: the language model's answer is not a JSON object: {_short(content)!r}", hint)
    problems: list[str] = []
    values: dict[str, Any] = {}
    asked = {v.id for v in variables}
    for variable in codebook.variables:
        if variable.id not in asked:
            continue
        if variable.id not in answer:
            problems.append(f"{variable.id}: no answer")
            continue
        raw = answer[variable.id]
        if variable.when and not is_applicable(variable, values, codebook):
            continue
        if raw is None and variable.when:
            values[variable.id] = None
            continue
        try:
            values[variable.id] = validate_value(variable, raw)
        except ValidationError as exc:
            problems.append(f"{variable.id}: {exc.message} (answered {json.dumps(raw, ensure_ascii=False)})")
    if problems:
        raise ReplyError(f"{where}: the language model's answer does not fit the codebook: " + "; ".join(problems),
                         hint)
    return values
