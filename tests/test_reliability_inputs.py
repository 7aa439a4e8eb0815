"""What counts as a value in reliability data (issue 16): files, numbers, "not stated" codes.

Each test fails without its fix: pandas' default missing markers, text
comparison of numbers, "not stated" codes silently made missing, notes that
blamed conditional skips, and hints in Python-API words on the command line.
"""

from __future__ import annotations

import json

import pandas as pd
import pytest
from click.testing import CliRunner

from coding.assignments import assign, overlap_post_pks
from coding.codebook import Codebook
from coding.codebook_store import save_codebook
from coding.coders import add_coder, get_coder
from coding.codings import save_coding
from coding.missing import is_missing, is_unanswered
from coding.project_reliability import project_reliability
from coding.reliability import reliability
from corpus.sampling import draw_sample
from dazi.cli import cli
from dazi.errors import ValidationError
from tests.conftest import make_posts


def run(*args, ok=True):
    result = CliRunner().invoke(cli, [str(a) for a in args], catch_exceptions=False)
    if ok:
        assert result.exit_code == 0, result.output
    return result


@pytest.mark.parametrize("code", ["NA", "None", "null", "N/A", "nan", "NaN", "n/a", "NULL"])
def test_codes_named_like_missing_markers_are_codes(tmp_path, code):
    # both coders chose the code on unit 3: 4 of 4 units agree, nothing is missing
    path = tmp_path / "codes.csv"
    path.write_text(f"unit,alice,bob\n1,a,a\n2,b,b\n3,{code},{code}\n4,a,a\n", encoding="utf-8")
    d = json.loads(run("reliability", path, "--coders", "alice,bob", "--bootstrap", "0",
                       "--format", "json").output)["variables"][0]
    assert d["n_units"] == 4 and d["percent_agreement"] == 1.0
    assert d["krippendorff_alpha"] == 1.0
    assert not any("no value" in n or "only one coder" in n for n in d["notes"])


def test_only_empty_cells_are_missing_and_missing_option_adds_more(tmp_path):
    path = tmp_path / "codes.csv"
    path.write_text("unit,alice,bob\n1,a,a\n2,b,\n3,a,-\n4,b,b\n", encoding="utf-8")
    base = ["reliability", path, "--coders", "alice,bob", "--bootstrap", "0", "--format", "json"]
    d = json.loads(run(*base).output)["variables"][0]
    # unit 2: bob's cell empty (missing); unit 3: '-' is a code that disagrees with 'a'
    assert d["n_pairable"] == 6 and d["percent_agreement"] == pytest.approx(2 / 3)
    assert any("1 unit(s) have a value from only one coder" in n for n in d["notes"])
    d = json.loads(run(*base, "--missing", "-").output)["variables"][0]
    assert d["n_pairable"] == 4 and d["percent_agreement"] == 1.0


def test_numbers_compare_as_numbers_at_the_nominal_level(tmp_path):
    # one coder's column saved as floats by a spreadsheet: 1 and 1.0 are the same code
    path = tmp_path / "codes.csv"
    path.write_text("unit,alice,bob\n1,1,1.0\n2,2,2.0\n3,3, 3.0\n4,1,1.0\n5,2,3.0\n", encoding="utf-8")
    d = json.loads(run("reliability", path, "--coders", "alice,bob", "--bootstrap", "0",
                       "--format", "json").output)["variables"][0]
    assert d["percent_agreement"] == pytest.approx(0.8)
    # the API too, with mixed Python types
    r = reliability(pd.DataFrame({"a": [1, 2, 3, "1"], "b": [1.0, "2", 3, 1]}), coders=["a", "b"], bootstrap=0)
    assert r.percent_agreement == 1.0
    # an order given as text matches numeric data
    r = reliability(pd.DataFrame({"a": [1, 2, 3], "b": [1.0, 2.0, 2.0]}), coders=["a", "b"],
                    level="ordinal", value_order=["1", "2", "3"], bootstrap=0)
    assert r.percent_agreement == pytest.approx(2 / 3)


def test_text_values_that_are_not_all_numbers_stay_text():
    r = reliability(pd.DataFrame({"a": ["1", "x"], "b": ["1.0", "x"]}), coders=["a", "b"], bootstrap=0)
    assert r.percent_agreement == 0.5  # '1' and '1.0' are different labels among text codes


def test_missing_rule():
    assert is_missing(None) and is_missing(float("nan")) and is_missing(pd.NA) and is_missing("  ")
    assert not any(is_missing(v) for v in ("NA", "None", "null", "nan", 0, [], "not_stated"))
    assert is_unanswered([]) and not is_unanswered(["a"]) and is_unanswered(None)


def test_cli_hints_use_cli_words(tmp_path):
    path = tmp_path / "codes.csv"
    path.write_text("unit,alice,bob\n1,low,high\n2,mid,mid\n", encoding="utf-8")
    r = run("reliability", path, "--coders", "alice,bob", "--level", "ordinal", ok=False)
    assert r.exit_code == 1 and "--order" in r.output and "value_order" not in r.output
    r = run("reliability", path, "--unit", "post", "--coder", "c", "--value", "v", ok=False)
    assert "--unit COLUMN" in r.output and "unit='" not in r.output
    # and the Python API keeps Python words
    with pytest.raises(ValidationError) as exc:
        reliability(pd.DataFrame({"a": ["low"], "b": ["mid"]}), coders=["a", "b"], level="ordinal")
    assert "value_order=[...]" in exc.value.hint


def test_weights_option_is_shown_in_table_and_json(tmp_path):
    path = tmp_path / "codes.csv"
    path.write_text("unit,alice,bob\n1,1,1\n2,2,3\n3,3,3\n4,1,2\n5,2,2\n", encoding="utf-8")
    base = ["reliability", path, "--coders", "alice,bob", "--level", "ordinal", "--bootstrap", "0"]
    table = run(*base, "--weights", "linear").output
    assert table.splitlines()[0].split()[:3] == ["variable", "level", "weights"]
    assert table.splitlines()[1].split()[2] == "linear"
    d = {w: json.loads(run(*base, "--weights", w, "--format", "json").output)["variables"][0]
         for w in ("identity", "linear", "quadratic")}
    assert {w: x["weights"] for w, x in d.items()} == {w: w for w in d}
    assert d["identity"]["cohen_kappa"] != d["linear"]["cohen_kappa"] != d["quadratic"]["cohen_kappa"]
    default = json.loads(run(*base, "--format", "json").output)["variables"][0]
    assert default["weights"] == "quadratic"  # the default, now visible
    nominal = run("reliability", path, "--coders", "alice,bob", "--bootstrap", "0", "--weights", "linear").output
    assert nominal.splitlines()[1].split()[2] == "none"  # nominal data are never weighted


FREQUENCY_CODEBOOK = {
    "name": "freq",
    "variables": [
        {"id": "frequency", "label": "Frequency", "type": "ordinal", "codes": [
            {"id": "daily", "label": "Daily"}, {"id": "weekly", "label": "Weekly"},
            {"id": "rarely", "label": "Rarely"},
            {"id": "not_stated", "label": "Not stated", "missing": True}]},
    ],
}


def _coded_frequency(db, project, policy=None):
    book = dict(FREQUENCY_CODEBOOK, **({"reliability_missing_codes": policy} if policy else {}))
    make_posts(db, project, 10)
    save_codebook(db, project, Codebook.from_dict(book))
    for name in ("a", "b"):
        add_coder(db, project, name, passcode="1234")
    draw_sample(db, project, "main", size=8, seed=1)
    assign(db, project, "main", ["a", "b"], overlap=8, seed=1)
    pks = overlap_post_pks(db, project)
    a, b = get_coder(db, project, "a"), get_coder(db, project, "b")
    # 8 units: 4 agree on scale points, 2 not_stated vs daily, 2 both not_stated
    va = ["daily", "weekly", "rarely", "daily", "not_stated", "not_stated", "not_stated", "not_stated"]
    vb = ["daily", "weekly", "rarely", "daily", "daily", "daily", "not_stated", "not_stated"]
    for pk, x, y in zip(pks, va, vb, strict=True):
        save_coding(db, project, a, pk, {"frequency": x})
        save_coding(db, project, b, pk, {"frequency": y})


def test_not_stated_is_a_value_by_default(db, project):
    _coded_frequency(db, project)
    (r,) = project_reliability(db, project, bootstrap=0)
    # the two not_stated-vs-daily units are disagreements: 6 of 8 agree
    assert r.n_units == 8 and r.percent_agreement == pytest.approx(0.75)
    assert r.level == "nominal"  # off the ordinal scale: computed at the nominal level, and said so
    assert any("reliability_missing_codes: value" in n for n in r.notes)
    assert not any("only one coder" in n or "conditional" in n for n in r.notes)


def test_not_stated_as_missing_when_the_codebook_says_so(db, project):
    _coded_frequency(db, project, "missing")
    (r,) = project_reliability(db, project, bootstrap=0)
    assert r.level == "ordinal" and r.percent_agreement == 1.0
    assert r.n_units == 6  # the two both-not-stated units have no value left
    assert any("6 value(s) 'not_stated'" in n and "reliability_missing_codes: missing" in n for n in r.notes)
    assert any("2 unit(s) have a value from only one coder" in n for n in r.notes)
    assert any("2 unit(s) have no value from any coder" in n for n in r.notes)


def test_bad_missing_codes_setting_is_a_codebook_error():
    from coding.codebook import CodebookError

    with pytest.raises(CodebookError, match="reliability_missing_codes must be value or missing"):
        Codebook.from_dict(dict(FREQUENCY_CODEBOOK, reliability_missing_codes="drop"))
    book = Codebook.from_dict(dict(FREQUENCY_CODEBOOK, reliability_missing_codes="missing"))
    assert Codebook.from_dict(book.to_dict()).reliability_missing_codes == "missing"


def test_conditional_skips_are_named_as_such(db, project):
    from tests.test_codings import SMALL_CODEBOOK

    make_posts(db, project, 6)
    save_codebook(db, project, Codebook.from_dict(SMALL_CODEBOOK))
    for name in ("a", "b"):
        add_coder(db, project, name, passcode="1234")
    draw_sample(db, project, "main", size=4, seed=1)
    assign(db, project, "main", ["a", "b"], overlap=4, seed=1)
    pks = overlap_post_pks(db, project)
    a, b = get_coder(db, project, "a"), get_coder(db, project, "b")
    # unit 1: both success (months coded); unit 2: a success, b failure (b's months skipped)
    save_coding(db, project, a, pks[0], {"kind": "meal", "outcome": "success", "months": 3})
    save_coding(db, project, b, pks[0], {"kind": "meal", "outcome": "success", "months": 3})
    save_coding(db, project, a, pks[1], {"kind": "meal", "outcome": "success", "months": 5})
    save_coding(db, project, b, pks[1], {"kind": "meal", "outcome": "failure"})
    months = {r.variable: r for r in project_reliability(db, project, bootstrap=0)}["months"]
    assert any(n.startswith("1 empty cell(s) because the variable did not apply") and "outcome = success" in n
               for n in months.notes)
    assert any("1 unit(s) have a value from only one coder" in n for n in months.notes)
