"""Tests of coding.codebook: model, validation, values, conditions, changes, diff,
and the shipped codebooks."""

from __future__ import annotations

import copy
import dataclasses
import json
import re

import pytest
import yaml

from codebooks import load_shipped, shipped_names, shipped_path
from coding.codebook import (
    Code,
    Codebook,
    CodebookError,
    Variable,
    add_code,
    add_variable,
    diff,
    dump_codebook,
    format_diff,
    is_applicable,
    load_codebook,
    localize,
    merge_codes,
    rename_code,
    retire_code,
    update_code,
    validate,
    validate_value,
    validate_values,
)
from coding.codebook.spec import _CODE_KEYS, _CODEBOOK_KEYS, _REVISION_KEYS, _VARIABLE_KEYS
from dazi.errors import DaziError, InputError, NotFound, ValidationError


def base() -> dict:
    """A small valid codebook in canonical form, one variable of each kind."""
    return {
        "name": "Demo",
        "version": 1,
        "variables": [
            {"id": "kind", "label": {"en": "Kind", "zh": "类型"}, "type": "single", "codes": [
                {"id": "meal", "label": {"en": "Meal", "zh": "饭搭子"}, "color": "#E15759"},
                {"id": "hobbies", "label": "Hobbies", "codable": False, "codes": [
                    {"id": "gaming", "label": "Gaming"},
                    {"id": "reading", "label": "Reading"},
                ]},
                {"id": "travel", "label": "Travel"},
            ]},
            {"id": "channel", "label": "Channel", "type": "multi", "required": False, "codes": [
                {"id": "dm", "label": "DM"},
                {"id": "comments", "label": "Comments"},
                {"id": "video", "label": "Video"},
                {"id": "not_stated", "label": "Not stated", "missing": True},
            ]},
            {"id": "frequency", "label": "Frequency", "type": "ordinal", "codes": [
                {"id": "daily", "label": "Daily"},
                {"id": "weekly", "label": "Weekly"},
                {"id": "rarely", "label": "Rarely"},
                {"id": "not_stated", "label": "Not stated", "missing": True},
            ]},
            {"id": "outcome", "label": "Outcome", "type": "single", "codes": [
                {"id": "success", "label": "Success"},
                {"id": "failure", "label": "Failure"},
                {"id": "unclear", "label": "Unclear", "missing": True},
            ]},
            {"id": "months", "label": "Duration", "type": "numeric", "required": False,
             "when": {"outcome": "success"}, "min": 0, "max": 120, "unit": "months"},
            {"id": "memo", "label": "Memo", "type": "text", "required": False},
        ],
    }


@pytest.fixture
def cb() -> Codebook:
    return Codebook.from_dict(base())


# --------------------------------------------------------------------------
# Model and round trips
# --------------------------------------------------------------------------

def test_canonical_dict_round_trips_exactly():
    data = base()
    codebook = Codebook.from_dict(data)
    assert codebook.to_dict() == data
    assert Codebook.from_dict(codebook.to_dict()) == codebook


def test_defaults_are_filled_and_left_out_again():
    data = base()
    data["variables"][0]["level"] = "nominal"        # the default for single
    data["variables"][0]["required"] = True          # the default
    codebook = Codebook.from_dict(data)
    assert codebook.variable("kind").level == "nominal"
    out = codebook.to_dict()["variables"][0]
    assert "level" not in out and "required" not in out
    assert codebook == Codebook.from_dict(base())


@pytest.mark.parametrize("var_id, level", [
    ("kind", "nominal"), ("channel", "nominal"), ("frequency", "ordinal"),
    ("months", "ratio"), ("memo", None),
])
def test_level_defaults_from_type(cb, var_id, level):
    assert cb.variable(var_id).level == level


def test_to_dict_hands_out_copies(cb):
    out = cb.to_dict()
    out["variables"][0]["label"]["en"] = "changed"
    out["variables"][0]["codes"][0]["label"]["zh"] = "changed"
    assert cb.variable("kind").label["en"] == "Kind"
    assert cb.variable("kind").code("meal").label["zh"] == "饭搭子"


def test_model_is_frozen(cb):
    with pytest.raises(dataclasses.FrozenInstanceError):
        cb.version = 9  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        cb.variable("kind").code("meal").id = "x"  # type: ignore[misc]


def test_yaml_dump_and_load_round_trip(tmp_path, cb):
    tricky = copy.deepcopy(base())
    tricky["description"] = "Line one.\nLine two: with a colon\n"
    tricky["variables"][0]["codes"][2]["definition"] = "yes"           # YAML boolean word
    tricky["variables"][0]["codes"][2]["examples"] = ["#旅行搭子[话题]#", "a: b", "* star", "no"]
    tricky["variables"][0]["codes"][2]["keywords"] = ["on", "null", "1.5", "旅行"]
    codebook = Codebook.from_dict(tricky)
    path = tmp_path / "cb.yaml"
    text = dump_codebook(codebook, path)
    assert "description: |" in text                # multi-line text as a readable block
    assert "饭搭子" in text                          # Chinese not escaped
    assert load_codebook(path) == codebook
    assert load_codebook(text) == codebook           # text works too
    json_path = tmp_path / "cb.json"
    dump_codebook(codebook, json_path)
    assert json.loads(json_path.read_text(encoding="utf-8")) == codebook.to_dict()
    assert load_codebook(json_path) == codebook


def test_display_and_localize():
    code = Code("meal", {"en": "Meal", "zh": "饭搭子"})
    assert code.display("zh") == "饭搭子"
    assert code.display("en") == "Meal"
    assert code.display("zh-Hant") == "饭搭子"       # base language
    assert code.display("fr") == "Meal"             # English fallback
    assert Code("x", {"zh": "学习"}).display("en") == "学习"
    assert Code("x", "Plain").display("zh") == "Plain"
    assert localize(None) == ""
    assert localize({"ja": "勉強"}, "en") == "勉強"  # first non-empty as a last resort


def test_accessors(cb):
    kind = cb.variable("kind")
    assert [c.id for c in kind.all_codes()] == ["meal", "hobbies", "gaming", "reading", "travel"]
    assert [c.id for c in kind.codable_codes()] == ["meal", "gaming", "reading", "travel"]
    assert kind.code("reading").label == "Reading"   # found inside the hierarchy
    assert kind.path("reading") == ("hobbies", "reading")
    assert kind.parent("reading").id == "hobbies"
    assert kind.parent("meal") is None
    assert kind.descendants("hobbies") == ["gaming", "reading"]
    assert cb.variable_ids() == ["kind", "channel", "frequency", "outcome", "months", "memo"]
    frequency = cb.variable("frequency")
    ranks = [frequency.rank(c) for c in ("daily", "weekly", "rarely", "not_stated")]
    assert ranks == [1, 2, 3, None]
    assert [c.id for c in frequency.ordered_codes()] == ["daily", "weekly", "rarely"]
    with pytest.raises(ValidationError, match="not ordinal"):
        kind.rank("meal")


def test_not_found_has_did_you_mean(cb):
    with pytest.raises(NotFound, match=r'has no code "trvel" \(did you mean "travel"\?\)'):
        cb.variable("kind").code("trvel")
    with pytest.raises(NotFound, match=r'no variable "knd" \(did you mean "kind"\?\)') as err:
        cb.variable("knd")
    assert "kind, channel" in err.value.hint


def test_code_and_variable_from_dict_check_their_input():
    assert Code.from_dict({"id": "a", "label": "A"}) == Code("a", "A")
    with pytest.raises(CodebookError, match="label is missing"):
        Code.from_dict({"id": "a"})
    with pytest.raises(CodebookError, match="needs codes"):
        Variable.from_dict({"id": "v", "label": "V", "type": "single"})


# --------------------------------------------------------------------------
# Validation
# --------------------------------------------------------------------------

def _mutate(path: str, value, *, delete: bool = False) -> dict:
    """base() with the value at a dotted path (``variables.0.codes.1.id``) replaced."""
    data = base()
    *parents, last = path.split(".")
    target = data
    for part in parents:
        target = target[int(part)] if part.isdigit() else target[part]
    key = int(last) if last.isdigit() else last
    if delete:
        del target[key]
    else:
        target[key] = value
    return data


V0, C = "variables.0", "variables.0.codes"

INVALID = [
    pytest.param(_mutate("name", None, delete=True), "name: the codebook needs a name",
                 id="no name"),
    pytest.param(_mutate("version", 0), "version: version must be a whole number >= 1",
                 id="version zero"),
    pytest.param(_mutate("version", "1"), "version must be a whole number", id="version text"),
    pytest.param(_mutate("variables", []), "variables: variables must be a non-empty list",
                 id="no variables"),
    pytest.param(_mutate("varaibles", []), 'varaibles: unknown key "varaibles" (did you mean '
                 '"variables"?)', id="misspelt top-level key"),
    pytest.param(_mutate(f"{V0}.lable", "x"), 'variables[0].lable: unknown key "lable" (did you '
                 'mean "label"?)', id="misspelt variable key"),
    pytest.param(_mutate(f"{V0}.description", "x"), '(did you mean "instruction"?)',
                 id="variable description means instruction"),
    pytest.param(_mutate(f"{C}.0.colour", "#FFFFFF"), '(did you mean "color"?)',
                 id="british colour"),
    pytest.param(_mutate(f"{C}.0.children", []), '(did you mean "codes"?)',
                 id="children means codes"),
    pytest.param(_mutate(f"{V0}.id", "Interest Category"), 'variables[0].id: variable id '
                 '"Interest Category" is not a valid id (use lowercase letters, digits and _, '
                 'starting with a letter, at most 64 characters; e.g. "interest_category")',
                 id="id with spaces"),
    pytest.param(_mutate(f"{C}.0.id", True), "variables[0].codes[0].id: code id must be text, "
                 "not true/false (YAML reads unquoted yes/no", id="yes read as boolean"),
    pytest.param(_mutate(f"{C}.0.id", 1), "code id must be text, not a number", id="numeric id"),
    pytest.param(_mutate("variables.1.id", "kind"), 'variables[1]: duplicate variable id "kind" '
                 "(already used at variables[0]", id="duplicate variable"),
    pytest.param(_mutate(f"{C}.2.id", "meal"), 'variables[0].codes[2]: duplicate id "meal" '
                 "(already used at variables[0].codes[0]; ids must be unique within a variable, "
                 "including child and retired codes; rename one)", id="duplicate code"),
    pytest.param(_mutate(f"{C}.1.codes.1.id", "travel"), 'variables[0].codes[2]: duplicate id '
                 '"travel" (already used at variables[0].codes[1].codes[1]',
                 id="duplicate across hierarchy"),
    pytest.param(_mutate(f"{V0}.type", None, delete=True), "variables[0]: type is missing",
                 id="no type"),
    pytest.param(_mutate(f"{V0}.type", "multiple"), 'variables[0].type: unknown type "multiple" '
                 '(did you mean "multi"?)', id="type synonym"),
    pytest.param(_mutate(f"{V0}.type", "singel"), '(did you mean "single"?)', id="type typo"),
    pytest.param(_mutate(f"{V0}.codes", None, delete=True), "variables[0]: a single variable "
                 "needs codes", id="single without codes"),
    pytest.param(_mutate(f"{V0}.codes", []), "codes must be a non-empty list of codes, not an "
                 "empty list", id="empty codes"),
    pytest.param(_mutate("variables.2.codes", [{"id": "a", "label": "A"},
                                               {"id": "b", "label": "B", "missing": True}]),
                 "variables[2].codes: an ordinal variable needs at least 2 active codes",
                 id="ordinal with one point"),
    pytest.param(_mutate("variables.2.codes.0.codes", [{"id": "x", "label": "X"}]),
                 "codes of an ordinal variable cannot have child codes", id="ordinal hierarchy"),
    pytest.param(_mutate("variables.4.codes", [{"id": "a", "label": "A"}]),
                 "variables[4].codes: a numeric variable has no codes", id="numeric with codes"),
    pytest.param(_mutate("variables.4.min", 200), "variables[4]: min (200) is greater than max "
                 "(120); swap them", id="min above max"),
    pytest.param(_mutate("variables.4.max", "lots"), 'variables[4].max: max must be a number, '
                 'not "lots"', id="max not a number"),
    pytest.param(_mutate(f"{V0}.min", 0), "variables[0].min: min only applies to numeric "
                 "variables", id="min on single"),
    pytest.param(_mutate(f"{V0}.level", "ordinal"), "variables[0].level: level ordinal does not "
                 "fit type single", id="ordinal level on single"),
    pytest.param(_mutate("variables.1.level", "interval"), "level interval does not fit type "
                 "multi", id="interval level on multi"),
    pytest.param(_mutate("variables.5.level", "nominal"), "a text variable has no level",
                 id="level on text"),
    pytest.param(_mutate("variables.4.level", "nominal"), "level nominal does not fit type "
                 "numeric", id="nominal numbers"),
    pytest.param(_mutate(f"{V0}.level", "nominall"), 'unknown level "nominall" (did you mean '
                 '"nominal"?)', id="unknown level"),
    pytest.param(_mutate("variables.4.when", {"outcom": "success"}), 'variables[4].when.outcom: '
                 'when refers to "outcom", which is not a variable defined before this one (did '
                 'you mean "outcome"?)', id="when unknown variable"),
    pytest.param(_mutate("variables.0.when", {"outcome": "success"}), "not a variable defined "
                 "before this one", id="when on a later variable"),
    pytest.param(_mutate("variables.4.when", {"months": "success"}), "a variable cannot depend "
                 "on itself", id="when on itself"),
    pytest.param(_mutate("variables.5.when", {"months": "1"}), "when can only use single, multi "
                 "or ordinal variables", id="when on numeric"),
    pytest.param(_mutate("variables.4.when", {"outcome": ["success", "sucess"]}), '"sucess" is '
                 'not a code of "outcome" (did you mean "success"?)', id="when unknown code"),
    pytest.param(_mutate("variables.4.when", {"outcome": True}), "when needs a code id or a list "
                 "of code ids", id="when with unquoted yes"),
    pytest.param(_mutate("variables.4.when", "outcome"), "when must be a non-empty mapping",
                 id="when not a mapping"),
    pytest.param(_mutate(f"{C}.0.color", None), 'color is empty: in YAML an unquoted # starts a '
                 'comment, so write color: "#4E79A7" with quotes', id="unquoted colour"),
    pytest.param(_mutate(f"{C}.0.color", "red"), 'color "red" is not #RRGGBB', id="named colour"),
    pytest.param(_mutate(f"{C}.0.color", "#12345"), "is not #RRGGBB", id="short colour"),
    pytest.param(_mutate(f"{C}.0.label", None, delete=True), "variables[0].codes[0].label: "
                 "label is missing", id="no label"),
    pytest.param(_mutate(f"{C}.0.label", False), "label must be text, not true/false",
                 id="label no read as false"),
    pytest.param(_mutate(f"{C}.0.label", 3), "label must be text, not a number; put it in quotes",
                 id="numeric label"),
    pytest.param(_mutate(f"{C}.0.label", {"english": "Meal"}), '"english" is not a language code',
                 id="bad language key"),
    pytest.param(_mutate(f"{C}.0.label", "  "), "label is empty", id="blank label"),
    pytest.param(_mutate(f"{C}.0.examples", "one example"), "examples must be a list",
                 id="examples not a list"),
    pytest.param(_mutate(f"{C}.0.keywords", ["ok", 5]), "variables[0].codes[0].keywords[1]: "
                 "keywords entries must be non-empty text", id="keyword number"),
    pytest.param(_mutate(f"{C}.0.codable", False), "a code without child codes must be codable",
                 id="uncodable leaf"),
    pytest.param(_mutate(f"{C}.1.missing", True), "a code with child codes cannot be a "
                 "missing-value code", id="missing parent"),
    pytest.param(_mutate(f"{C}.1.retired", True), "variables[0].codes[1].codes[0]: the parent "
                 "code is retired, so this child code must be retired too", id="retired parent"),
    pytest.param(_mutate(f"{C}.0.merged_into", "travel"), "merged_into is only allowed on a "
                 "retired code", id="merged without retired"),
    pytest.param(_mutate(f"{C}.0", {"id": "meal", "label": "M", "retired": True,
                                    "merged_into": "trvel"}),
                 'merged_into names "trvel", which is not a code of this variable (did you mean '
                 '"travel"?)', id="merged into unknown"),
    pytest.param(_mutate(f"{C}.0", {"id": "meal", "label": "M", "retired": True,
                                    "merged_into": "meal"}),
                 "a code cannot be merged into itself", id="merged into itself"),
    pytest.param(_mutate(f"{C}", [{"id": "a", "label": "A", "retired": True, "merged_into": "b"},
                                  {"id": "b", "label": "B", "retired": True, "merged_into": "a"},
                                  {"id": "c", "label": "C"}]),
                 "merged_into forms a cycle", id="merge cycle"),
    pytest.param(_mutate(f"{C}", [{"id": "a", "label": "A", "retired": True}]),
                 "a single variable needs at least one active, codable code", id="all retired"),
    pytest.param(_mutate("variables.1.required", "no"), 'required must be true or false, not "no"',
                 id="required as text"),
    pytest.param(_mutate("changelog", [{"version": 2, "summary": "x"}]), "version 2 is newer "
                 "than the codebook's version 1", id="changelog ahead of version"),
    pytest.param(_mutate("changelog", [{"version": 1, "summary": ""}]), "summary must be "
                 "non-empty text", id="changelog without summary"),
    # found by tests/test_fuzz_codebook.py: NUL (possible in JSON) failed on PostgreSQL (psycopg.DataError)
    pytest.param(_mutate(f"{C}.0.label", {"en": "a\x00b", "zh": "餐"}), f"{C.replace('.0.', '[0].')}"
                 "[0].label.en: the text contains a NUL character", id="NUL in a label"),
    # found by tests/test_fuzz_codebook.py: numbers the database cannot store (TypeError on saving)
    pytest.param(_mutate("version", 2**64), "version 18446744073709551616 is too large",
                 id="version beyond 64 bits"),
    # found by tests/test_fuzz_codebook.py: a list as an id was used as a dict key (TypeError)
    pytest.param(_mutate(f"{C}", [{"id": ["x"], "label": "X"},
                                  {"id": "a", "label": "A", "retired": True, "merged_into": "b"},
                                  {"id": "b", "label": "B"}]),
                 "code id must be text, not a list", id="list as code id beside a merge"),
]


@pytest.mark.parametrize("data, expected", INVALID)
def test_validation_errors(data, expected):
    with pytest.raises(CodebookError) as err:
        validate(data)
    assert expected in err.value.message
    assert isinstance(err.value, ValidationError) and isinstance(err.value, DaziError)
    assert err.value.hint and "template.yaml" in err.value.hint


def test_duplicate_code_message_matches_the_documented_form():
    data = base()
    data["variables"][2]["codes"][1]["id"] = "daily"
    with pytest.raises(CodebookError) as err:
        validate(data)
    assert str(err.value.problems[0]) == (
        'variables[2].codes[1]: duplicate id "daily" (already used at variables[2].codes[0]; '
        "ids must be unique within a variable, including child and retired codes; rename one)")


def test_all_problems_are_reported_at_once():
    data = base()
    data["name"] = ""
    data["variables"][0]["codes"][0]["color"] = "red"
    data["variables"][3]["type"] = "choice"
    with pytest.raises(CodebookError) as err:
        validate(data)
    lines = err.value.message.split("\n")
    assert lines[0] == "3 problems in the codebook:"
    assert [p.where for p in err.value.problems] == [
        "name", "variables[0].codes[0].color", "variables[3].type"]
    assert len(lines) == 4


@pytest.mark.parametrize("data", [
    pytest.param([], id="a list"),
    pytest.param("name: x", id="a string"),
    pytest.param({"name": "x", "variables": ["kind"]}, id="variable as a string"),
    pytest.param({"name": "x", "variables": [{"id": "v", "label": "V", "type": "single",
                                              "codes": ["a", None]}]}, id="codes as strings"),
    pytest.param({"name": "x", "variables": [{"id": "v", "label": "V", "type": ["single"],
                                              "codes": {"a": 1}}]}, id="wrong types everywhere"),
])
def test_garbage_gives_problems_not_tracebacks(data):
    with pytest.raises(CodebookError):
        validate(data)


# --------------------------------------------------------------------------
# Loading files
# --------------------------------------------------------------------------

def test_yaml_problems_carry_line_numbers(tmp_path):
    path = tmp_path / "mine.yaml"
    path.write_text(
        "name: Mine\n"
        "variables:\n"
        "  - id: topic\n"
        "    label: Topic\n"
        "    type: single\n"
        "    codes:\n"
        "      - id: travel\n"
        "        label: Travel\n"
        "      - id: travel\n"          # line 9
        "        label: Trips\n"
        "        color: #4E79A7\n",     # line 11: a comment, so the colour is empty
        encoding="utf-8")
    with pytest.raises(CodebookError) as err:
        load_codebook(path)
    assert err.value.message.startswith(f"{path}: 2 problems in the codebook:")
    assert str(err.value.problems[0]).startswith(
        'variables[0].codes[1] (line 9): duplicate id "travel"')
    assert str(err.value.problems[1]).startswith("variables[0].codes[1].color (line 11): color "
                                                 "is empty")


@pytest.mark.parametrize("text, expected", [
    pytest.param("name: a\nname: b\nvariables: []\n", "found duplicate key 'name' (first on "
                 "line 1) (line 2, column 1)", id="duplicate key"),
    pytest.param("name: a\n  variables: [\n", "not valid YAML", id="bad indentation"),
    pytest.param("{\"name\": \"a\",}", "not valid JSON", id="trailing comma in JSON"),
    pytest.param("# only a comment\n", "the codebook is empty", id="empty"),
])
def test_unreadable_text(text, expected):
    with pytest.raises(InputError) as err:
        load_codebook(text)
    assert expected in err.value.message


def test_unreadable_files(tmp_path):
    with pytest.raises(InputError, match="codebook file not found"):
        load_codebook(tmp_path / "missing.yaml")
    with pytest.raises(InputError, match="codebook file not found"):
        load_codebook("my_codebook")               # a mistyped path, not YAML text
    gbk = tmp_path / "gbk.yaml"
    gbk.write_bytes("name: 云搭子\n".encode("gb18030"))
    with pytest.raises(InputError) as err:
        load_codebook(gbk)
    assert "not UTF-8" in err.value.message and "UTF-8" in err.value.hint
    bom = tmp_path / "bom.yaml"
    bom.write_bytes(b"\xef\xbb\xbf" + yaml.safe_dump(base(), allow_unicode=True).encode())
    assert load_codebook(bom).name == "Demo"


# --------------------------------------------------------------------------
# Values
# --------------------------------------------------------------------------

VALID_VALUES = [
    pytest.param("kind", " meal ", "meal", id="single stripped"),
    pytest.param("kind", ["gaming"], "gaming", id="single from one-item list"),
    pytest.param("kind", "reading", "reading", id="single child code"),
    pytest.param("channel", ["video", "dm", "dm"], ["dm", "video"], id="multi sorted deduped"),
    pytest.param("channel", "comments", ["comments"], id="multi from one string"),
    pytest.param("channel", [], [], id="multi none chosen"),
    pytest.param("channel", None, None, id="optional multi empty"),
    pytest.param("channel", ["not_stated"], ["not_stated"], id="multi missing code alone"),
    pytest.param("frequency", "not_stated", "not_stated", id="ordinal off-scale code"),
    pytest.param("months", "3", 3, id="integral text to int"),
    pytest.param("months", 2.5, 2.5, id="float kept"),
    pytest.param("months", 4.0, 4, id="integral float to int"),
    pytest.param("months", " 0.25 ", 0.25, id="spaces around number"),
    pytest.param("months", float("nan"), None, id="pandas NaN is empty"),
    pytest.param("months", "", None, id="optional numeric empty"),
    pytest.param("memo", "  a note \n", "a note", id="text stripped"),
    pytest.param("memo", "   ", None, id="blank text is empty"),
]


@pytest.mark.parametrize("var_id, value, expected", VALID_VALUES)
def test_valid_values(cb, var_id, value, expected):
    assert validate_value(cb.variable(var_id), value) == expected


INVALID_VALUES = [
    pytest.param("kind", "trvel", 'kind: "trvel" is not a code of this variable (did you mean '
                 '"travel"?)', id="unknown code"),
    pytest.param("kind", ["meal", "travel"], 'kind: only one code is allowed (got "meal", '
                 '"travel")', id="two codes on single"),
    pytest.param("kind", "hobbies", 'kind: code "hobbies" only groups other codes; choose one of '
                 "its child codes", id="group-only parent"),
    pytest.param("kind", None, "kind: a value is required (enter a code)", id="required empty"),
    pytest.param("kind", [], "kind: a value is required", id="required empty list"),
    pytest.param("kind", 3, "kind: 3 is not a code id", id="number as code"),
    pytest.param("channel", ["dm", "not_stated"], 'channel: "not_stated" means no information '
                 "and cannot be combined with other codes", id="not stated with others"),
    pytest.param("channel", {"dm": True}, "channel: expected a list of code ids",
                 id="dict for multi"),
    pytest.param("months", -1, "months: -1 is below the minimum 0 months", id="below min"),
    pytest.param("months", 121, "months: 121 is above the maximum 120 months", id="above max"),
    pytest.param("months", "three", 'months: "three" is not a number', id="words for number"),
    pytest.param("months", True, "months: expected a number, not true/false", id="bool number"),
    pytest.param("months", float("inf"), "months: inf is not a finite number", id="infinity"),
    pytest.param("memo", 5, "memo: expected text", id="number as text"),
]


@pytest.mark.parametrize("var_id, value, expected", INVALID_VALUES)
def test_invalid_values(cb, var_id, value, expected):
    with pytest.raises(ValidationError) as err:
        validate_value(cb.variable(var_id), value)
    assert err.value.message.startswith(expected)


def test_required_multi_needs_a_code(cb):
    variable = dataclasses.replace(cb.variable("channel"), required=True)
    with pytest.raises(ValidationError, match="channel: choose at least one code"):
        validate_value(variable, [])


def test_retired_and_merged_codes_are_refused_with_the_replacement(cb):
    merged, _ = merge_codes(cb, "kind", ["travel"], "meal")
    with pytest.raises(ValidationError) as err:
        validate_value(merged.variable("kind"), "travel")
    assert err.value.message == 'kind: code "travel" is retired (merged into "meal")'
    assert err.value.hint == 'Use "meal".'
    retired = retire_code(cb, "kind", "meal")
    with pytest.raises(ValidationError, match="retired and cannot be used for new codings"):
        validate_value(retired.variable("kind"), "meal")


# --------------------------------------------------------------------------
# Conditions
# --------------------------------------------------------------------------

def test_is_applicable(cb):
    months = cb.variable("months")
    assert is_applicable(months, {"outcome": "success"})
    assert not is_applicable(months, {"outcome": "failure"})
    assert not is_applicable(months, {})
    assert not is_applicable(months, {"outcome": None})
    assert is_applicable(cb.variable("kind"), {})                     # no condition
    listed = dataclasses.replace(months, when={"outcome": ("success", "unclear")})
    assert is_applicable(listed, {"outcome": "unclear"})
    on_multi = dataclasses.replace(months, when={"channel": "video"})
    assert is_applicable(on_multi, {"channel": ["dm", "video"]})
    assert not is_applicable(on_multi, {"channel": ["dm"]})
    both = dataclasses.replace(months, when={"outcome": "success", "channel": "video"})
    assert not is_applicable(both, {"outcome": "success", "channel": ["dm"]})


def test_condition_on_parent_code_covers_children_with_codebook():
    data = base()
    data["variables"][3]["when"] = {"kind": "hobbies"}      # outcome asked for hobbies only
    codebook = Codebook.from_dict(data)
    outcome, months = codebook.variable("outcome"), codebook.variable("months")
    assert is_applicable(outcome, {"kind": "gaming"}, codebook)
    assert not is_applicable(outcome, {"kind": "gaming"})    # exact ids without the codebook
    assert not is_applicable(outcome, {"kind": "meal"}, codebook)
    # Chains: months depends on outcome, which does not apply to a meal post.
    assert not is_applicable(months, {"kind": "meal", "outcome": "success"}, codebook)
    assert is_applicable(months, {"kind": "reading", "outcome": "success"}, codebook)
    assert [v.id for v in codebook.applicable_variables({"kind": "meal"})] == [
        "kind", "channel", "frequency", "memo"]


def test_validate_values(cb):
    values = {"kind": "meal", "channel": ["video", "dm"], "frequency": "daily",
              "outcome": "success", "months": "2", "memo": " ok "}
    assert validate_values(cb, values) == {
        "kind": "meal", "channel": ["dm", "video"], "frequency": "daily",
        "outcome": "success", "months": 2, "memo": "ok"}
    with pytest.raises(ValidationError) as err:
        validate_values(cb, {"kind": "meal", "frequency": "daily", "outcome": "failure",
                             "months": 3, "colour": "x"})
    assert err.value.message.split("\n") == [
        'colour: not a variable of codebook "Demo"',
        'months: does not apply to this post (its condition outcome = success does not hold); '
        "leave it empty",
    ]
    with pytest.raises(ValidationError, match="^kind: a value is required"):
        validate_values(cb, {"frequency": "daily", "outcome": "failure"})


# --------------------------------------------------------------------------
# Changes while coding
# --------------------------------------------------------------------------

def test_add_code(cb):
    new = add_code(cb, "kind", {"id": "fitness", "label": "Fitness"}, after="meal",
                   by="alice", note="Many gym posts.")
    assert new.version == 2 and cb.version == 1                 # pure: the old one is unchanged
    assert [c.id for c in new.variable("kind").codes] == ["meal", "fitness", "hobbies", "travel"]
    assert new.changelog[-1].to_dict() == {
        "version": 2, "summary": 'kind: added code "fitness" (Fitness)', "by": "alice",
        "note": "Many gym posts."}
    child = add_code(new, "kind", Code("crafts", {"en": "Crafts", "zh": "手工"}), "hobbies")
    assert child.variable("kind").path("crafts") == ("hobbies", "crafts")
    assert child.version == 3 and len(child.changelog) == 2
    assert child.changelog[-1].summary == 'kind: added code "crafts" (Crafts / 手工) under "hobbies"'


@pytest.mark.parametrize("args, error, expected", [
    pytest.param(("kind", {"id": "meal", "label": "x"}), ValidationError,
                 'kind: code id "meal" is already used', id="taken id"),
    pytest.param(("months", {"id": "x", "label": "x"}), ValidationError,
                 "months: a numeric variable has no codes", id="numeric variable"),
    pytest.param(("kind", {"id": "x", "label": "x"}, "nope"), NotFound,
                 'variable "kind" has no code "nope"', id="unknown parent"),
    pytest.param(("kind", {"id": "Bad Id", "label": "x"}), CodebookError,
                 'code id "Bad Id" is not a valid id', id="invalid id"),
    pytest.param(("knd", {"id": "x", "label": "x"}), NotFound, 'no variable "knd"',
                 id="unknown variable"),
])
def test_add_code_refusals(cb, args, error, expected):
    with pytest.raises(error) as err:
        add_code(cb, *args)
    assert expected in err.value.message


def test_retired_ids_are_never_reused(cb):
    retired = retire_code(cb, "kind", "travel")
    with pytest.raises(ValidationError, match="a retired code; retired ids are never reused"):
        add_code(retired, "kind", {"id": "travel", "label": "Travel again"})


def test_rename_code_keeps_the_id(cb):
    renamed = rename_code(cb, "kind", "meal", {"en": "Dining"})
    assert renamed.variable("kind").code("meal").label == {"en": "Dining", "zh": "饭搭子"}
    assert renamed.changelog[-1].summary == 'kind: renamed code "meal": "Meal / 饭搭子" -> ' \
                                            '"Dining / 饭搭子"'
    plain = rename_code(renamed, "kind", "meal", "Food")
    assert plain.variable("kind").code("meal").label == "Food"
    assert plain.version == 3


def test_merge_codes(cb):
    data = base()
    data["variables"][4]["when"] = {"outcome": ["success", "failure"]}
    codebook = Codebook.from_dict(data)
    merged, mapping = merge_codes(codebook, "outcome", ["failure"], "success", by="bo")
    assert mapping == {"failure": "success"}
    failure = merged.variable("outcome").code("failure")
    assert failure.retired and failure.merged_into == "success"
    assert [c.id for c in merged.variable("outcome").active_codes()] == ["success", "unclear"]
    assert merged.variable("months").when == {"outcome": ("success",)}   # condition follows
    assert merged.changelog[-1].summary == 'outcome: merged "failure" into "success"'
    # merging again resolves chains for stored codings
    again, mapping2 = merge_codes(merged, "outcome", "success", "unclear")
    assert mapping2 == {"success": "unclear"}
    assert again.variable("outcome").merge_map() == {"failure": "unclear", "success": "unclear"}


def test_merge_rewrites_single_string_condition(cb):
    merged, _ = merge_codes(cb, "outcome", ["success"], "failure")
    assert merged.variable("months").when == {"outcome": "failure"}


@pytest.mark.parametrize("sources, into, expected", [
    pytest.param(["meal"], "meal", 'cannot merge "meal" into itself', id="into itself"),
    pytest.param(["hobbies"], "meal", 'code "hobbies" has active child codes (gaming, reading)',
                 id="source with children"),
    pytest.param(["meal"], "hobbies", 'cannot merge into "hobbies", which only groups codes',
                 id="into a group"),
    pytest.param([], "meal", "no codes to merge", id="nothing"),
])
def test_merge_refusals(cb, sources, into, expected):
    with pytest.raises(ValidationError, match=re.escape(expected)):
        merge_codes(cb, "kind", sources, into)


def test_retire_code(cb):
    retired = retire_code(cb, "kind", "travel", note="no posts")
    assert retired.variable("kind").code("travel").retired
    assert "travel" not in [c.id for c in retired.variable("kind").active_codes()]
    assert "travel" in [c.id for c in retired.variable("kind").all_codes()]  # kept for history
    with pytest.raises(ValidationError, match="already retired"):
        retire_code(retired, "kind", "travel")
    with pytest.raises(ValidationError, match=r'used in the condition \(when\) of "months"'):
        retire_code(cb, "outcome", "success")
    with pytest.raises(ValidationError, match="has active child codes"):
        retire_code(cb, "kind", "hobbies")
    both = retire_code(retire_code(cb, "kind", "gaming"), "kind", "reading")
    assert retire_code(both, "kind", "hobbies").variable("kind").code("hobbies").retired


def test_retiring_the_last_code_is_refused(cb):
    step = retire_code(cb, "outcome", "failure")
    step = retire_code(step, "outcome", "unclear")
    data = step.to_dict()
    data["variables"][4].pop("when")
    step = Codebook.from_dict(data)
    with pytest.raises(CodebookError, match="needs at least one active, codable code"):
        retire_code(step, "outcome", "success")


def test_update_code(cb):
    new = update_code(cb, "kind", "meal", definition={"en": "Eating together", "zh": "一起吃饭"},
                      keywords=("饭搭子", "foodie"), color=None)
    code = new.variable("kind").code("meal")
    assert code.keywords == ("饭搭子", "foodie") and code.color is None
    assert new.changelog[-1].summary == 'kind: changed definition, keywords, color of code "meal"'
    with pytest.raises(ValidationError, match="cannot change label"):
        update_code(cb, "kind", "meal", label="x")


def test_add_variable(cb):
    new = add_variable(cb, {"id": "repeat", "label": "Repeat", "type": "single",
                            "when": {"outcome": "success"},
                            "codes": [{"id": "yes", "label": "Yes"}, {"id": "no", "label": "No"}]},
                       after="outcome")
    assert new.variable_ids() == ["kind", "channel", "frequency", "outcome", "repeat", "months",
                                  "memo"]
    assert new.changelog[-1].summary == 'added variable "repeat" (Repeat)'
    with pytest.raises(CodebookError, match="not a variable defined before this one"):
        add_variable(cb, {"id": "early", "label": "E", "type": "text",
                          "when": {"outcome": "success"}}, after="kind")
    with pytest.raises(ValidationError, match='variable id "kind" is already used'):
        add_variable(cb, Variable("kind", "K", "text"))


# --------------------------------------------------------------------------
# Diff
# --------------------------------------------------------------------------

def test_diff_lists_readable_changes(cb):
    step = add_code(cb, "kind", {"id": "fitness", "label": "Fitness"}, "hobbies")
    step = rename_code(step, "kind", "meal", {"en": "Dining"})
    step, _ = merge_codes(step, "kind", ["reading"], "gaming")
    step = retire_code(step, "channel", "video")
    step = update_code(step, "kind", "travel", definition="Trips")
    step = add_variable(step, {"id": "note", "label": "Note", "type": "text"})
    assert [str(change) for change in diff(cb, step)] == [
        'variable "note" (Note) added',
        'kind: code "fitness" (Fitness) added under "hobbies"',
        'kind: code "meal" renamed: "Meal / 饭搭子" -> "Dining / 饭搭子"',
        'kind: code "reading" merged into "gaming"',
        'kind: code "travel" definition changed: "" -> "Trips"',
        'channel: code "video" retired',
    ]
    kinds = [change.kind for change in diff(cb, step)]
    assert kinds == ["variable_added", "code_added", "code_renamed", "code_merged",
                     "code_changed", "code_retired"]
    assert diff(cb, cb) == [] and format_diff([]) == "no changes"


def test_diff_of_hand_edits(cb):
    data = base()
    data["name"] = "Demo 2"
    del data["variables"][5]                                        # memo removed
    codes = data["variables"][2]["codes"]
    codes[0], codes[1] = codes[1], codes[0]                         # ordinal scale reordered
    data["variables"][0]["codes"][2] = {"id": "trips", "label": "Travel"}   # id changed
    gaming = data["variables"][0]["codes"][1]["codes"].pop(0)
    data["variables"][0]["codes"].append(gaming)                    # moved to top level
    data["variables"][4]["when"] = {"outcome": ["success", "unclear"]}
    data["variables"][1]["type"] = "single"
    new = Codebook.from_dict(data)
    texts = [str(change) for change in diff(cb, new)]
    assert texts == [
        'codebook name changed: "Demo" -> "Demo 2"',
        'variable "memo" removed',
        'kind: code "trips" (Travel) added',
        'kind: code "travel" removed (retire codes instead, so stored codings stay readable)',
        'kind: code "gaming" moved from under "hobbies" to the top level',
        "kind: codes reordered: meal, hobbies, reading, gaming",
        'variable "channel": type changed from multi to single',
        "frequency: codes reordered: weekly, daily, rarely, not_stated",
        'variable "months": condition changed: "outcome = success" -> '
        '"outcome = success or unclear"',
    ]


def test_format_diff_verbose(cb):
    new = update_code(cb, "kind", "meal", definition="Line one\nline two")
    text = format_diff(diff(cb, new), verbose=True)
    assert text == ('kind: code "meal" definition changed: "" -> "Line one line two"\n'
                    "    before: (none)\n"
                    "    after: Line one\n"
                    "        line two")


# --------------------------------------------------------------------------
# Shipped codebooks
# --------------------------------------------------------------------------

def test_shipped_codebooks_load_and_validate():
    assert shipped_names() == ["cloud_companion", "template"]
    for name in shipped_names():
        codebook = load_shipped(name)
        assert Codebook.from_dict(codebook.to_dict()) == codebook


def test_cloud_companion_is_canonical():
    path = shipped_path("cloud_companion")
    assert yaml.safe_load(path.read_text(encoding="utf-8")) == load_codebook(path).to_dict()


def test_cloud_companion_has_the_study_dimensions():
    codebook = load_shipped("cloud_companion")
    assert [(v.id, v.type) for v in codebook.variables] == [
        ("companion_type", "single"), ("interest_category", "single"),
        ("communication_channel", "multi"), ("interaction_frequency", "ordinal"),
        ("emotional_connection", "single"), ("self_presentation", "multi"),
        ("seeking_markers", "multi"), ("match_outcome", "single"),
        ("relationship_duration", "numeric"), ("repeat_companion", "single")]
    # Table 4 of the study groups by these five interest categories.
    interest = codebook.variable("interest_category")
    assert [c.display("en") for c in interest.codes[:5]] == [
        "Study/Learning", "Fitness/Sports", "Travel/Exploration", "Dining/Food", "Hobbies/Crafts"]
    # Table 3's four emotional connection types.
    emotional = codebook.variable("emotional_connection")
    assert [c.display("en") for c in emotional.codes if not c.missing] == [
        "Functional-minimal", "Companionate-stable", "Intimate-deepening", "Fluctuating-dynamic"]
    frequency = codebook.variable("interaction_frequency")
    assert [c.id for c in frequency.ordered_codes()] == [
        "daily", "several_weekly", "weekly", "less_often"]
    duration = codebook.variable("relationship_duration")
    assert (duration.min, duration.max, duration.unit) == (0, 120, "months")
    assert duration.level == "ratio"
    assert duration.when == {"match_outcome": "success"} and not duration.required
    assert codebook.variable("repeat_companion").when == {"match_outcome": "success"}
    assert [c.id for c in codebook.variable("repeat_companion").codes] == ["yes", "no",
                                                                            "not_stated"]


_CJK = re.compile(r"[\u4e00-\u9fff]")


def test_cloud_companion_is_written_for_coders():
    """Bilingual labels and definitions; examples and keywords in Chinese and English."""
    codebook = load_shipped("cloud_companion")
    for variable in codebook.variables:
        assert set(variable.label) == {"en", "zh"}, variable.id
        assert set(variable.instruction) == {"en", "zh"}, variable.id
        for code in variable.all_codes():
            where = f"{variable.id}.{code.id}"
            assert set(code.label) == {"en", "zh"}, where
            assert set(code.definition) == {"en", "zh"}, where
            if code.missing:
                continue
            assert code.examples, where
            langs = {"zh" if _CJK.search(k) else "en" for k in code.keywords}
            if code.id != "english_seeking":          # English phrases by definition
                assert langs == {"zh", "en"}, where
                assert any(_CJK.search(e) for e in code.examples), where
            assert any(not _CJK.search(e) for e in code.examples) or code.id in (
                "explicit_seeking", "waiting_phrasing"), where


def test_template_explains_every_key():
    text = shipped_path("template").read_text(encoding="utf-8")
    for key in (*_CODEBOOK_KEYS, *_VARIABLE_KEYS, *_CODE_KEYS, *_REVISION_KEYS):
        assert re.search(rf"^\s*(- )?#?\s*(- )?{key}:", text, re.M), key
    template = load_shipped("template")
    assert {v.type for v in template.variables} == {"single", "multi", "ordinal", "numeric",
                                                     "text"}


def test_shipped_path_unknown_name():
    with pytest.raises(NotFound, match="did you mean 'cloud_companion'"):
        shipped_path("cloud_compainon")
    assert shipped_path("template.yaml") == shipped_path("template")
