"""Fuzzing the codebook loaders: YAML, JSON and REFI-QDA (.qdc).

Property: :func:`coding.codebook.load_codebook` and
:func:`coding.refi_qda.read_qdc` return a valid :class:`~coding.codebook.Codebook`
or raise a :class:`~dazi.errors.DaziError` naming the file; neither hangs.  A
codebook that loads also survives ``dump_codebook`` / ``to_qdc`` and loading
again unchanged, and can be stored as a project's codebook.

Cases: the shipped codebooks with values replaced by junk (wrong types,
huge numbers, NUL bytes, long and hostile text), keys dropped, added and
duplicated, ids duplicated, conditions (``when``) and merges pointing at
each other in cycles, written as YAML or JSON; YAML-only hazards (aliases of
aliases, recursive aliases, deep nesting, tags); and the same files and the
REFI-QDA samples with their bytes mutated.  Budgets: :mod:`tests.fuzzing`.
"""

from __future__ import annotations

import json
import tempfile
from functools import cache
from pathlib import Path

import pytest
import yaml
from hypothesis import strategies as st

from coding.codebook import Codebook, dump_codebook, load_codebook
from coding.codebook_store import current_codebook, save_codebook
from coding.refi_qda import read_qdc, to_qdc
from dazi.errors import DaziError
from dazi.projects import create_project
from tests.fuzzing import DEPTHS, check_error, run, time_limit

ROOT = Path(__file__).resolve().parents[1]
SHIPPED = [ROOT / "codebooks" / "cloud_companion.yaml", ROOT / "codebooks" / "template.yaml"]
QDC = sorted((ROOT / "tests" / "data" / "codebooks").glob("*.qdc"))

JUNK = st.one_of(
    st.sampled_from([
        "", " ", "\x00", "a\x00b", "single", "multi", "ordinal", "numeric", "text", "nominal", "ratio",
        "#4E79A7", "#zzz", "yes", "no", "~", "null", "1e400", ".nan", "-.inf", "<script>alert(1)</script>",
        "\u202eevil", "a\u200bb", "=1+1", "x" * 100_000, "id", "codes", "when", "merged_into",
    ]),
    st.text(max_size=20),
    st.integers(),
    st.integers(min_value=-(2**80), max_value=2**80),
    st.floats(),
    st.booleans(),
    st.none(),
)
JUNK_TREE = st.recursive(
    JUNK,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=10), inner, max_size=3),
    max_leaves=10,
)


@cache
def _shipped() -> list[dict]:
    return [yaml.safe_load(p.read_text(encoding="utf-8")) for p in SHIPPED]


def _paths(data: object, prefix: tuple = ()) -> list[tuple]:
    """Every path to a value inside nested dicts and lists."""
    out = [prefix]
    if isinstance(data, dict):
        for k, v in data.items():
            out += _paths(v, prefix + (k,))
    elif isinstance(data, list):
        for i, v in enumerate(data):
            out += _paths(v, prefix + (i,))
    return out


def _get(data: object, path: tuple) -> object:
    for key in path:
        data = data[key]  # type: ignore[index]
    return data


def _ids(data: dict) -> tuple[list[str], list[tuple]]:
    """Variable ids and the paths of code dicts of a codebook dict."""
    variables = data.get("variables") if isinstance(data, dict) else None
    var_ids = [v.get("id") for v in (variables if isinstance(variables, list) else []) if isinstance(v, dict)]
    codes = [p for p in _paths(data) if p and p[-2:-1] == ("codes",) and isinstance(_get(data, p), dict)]
    return [v for v in var_ids if isinstance(v, str)], codes


@st.composite
def codebook_dicts(draw) -> dict:
    """A shipped codebook, deep-copied, with 1-6 mutations."""
    data = json.loads(json.dumps(draw(st.sampled_from(_shipped()))))
    for _ in range(draw(st.integers(1, 6))):
        paths = _paths(data)
        path = draw(st.sampled_from(paths))
        kind = draw(st.sampled_from(["replace", "drop", "add", "duplicate", "when", "merge", "self-when"]))
        if not path and kind in ("replace", "drop"):
            continue
        parent = _get(data, path[:-1]) if path else None
        if kind == "replace":
            parent[path[-1]] = draw(JUNK_TREE)
        elif kind == "drop":
            del parent[path[-1]]
        elif kind == "add":
            target = _get(data, path)
            if isinstance(target, dict):
                target[draw(st.sampled_from(["id", "label", "type", "codes", "when", "extra", "retired"]))] = draw(JUNK_TREE)
            elif isinstance(target, list):
                target.insert(draw(st.integers(0, len(target))), draw(JUNK_TREE))
        elif kind == "duplicate":
            target = _get(data, path)
            if isinstance(target, list) and target:
                target.append(json.loads(json.dumps(draw(st.sampled_from(target)))))
        else:
            var_ids, code_paths = _ids(data)
            variables = data.get("variables") if isinstance(data, dict) else None
            if not isinstance(variables, list) or not variables or not var_ids:
                continue
            var = draw(st.sampled_from(variables))
            if not isinstance(var, dict):
                continue
            if kind == "when":  # conditions on any variable, later ones included: cycles
                var["when"] = {draw(st.sampled_from(var_ids)): draw(st.sampled_from(["x", "other", ["a", "b"], True]))}
            elif kind == "self-when" and isinstance(var.get("id"), str):
                var["when"] = {var["id"]: var["id"]}
            elif code_paths:
                a, b = draw(st.sampled_from(code_paths)), draw(st.sampled_from(code_paths))
                code_a, code_b = _get(data, a), _get(data, b)
                code_a.update(retired=True, merged_into=code_b.get("id"))
                code_b.update(retired=True, merged_into=code_a.get("id"))
    return data


def _yaml_hazards() -> st.SearchStrategy[str]:
    laughs = "".join(f"l{i}: &l{i} [" + ", ".join([f"*l{i - 1}"] * 9) + "]\n" for i in range(1, 10))
    return st.sampled_from([
        "a: &a [x, x, x, x, x, x, x, x, x]\n" + laughs.replace("*l0", "*a") + "name: x\n",
        "&a [*a]\n",
        "name: x\nvariables: &v\n  - id: a\n    label: a\n    type: single\n    codes: *v\n",
        "a: " + "[" * 50_000 + "]" * 50_000 + "\n",
        "a: " + "{b: " * 5_000 + "1" + "}" * 5_000 + "\n",
        "".join("  " * i + f"k{i}:\n" for i in range(2_000)),
        "!!python/object/apply:os.system ['true']\n",
        "name: !!binary aGVsbG8=\nversion: 1\nvariables: []\n",
        "name: x\nname: y\n",
        "--- a\n--- b\n",
        "\ufeffname: x\n",
        "name: x\x00\n",
        "\xff\xfe",
        '{"name": ' * 100_000,
        "[" * 100_000,
    ])


def _text(data: object, draw) -> tuple[str, str]:
    """(suffix, text) of *data* as YAML or JSON."""
    if draw(st.booleans()):
        return ".json", json.dumps(data, ensure_ascii=draw(st.booleans()), default=str)
    return ".yaml", yaml.safe_dump(data, allow_unicode=draw(st.booleans()), sort_keys=False)


@st.composite
def codebook_files(draw) -> tuple[str, bytes]:
    kind = draw(st.sampled_from(["structured", "structured", "hazard", "bytes"]))
    if kind == "structured":
        suffix, text = _text(draw(codebook_dicts()), draw)
        return suffix, text.encode("utf-8", "surrogatepass")
    if kind == "hazard":
        return ".yaml", draw(_yaml_hazards()).encode("utf-8", "surrogatepass")
    path = draw(st.sampled_from(SHIPPED))
    return path.suffix, _mutate(draw, path.read_bytes())


def _mutate(draw, raw: bytes) -> bytes:
    data = bytearray(raw)
    for _ in range(draw(st.integers(1, 6))):
        kind = draw(st.sampled_from(["flip", "insert", "delete", "duplicate", "truncate", "special"]))
        at = draw(st.integers(0, len(data)))
        if kind == "flip" and at < len(data):
            data[at] ^= 1 << draw(st.integers(0, 7))
        elif kind == "insert":
            data[at:at] = draw(st.binary(min_size=1, max_size=8))
        elif kind == "delete":
            del data[at:at + draw(st.integers(1, 64))]
        elif kind == "duplicate":
            data[at:at] = data[at:at + draw(st.integers(1, 512))]
        elif kind == "truncate":
            del data[at:]
        else:
            data[at:at] = draw(st.sampled_from([
                b"\x00", b"\xef\xbb\xbf", b"\xff", b"&a ", b"*a ", b"- ", b": ", b"\n  ", b"\t", b"'", b'"',
                b"<!DOCTYPE x [<!ENTITY e SYSTEM 'file:///etc/passwd'>]>", b"&e;", b"<Code>", b"</Code>",
                b"<Code guid='g' name='n' isCodable='true'>" * 200, b"]]>", b"<![CDATA[",
            ]))
    return bytes(data)


@pytest.fixture
def project(sqlite_db):
    return create_project(sqlite_db, "fuzz")


def _stores(db, project, codebook: Codebook) -> None:
    """A codebook that loaded can be stored and read back equal."""
    save_codebook(db, project, codebook)
    assert current_codebook(db, project).codebook == codebook


@pytest.mark.parametrize("examples", DEPTHS)
def test_codebook_files(sqlite_db, project, examples):
    def check(case) -> None:
        suffix, raw = case
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / ("codebook" + suffix)
            path.write_bytes(raw)
            try:
                codebook = load_codebook(path)
            except BaseException as exc:
                check_error(exc, path)
                return
            again = load_codebook(dump_codebook(codebook))
            assert again == codebook, "dump_codebook and loading again changed the codebook"
            _stores(sqlite_db, project, codebook)

    tried = run("codebook-yaml-json", examples, codebook_files(), check)
    assert tried >= min(examples, 50)


@st.composite
def qdc_files(draw) -> bytes:
    if QDC and draw(st.booleans()):
        return _mutate(draw, draw(st.sampled_from(QDC)).read_bytes())
    try:  # a codebook dict that loads, exported, then mutated
        codebook = Codebook.from_dict(draw(codebook_dicts()))
    except DaziError:
        codebook = Codebook.from_dict(_shipped()[0])
    qdc = to_qdc(codebook)
    return _mutate(draw, qdc.encode("utf-8") if isinstance(qdc, str) else qdc)


@pytest.mark.parametrize("examples", DEPTHS)
def test_refi_qda_files(sqlite_db, project, examples):
    def check(raw) -> None:
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "codebook.qdc"
            path.write_bytes(raw)
            try:
                codebook = read_qdc(path)
            except BaseException as exc:
                check_error(exc, path)
                return
            assert load_codebook(dump_codebook(codebook)) == codebook
            _stores(sqlite_db, project, codebook)

    tried = run("codebook-qdc", examples, qdc_files(), check)
    assert tried >= min(examples, 50)


@pytest.mark.parametrize(
    "text, message",
    [
        pytest.param("a: " + "[" * 50_000 + "]" * 50_000 + "\n", "nested more than", id="deep flow YAML (crashed libyaml)"),
        pytest.param("".join("  " * i + f"k{i}:\n" for i in range(2_000)), "nested more than", id="deep block YAML"),
        pytest.param('{"a": ' + "[" * 50_000 + "]" * 50_000 + "}", "nested more than", id="deep JSON"),
        pytest.param("a: &a [x, x, x, x, x, x, x, x, x]\n"
                     + "".join(f"l{i}: &l{i} [" + ", ".join([f"*l{i - 1}" if i > 1 else "*a"] * 9) + "]\n"
                               for i in range(1, 10)), "expands to more than", id="billion laughs"),
        pytest.param("&a [*a]\n", "contains it", id="recursive alias"),
    ],
)
def test_hostile_yaml_is_refused_quickly(tmp_path, text, message):
    path = tmp_path / ("c.json" if text.startswith("{") else "c.yaml")
    path.write_text(text, encoding="utf-8")
    with time_limit(10), pytest.raises(DaziError, match=message) as info:
        load_codebook(path)
    check_error(info.value, path)


def test_nul_characters_in_a_json_codebook_on_both_backends(db, tmp_path):
    """JSON may hold \\u0000 (YAML may not): the codebook is refused clearly or stored and read back equal."""
    data = json.loads(json.dumps(_shipped()[0]))
    data["name"] = "nul\x00name"
    data["variables"][0]["label"] = {"en": "a\x00b", "zh": "标\x00签"}
    path = tmp_path / "c.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    project = create_project(db, "nul")
    try:
        codebook = load_codebook(path)
    except BaseException as exc:
        check_error(exc, path)
        return
    try:
        _stores(db, project, codebook)
    except BaseException as exc:
        check_error(exc)
