"""Reading and writing codebook files: :func:`load_codebook` (YAML or JSON, with
line numbers in its errors and limits against hostile files) and
:func:`dump_codebook`.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import yaml

from coding.codebook.checker import Path_, _Checker
from coding.codebook.model import Codebook, _build_codebook
from dazi.errors import InputError

__all__ = ["dump_codebook", "load_codebook"]


# --------------------------------------------------------------------------
# Loading and dumping
# --------------------------------------------------------------------------

_BaseLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml is ~10x faster


class _LineLoader(_BaseLoader):  # type: ignore[valid-type, misc]
    """Safe loader that refuses duplicate keys (PyYAML keeps the last silently)."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: dict[object, int] = {}
        for key_node, _ in node.value:
            try:
                key = self.construct_object(key_node, deep=True)
                hash(key)
            except TypeError:
                continue
            if key in seen:
                raise yaml.constructor.ConstructorError(
                    "while constructing a mapping", node.start_mark,
                    f"found duplicate key {key!r} (first on line {seen[key] + 1})",
                    key_node.start_mark)
            seen[key] = key_node.start_mark.line
        return super().construct_mapping(node, deep=deep)


def _node_lines(node: yaml.Node, path: Path_, out: dict[Path_, int]) -> None:
    """Map each path in a composed YAML document to its 1-based line."""
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            if isinstance(key_node, yaml.ScalarNode):
                key_path = path + (key_node.value,)
                out[key_path] = key_node.start_mark.line + 1
                _node_lines(value_node, key_path, out)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            out[path + (index,)] = item.start_mark.line + 1
            _node_lines(item, path + (index,), out)


#: How deeply lists and mappings may nest in a codebook file.  A real codebook
#: needs about a dozen levels; far deeper nesting crashes libyaml's composer
#: (a C stack overflow) and exhausts Python's recursion limit in the checks.
_MAX_DEPTH = 100
#: How many values a codebook may hold once YAML aliases are expanded.  A few
#: hundred variables with a few hundred codes each stay far below this; a
#: "billion laughs" file (aliases of aliases) would take hours to check.
_MAX_VALUES = 1_000_000

_TOO_DEEP_HINT = "A codebook nests a few levels (variables, codes, child codes); check the file."


def _line_note(event: yaml.Event) -> str:
    """`` (line N)`` for a parser event, or nothing when the parser gave no position."""
    mark = event.start_mark
    return "" if mark is None else f" (line {mark.line + 1})"


def _check_yaml_shape(text: str, source: str | None) -> None:
    """Refuse YAML nested too deeply, expanding to too much, or with a recursive alias.

    Reads the parser's event stream (no recursion, no objects built), counting
    the values each anchor stands for, before anything composes the document.
    """
    depth = 0
    total = 0
    open_: list[tuple[str | None, int]] = []  # (anchor, total at start) per open collection
    sizes: dict[str, int] = {}
    for event in yaml.parse(text, Loader=_BaseLoader):
        if isinstance(event, yaml.CollectionStartEvent):
            depth += 1
            if depth > _MAX_DEPTH:
                raise InputError(f"lists and mappings are nested more than {_MAX_DEPTH} deep"
                                 f"{_line_note(event)}", _TOO_DEEP_HINT,
                                 file=source)
            open_.append((event.anchor, total))
            total += 1
        elif isinstance(event, yaml.CollectionEndEvent):
            depth -= 1
            anchor, start = open_.pop()
            if anchor is not None:
                sizes[anchor] = total - start
        elif isinstance(event, yaml.ScalarEvent):
            total += 1
            if event.anchor is not None:
                sizes[event.anchor] = 1
        elif isinstance(event, yaml.AliasEvent):
            if any(anchor == event.anchor for anchor, _ in open_):
                raise InputError(f"the alias *{event.anchor} refers to a list or mapping that "
                                 f"contains it{_line_note(event)}",
                                 "Write the values out instead of the alias.", file=source)
            total += sizes.get(event.anchor, 1) if event.anchor is not None else 1
        if total > _MAX_VALUES:
            raise InputError(f"the codebook expands to more than {_MAX_VALUES:,} values "
                             "(through YAML aliases of aliases)",
                             "Write the codebook without nested aliases (* and &).",
                             file=source)


def _check_depth(data: object, source: str | None) -> None:
    """Refuse parsed data nested more than :data:`_MAX_DEPTH` deep (checked without recursion)."""
    stack = [(data, 1)]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, dict):
            children: Iterable[object] = value.values()
        elif isinstance(value, list):
            children = value
        else:
            continue
        if depth > _MAX_DEPTH:
            raise InputError(f"lists and mappings are nested more than {_MAX_DEPTH} deep",
                             _TOO_DEEP_HINT, file=source)
        stack.extend((child, depth + 1) for child in children)


def _parse_text(text: str, source: str | None, as_json: bool) -> tuple[Any, dict[Path_, int]]:
    if as_json:
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise InputError(f"not valid JSON: {exc.msg} (line {exc.lineno}, column {exc.colno})",
                             "Check the brackets and commas near that place.",
                             file=source) from None
        except RecursionError:
            raise InputError(f"lists and mappings are nested more than {_MAX_DEPTH} deep",
                             _TOO_DEEP_HINT, file=source) from None
        _check_depth(data, source)
        return data, {}
    loader = _LineLoader(text)
    try:
        _check_yaml_shape(text, source)
        node = loader.get_single_node()
        data = loader.construct_document(node) if node is not None else None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" (line {mark.line + 1}, column {mark.column + 1})" if mark else ""
        problem = getattr(exc, "problem", None) or str(exc)
        if "nesting depth" in problem:  # newer PyYAML (6.0.4 here) stops deep nesting itself, scanning ahead
            raise InputError(f"lists and mappings are nested more than {_MAX_DEPTH} deep{where}",
                             _TOO_DEEP_HINT, file=source) from None
        raise InputError(f"not valid YAML: {problem}{where}",
                         "Check the indentation and quoting near that line; text with "
                         "': ' or a leading '#', '*', '&' or '[' needs quotes.",
                         file=source) from None
    finally:
        loader.dispose()
    lines: dict[Path_, int] = {}
    if node is not None:
        _node_lines(node, (), lines)
    return data, lines


def load_codebook(source: str | Path | bytes) -> Codebook:
    """Load and validate a codebook from a YAML/JSON file or text.

    Parameters
    ----------
    source : str, Path or bytes
        A :class:`~pathlib.Path`; a one-line ``str`` (a file path, unless it
        starts with ``{``); otherwise YAML or JSON text (``str`` or UTF-8
        ``bytes``).  JSON is recognised by a ``.json`` suffix or a leading
        ``{``.

    Raises
    ------
    InputError
        The file is missing, not UTF-8, or not valid YAML/JSON.
    CodebookError
        The codebook breaks rules; the message names the file, the place
        (with its line for YAML) and what to do, one problem per line.
    """
    path: Path | None = None
    if isinstance(source, Path):
        path = source
    elif isinstance(source, str) and "\n" not in source and not source.lstrip().startswith("{"):
        path = Path(source)  # one line that is not a {...} mapping can only be a path
    name = str(path) if path is not None else None
    if path is not None:
        try:
            raw = path.read_bytes()
        except FileNotFoundError:
            raise InputError("codebook file not found", "Check the path.", file=name) from None
        except OSError as exc:
            raise InputError(f"cannot read the codebook: {exc.strerror}", file=name) from None
    else:
        raw = source if isinstance(source, bytes) else str(source).encode("utf-8")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(f"not UTF-8 text (byte {exc.start})",
                         "Save the codebook as UTF-8 (in Notepad: Save as, Encoding: UTF-8).",
                         file=name) from None
    as_json = (path is not None and path.suffix.lower() == ".json") or text.lstrip().startswith("{")
    data, lines = _parse_text(text, name, as_json)
    if data is None:
        raise InputError("the codebook is empty", "Start from codebooks/template.yaml.",
                         file=name)
    checker = _Checker()
    checker.codebook(data)
    checker.raise_if_any(name, lines)
    return _build_codebook(data)


class _Dumper(yaml.SafeDumper):
    """Block style for multi-line text; no aliases."""

    def ignore_aliases(self, data: Any) -> bool:
        return True


def _represent_str(dumper: yaml.SafeDumper, value: str) -> yaml.Node:
    if "\n" in value and not any(line != line.rstrip() for line in value.split("\n")):
        return dumper.represent_scalar("tag:yaml.org,2002:str", value, style="|")
    return dumper.represent_scalar("tag:yaml.org,2002:str", value)


_Dumper.add_representer(str, _represent_str)


def dump_codebook(codebook: Codebook, path: str | Path | None = None) -> str:
    """Write a codebook as canonical YAML (or JSON for a ``.json`` path).

    The text is UTF-8 with Chinese left readable, multi-line text as ``|``
    blocks and keys in the canonical order.  Comments of a hand-written file
    are not kept: keep the hand-written file as the master, or start a fresh
    one from this output.

    Returns
    -------
    str
        The text written (also when ``path`` is ``None``).
    """
    data = codebook.to_dict()
    if path is not None and Path(path).suffix.lower() == ".json":
        text = json.dumps(data, ensure_ascii=False, indent=2) + "\n"
    else:
        text = yaml.dump(data, Dumper=_Dumper, allow_unicode=True, sort_keys=False,
                         width=100, indent=2)
    if path is not None:
        Path(path).write_text(text, encoding="utf-8")
    return text
