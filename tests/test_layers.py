"""The house rules of the layout, read from the source (DEVELOPERS.md, "Layout").

Every ``import`` in every module of the packages is read with :mod:`ast`
(also those inside functions, which run later but are dependencies all the
same; not those under ``if TYPE_CHECKING:``, which never run) and checked:

- the foundation (``dazi`` without its top floors ``dazi.cli``, ``dazi.demo``)
  never imports ``corpus``, ``coding``, ``reports`` or a top floor;
- the domain packages never import a top floor (the CLI, the demo, the app);
- no module imports itself round a ring of other modules (an import cycle).
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("dazi", "corpus", "coding", "reports", "codebooks")
TOP_FLOORS = ("dazi.cli", "dazi.demo", "dazi.__main__", "pages", "ui", "app")


def _modules() -> dict[str, Path]:
    out = {}
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            parts = path.relative_to(ROOT).with_suffix("").parts
            if "migrations" in parts and "versions" in parts:
                continue  # alembic revision scripts: loaded by alembic, not imported
            name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
            out[name] = path
    return out


MODULES = _modules()


def _walk(node: ast.AST):
    """:func:`ast.walk`, without the bodies of ``if TYPE_CHECKING:``."""
    yield node
    for child in ast.iter_child_nodes(node):
        if isinstance(child, ast.If) and "TYPE_CHECKING" in ast.unparse(child.test):
            yield from (n for orelse in child.orelse for n in _walk(orelse))
            continue
        yield from _walk(child)


def _imports(name: str, path: Path) -> set[str]:
    """The modules ``name`` imports (``from a.b import c`` is ``a.b.c`` when that is a module)."""
    is_package = path.name == "__init__.py"
    found = set()
    for node in _walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:  # relative: from the package holding this module
                package = name.split(".") if is_package else name.split(".")[:-1]
                base = ".".join(package[: len(package) - node.level + 1] + ([base] if base else []))
            for alias in node.names:
                full = f"{base}.{alias.name}"
                found.add(full if full in MODULES else base)
    return {m for m in found if m.split(".")[0] in (*PACKAGES, "pages", "ui", "app")}


GRAPH = {name: _imports(name, path) for name, path in MODULES.items()}


def _under(module: str, prefixes: tuple[str, ...]) -> bool:
    return any(module == p or module.startswith(p + ".") for p in prefixes)


def test_the_graph_is_read():
    assert {"dazi.db", "dazi.cli.group", "coding.codebook.model", "corpus.search", "reports.wide"} <= set(GRAPH)
    assert "dazi.errors" in GRAPH["coding.codebook.checker"]
    assert "coding.codebook.model" in GRAPH["coding.codebook"]


@pytest.mark.parametrize("module", sorted(m for m in GRAPH if _under(m, ("dazi",)) and not _under(m, TOP_FLOORS)))
def test_the_foundation_imports_no_floor_above_it(module):
    above = sorted(m for m in GRAPH[module] if _under(m, ("corpus", "coding", "reports", *TOP_FLOORS)))
    assert not above, f"{module} (foundation) imports {above}"


@pytest.mark.parametrize("module", sorted(m for m in GRAPH if _under(m, ("corpus", "coding", "reports"))))
def test_the_domain_imports_no_top_floor(module):
    above = sorted(m for m in GRAPH[module] if _under(m, TOP_FLOORS))
    assert not above, f"{module} imports {above} (the CLI, the demo and the app are top floors)"


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components with more than one module (Tarjan), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    out: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in sorted(graph.get(node, ())):
            if nxt not in graph:
                continue
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                top = stack.pop()
                on_stack.discard(top)
                component.append(top)
                if top == node:
                    break
            if len(component) > 1 or node in graph.get(node, ()):
                out.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return out


def test_cycles_are_found():
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert _cycles({"a": {"b"}, "b": set()}) == []


def test_no_import_cycles():
    assert _cycles(GRAPH) == []
