"""Tests of coding.refi_qda: .qdc export structure, round trips, imports of other
tools' files, and refusal of hostile XML.

The structure rules checked here are those of the REFI-QDA Codebook.xsd (2019)
as summarised in the project's refi-qda notes: root ``CodeBook`` in namespace
``urn:QDA-XML:codebook:1.0``; ``Codes`` (one or more ``Code``) then optional
non-empty ``Sets``; ``Code`` with required ``guid`` (8-4-4-4-12 hex), ``name``,
``isCodable`` (xsd:boolean), optional ``color`` (#RRGGBB), children
``Description?`` then ``Code*``.
"""

from __future__ import annotations

import re
import uuid
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from codebooks import load_shipped
from coding.codebook import Codebook, merge_codes, rename_code
from coding.refi_qda import (
    _CODE_FIELDS,
    CODEBOOK_NAMESPACE,
    GUID_NAMESPACE,
    _parse_description,
    code_guid,
    from_qdc,
    read_qdc,
    safe_xml,
    to_qdc,
    write_qdc,
)
from dazi.errors import InputError, ValidationError

DATA = Path(__file__).parent / "data" / "codebooks"
NS = "{" + CODEBOOK_NAMESPACE + "}"
GUID_RE = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-"
                     r"[0-9a-fA-F]{12}$")
XSD_BOOLEAN = {"true", "false", "1", "0"}


def check_qdc_structure(data: bytes) -> ET.Element:
    """Assert the Codebook.xsd structure rules; return the root."""
    assert not data.startswith(b"\xef\xbb\xbf"), "BOM written"
    assert data.startswith(b'<?xml version="1.0" encoding="utf-8"?>')
    root = ET.fromstring(data)
    assert root.tag == NS + "CodeBook"
    assert set(root.attrib) <= {"origin"}
    names = [child.tag for child in root]
    assert names in ([NS + "Codes"], [NS + "Codes", NS + "Sets"]), names
    if len(root) == 2:
        assert len(root[1]) >= 1, "empty <Sets/> is invalid"
    codes = root[0]
    assert len(codes) >= 1 and all(child.tag == NS + "Code" for child in codes)
    guids: list[str] = []

    def check_code(code: ET.Element) -> None:
        assert {"guid", "name", "isCodable"} <= set(code.attrib), code.attrib
        assert set(code.attrib) <= {"guid", "name", "isCodable", "color"}, code.attrib
        assert GUID_RE.match(code.get("guid")), code.get("guid")
        assert code.get("name").strip()
        assert code.get("isCodable") in XSD_BOOLEAN
        if "color" in code.attrib:
            assert re.fullmatch(r"#[0-9A-Fa-f]{6}", code.get("color"))
        guids.append(code.get("guid"))
        children = list(code)
        descriptions = [i for i, c in enumerate(children) if c.tag == NS + "Description"]
        assert descriptions in ([], [0]), "Description must come first, at most once"
        for child in children[len(descriptions):]:
            assert child.tag == NS + "Code", child.tag
            check_code(child)
        for index in descriptions:
            assert len(children[index]) == 0 and not children[index].attrib

    for code in codes:
        check_code(code)
    assert len(guids) == len(set(guids)), "GUIDs must be unique"
    return root


@pytest.fixture(scope="module")
def study() -> Codebook:
    return load_shipped("cloud_companion")


@pytest.fixture(scope="module")
def template() -> Codebook:
    return load_shipped("template")


# --------------------------------------------------------------------------
# Export
# --------------------------------------------------------------------------

def test_export_follows_the_standard(study):
    root = check_qdc_structure(to_qdc(study))
    assert root.get("origin") == "dazi"
    assert len(root) == 1                                   # no Sets at all
    top = [code.get("name") for code in root[0]]
    assert top == ["Companion type", "Interest category", "Communication channel",
                   "Interaction frequency", "Emotional connection", "Self-presentation",
                   "Seeking markers", "Match outcome", "Repeat companion"]
    assert all(code.get("isCodable") == "false" for code in root[0])   # variables group codes


def test_hierarchy_and_colours_are_written(study):
    root = ET.fromstring(to_qdc(study))
    interest = root[0][1]
    hobbies = [c for c in interest if c.get("name") == "Hobbies/Crafts"][0]
    assert hobbies.get("color") == "#B07AA1" and hobbies.get("isCodable") == "true"
    assert [c.get("name") for c in hobbies.findall(NS + "Code")] == [
        "Gaming", "Reading", "Crafts", "Arts and music", "Series, film and anime"]


def test_export_in_chinese_names(study):
    root = ET.fromstring(to_qdc(study, lang="zh"))
    assert root[0][0].get("name") == "搭子类型"
    assert [c.get("name") for c in root[0][0].findall(NS + "Code")][:2] == ["活动型搭子",
                                                                             "情感支持型搭子"]


def test_guids_are_uuid5_of_name_variable_and_code():
    # Hand-computed from the documented recipe; a change of GUID_NAMESPACE or of
    # the key layout would break every GUID other tools have stored.
    assert GUID_NAMESPACE == uuid.UUID("5b1f0c52-7d0e-5a8e-9c39-64617a690001")
    expected = str(uuid.uuid5(GUID_NAMESPACE, '["Demo", "kind", "meal"]'))
    assert code_guid("Demo", "kind", "meal") == expected
    assert code_guid("Demo", "kind") == str(uuid.uuid5(GUID_NAMESPACE, '["Demo", "kind", null]'))
    assert code_guid("Demo", "kind", "meal") == "61e2a31d-c9a3-5ca7-8b7d-41e5a8043d69"  # pinned
    assert code_guid("Demo", "kind", "meal") != code_guid("Demo", "kind", "travel")
    assert code_guid("Demo", "kind", "meal") != code_guid("Demo 2", "kind", "meal")


def test_guids_survive_renames_and_new_versions(study):
    renamed = rename_code(study, "interest_category", "travel", {"en": "Trips"})
    def guid_of(codebook, name):
        root = ET.fromstring(to_qdc(codebook))
        return [c.get("guid") for c in root.iter(NS + "Code") if c.get("name") == name][0]
    assert guid_of(study, "Travel/Exploration") == guid_of(renamed, "Trips")


def test_numeric_text_and_retired_are_left_out(template):
    root = check_qdc_structure(to_qdc(template))
    assert [c.get("name") for c in root[0]] == ["Topic", "Channels", "Interaction frequency",
                                                "Match outcome"]
    topic_codes = [c.get("name") for c in root[0][0].iter(NS + "Code")][1:]
    assert "Hiking" not in topic_codes                      # retired
    assert "Memo" not in [c.get("name") for c in root.iter(NS + "Code")]


def test_description_layout_is_readable(template):
    root = ET.fromstring(to_qdc(template))
    food = root[0][0].find(NS + "Code")
    assert food.find(NS + "Description").text == (
        "Definition (en): Eating out, cooking and food shopping.\n"
        "Definition (zh): 外出就餐、做饭和买菜。\n"
        "Include: Restaurants, recipes, 探店.\n"
        "Exclude: Diets for weight loss → fitness.\n"
        "Examples:\n"
        "- 周末一起去探店吧\n"
        "- Anyone want to try the new ramen place?\n"
        "Keywords: 探店; 饭搭子; foodie\n"
        "Label (en): Food\n"
        "Label (zh): 美食\n"
        "ID: food")
    assert root[0][0].find(NS + "Description").text == (
        "Instruction: The main topic of the post. Choose the most specific code that fits.\n"
        "Type: single\n"
        "Required: yes\n"
        "Label (en): Topic\n"
        "Label (zh): 话题\n"
        "ID: topic\n"
        "Codebook: My study (我的研究)")  # the standard has no codebook name: the first variable carries it


def test_export_without_codes_is_refused():
    only_numbers = Codebook.from_dict({"name": "N", "variables": [
        {"id": "n", "label": "N", "type": "numeric"}]})
    with pytest.raises(ValidationError, match="no single, multi or ordinal variable"):
        to_qdc(only_numbers)


def test_control_characters_are_dropped():
    codebook = Codebook.from_dict({"name": "C", "variables": [
        {"id": "v", "label": "V\x07", "type": "single", "codes": [
            {"id": "a", "label": "A", "definition": "bell\x07 and\r\nCRLF",
             "examples": ["x\x01y"]}]}]})  # NUL itself is refused by the codebook (test_codebook)
    data = to_qdc(codebook)
    root = check_qdc_structure(data)
    assert root[0][0].get("name") == "V"
    imported = from_qdc(data)
    assert imported.variable("v").code("a").definition == "bell and\nCRLF"
    assert imported.variable("v").code("a").examples == ("xy",)


def test_write_qdc(tmp_path, study):
    path = write_qdc(study, tmp_path / "study.qdc")
    assert path.read_bytes() == to_qdc(study)


# --------------------------------------------------------------------------
# Round trips
# --------------------------------------------------------------------------

def _choice_variables(codebook: Codebook) -> list:
    return [v for v in codebook.variables if v.is_choice]


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_round_trip_restores_every_choice_variable(study, lang):
    back = from_qdc(to_qdc(study, lang=lang), name=study.name)
    assert _choice_variables(back) == _choice_variables(study)


def test_round_trip_of_retired_and_merged_codes(template):
    merged, _ = merge_codes(template, "channels", ["comments"], "messages")
    data = to_qdc(merged, include_retired=True)
    check_qdc_structure(data)
    back = from_qdc(data)
    assert _choice_variables(back) == _choice_variables(merged)
    assert back.variable("channels").code("comments").merged_into == "messages"
    assert back.variable("topic").code("hiking").retired


def test_round_trip_of_plain_and_multiline_texts():
    codebook = Codebook.from_dict({"name": "T", "variables": [
        {"id": "v", "label": "V", "instruction": "Read it.\n\nThen code it.", "type": "multi",
         "level": "nominal", "required": False, "codes": [
             {"id": "a", "label": "A", "definition": "First line\n  indented line\nlast",
              "examples": ["one\ntwo", "Include: looks like a label"],
              "keywords": ["semi;colon", "ok"]},
             {"id": "b", "label": "B", "missing": True}]},
        {"id": "w", "label": "W", "type": "ordinal", "level": "interval",
         "when": {"v": ["a"]}, "codes": [{"id": "lo", "label": "Low"},
                                         {"id": "hi", "label": "High"}]}]})
    assert _choice_variables(from_qdc(to_qdc(codebook))) == _choice_variables(codebook)


def test_name_edited_in_another_tool_wins(template):
    data = to_qdc(template).replace(b'name="Food"', b'name="Food and drink"')
    back = from_qdc(data)
    assert back.variable("topic").code("food").label == "Food and drink"


# --------------------------------------------------------------------------
# Parsing descriptions
# --------------------------------------------------------------------------

def test_parse_description_is_lenient():
    parsed = _parse_description(
        "Free text from another tool.\n"
        "Definition: starts here\n"
        "continues without indentation\n"
        "Examples:\n"
        "- first\n"
        "  still first\n"
        "second without dash\n"
        "Keywords: a; b ;; c\n"
        "Colour: not a field we know",
        _CODE_FIELDS)
    assert parsed.preamble == "Free text from another tool."
    assert parsed.texts["definition"] == {None: "starts here\ncontinues without indentation"}
    assert parsed.lists["examples"] == ["first\nstill first", "second without dash"]
    assert parsed.lists["keywords"] == ["a", "b", "c", "Colour: not a field we know"]


# --------------------------------------------------------------------------
# Import of other tools' files
# --------------------------------------------------------------------------

def test_import_hand_written_standard_file():
    codebook = read_qdc(DATA / "standard.qdc")
    assert codebook.name == "standard"
    assert codebook.description == "Imported from standard.qdc (written by QualCoder 3.5)."
    assert codebook.to_dict()["variables"] == [
        {"id": "companion_kinds", "label": "Companion kinds",
         "instruction": "Kinds of 搭子 named in the post.", "type": "single", "required": False,
         "codes": [
             {"id": "meal_companion", "label": "Meal companion 饭搭子",
              "definition": "Eating together.", "include": "lunch, dinner, 探店",
              "color": "#E15759"},
             {"id": "hobbies", "label": "Hobbies", "color": "#B07AA1", "codes": [
                 {"id": "gaming", "label": "Gaming", "codes": [
                     {"id": "mobile_games", "label": "Mobile games"}]},
                 {"id": "code_5fb0916d", "label": "飞盘"}]},       # id from the GUID
             {"id": "travel", "label": "Travel"}]},
        {"id": "codes", "label": "Codes", "type": "multi", "required": False, "codes": [
            {"id": "loneliness", "label": "Loneliness", "color": "#4e79a7",
             "definition": "Mentions of feeling alone or isolated.\n\n"
                           "Second paragraph of the memo."},
            {"id": "humour", "label": "Humour"}]},
    ]


def test_import_atlas_ti_variant():
    raw = (DATA / "atlas_ti.qdc").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf") and b"\r\n" in raw            # the quirks are there
    assert b'schemaLocation="urn:QDA-XML:codebook:0:4' in raw
    codebook = read_qdc(DATA / "atlas_ti.qdc", name="ATLAS import", default_type="multi")
    assert codebook.name == "ATLAS import"
    assert codebook.to_dict()["variables"] == [
        {"id": "codes", "label": "Codes", "type": "multi", "required": False, "codes": [
            {"id": "fitness_running", "label": "Fitness: running",
             "definition": "Running together or checking in runs.", "color": "#46AA00"},
            {"id": "fitness_gym", "label": "Fitness: gym", "color": "#46AA00"},
            {"id": "study_exam_prep", "label": "Study: exam prep",
             "definition": "考研, 考公, IELTS.", "color": "#FF0000"}]}]


@pytest.mark.parametrize("xml", [
    pytest.param('<CodeBook xmlns="urn:QDA-XML:codebook:0:4" origin="ATLAS.ti Win 26.1.1">'
                 '<Codes><Code guid="p" name="Parent" isCodable="true"><Description>Comment'
                 '</Description><Code guid="c" name="Child" isCodable="true"/></Code></Codes>'
                 '</CodeBook>', id="0:4 as the namespace, short guids"),
    pytest.param('<CodeBook><Codes><Code guid="p" name="Parent" isCodable="1"><Description>'
                 'Comment</Description><Code guid="c" name="Child" isCodable="1"/></Code>'
                 '</Codes></CodeBook>', id="no namespace"),
    pytest.param('<Project xmlns="urn:QDA-XML:project:1.0" name="P"><Users/><CodeBook><Codes>'
                 '<Code guid="p" name="Parent" isCodable="true"><Description>Comment'
                 '</Description><Code guid="c" name="Child" isCodable="true"/></Code></Codes>'
                 '</CodeBook></Project>', id="project.qde"),
])
def test_import_variants(xml):
    codebook = from_qdc(xml)
    variable = codebook.variable("parent")
    assert variable.instruction == "Comment"
    assert [c.id for c in variable.codes] == ["child"]


def test_unusable_lines_of_foreign_descriptions_are_kept():
    xml = ('<CodeBook><Codes><Code guid="a" name="Flat" isCodable="true"><Description>'
           'ID: 123\nStatus: draft\nDefinition: The memo.</Description></Code></Codes>'
           '</CodeBook>')
    code = from_qdc(xml).variable("codes").code("flat")
    assert code.definition == "ID: 123\nStatus: draft\n\nThe memo."
    assert not code.retired


def test_import_keeps_ids_unique_and_fixes_odd_codes():
    xml = ('<CodeBook xmlns="urn:QDA-XML:codebook:1.0"><Codes>'
           '<Code guid="A0000000-0000-0000-0000-000000000001" name="Group" isCodable="false">'
           '<Code guid="B0000000-0000-0000-0000-000000000001" name="Same" isCodable="false"/>'
           '<Code guid="C0000000-0000-0000-0000-000000000001" name="Same" isCodable="true"'
           ' color="red"/>'
           '<Code guid="D0000000-0000-0000-0000-000000000001" name="Other" isCodable="true">'
           '<Description>ID: same</Description></Code>'
           '</Code></Codes></CodeBook>')
    codes = from_qdc(xml).variable("group").codes
    # the explicit ID line keeps "same"; derived ids step aside
    assert [(c.id, c.label, c.codable, c.color) for c in codes] == [
        ("same_2", "Same", True, None), ("same_3", "Same", True, None),
        ("same", "Other", True, None)]


@pytest.mark.parametrize("xml, expected", [
    pytest.param(b"<CodeBook><Codes><Code", "not well-formed XML (line 1", id="truncated"),
    pytest.param(b'<html xmlns="http://www.w3.org/1999/xhtml"/>', "not a REFI-QDA codebook: the "
                 "root element is in namespace 'http://www.w3.org/1999/xhtml'", id="html"),
    pytest.param(b"<Codes/>", "the root element is <Codes>, not <CodeBook>", id="wrong root"),
    pytest.param(b'<CodeBook xmlns="urn:QDA-XML:codebook:1.0"><Codes/></CodeBook>',
                 "the codebook has no codes", id="no codes"),
    pytest.param(b'<Project xmlns="urn:QDA-XML:project:1.0" name="p"/>',
                 "this REFI-QDA project has no CodeBook", id="project without codebook"),
    pytest.param(b'<CodeBook><Codes><Code guid="x" name=" " isCodable="true"/></Codes>'
                 b'</CodeBook>', "a Code element (guid 'x') has no name",
                 id="nameless code"),
    # found by tests/test_fuzz_codebook.py (a LookupError and a RecursionError before)
    pytest.param(b'<?xml version="1.0" encoding="ttf-8"?><CodeBook/>',
                 "declares an encoding that cannot be read", id="unknown encoding"),
    pytest.param(b'<CodeBook><Codes>' + b'<Code guid="g" name="n" isCodable="true">' * 5000
                 + b'</Code>' * 5000 + b'</Codes></CodeBook>', "nested more than 100 deep",
                 id="codes nested 5000 deep"),
])
def test_import_errors(xml, expected):
    with pytest.raises(InputError) as err:
        from_qdc(xml, source="in.qdc")
    assert err.value.message.startswith("in.qdc: ")
    assert expected in err.value.message


def test_import_option_and_file_errors(tmp_path):
    with pytest.raises(InputError, match="default_type must be one of"):
        from_qdc(b"<CodeBook/>", default_type="numeric")
    with pytest.raises(InputError, match="file not found"):
        read_qdc(tmp_path / "missing.qdc")


# --------------------------------------------------------------------------
# Hostile XML
# --------------------------------------------------------------------------

@pytest.fixture(params=["defusedxml", "stdlib fallback"])
def parser(request, monkeypatch):
    if request.param == "stdlib fallback":
        monkeypatch.setattr(safe_xml, "_defused", None)
    else:
        assert safe_xml._defused is not None, "defusedxml is a dependency of dazi"
    return request.param


@pytest.mark.parametrize("name", ["billion_laughs.qdc", "external_entity.qdc"])
def test_entities_are_refused(parser, name):
    with pytest.raises(InputError) as err:
        read_qdc(DATA / name)
    assert "declares a DTD or entities; refusing to read it" in err.value.message


def test_fallback_parser_reads_normal_files(parser):
    assert read_qdc(DATA / "standard.qdc").variable_ids() == ["companion_kinds", "codes"]
